package io.geogate.decision;

import io.geogate.account.AccountId;
import io.geogate.country.CountryCode;

import java.util.Objects;
import java.util.Optional;

/**
 * Everything the decision depends on besides policy and time.
 *
 * @param country the client's country; empty when the address has none
 * @param account the account and its home; empty for no account (or one the directory does not know)
 */
public record Facts(Optional<CountryCode> country, Optional<Account> account) {

    public Facts {
        Objects.requireNonNull(country, "country");
        Objects.requireNonNull(account, "account");
    }

    /** An account with a known home. */
    public record Account(AccountId id, CountryCode home) {
        public Account {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(home, "home");
        }
    }

    public Optional<CountryCode> home() {
        return account.map(Account::home);
    }
}

package io.geogate.token;

import io.geogate.account.AccountId;
import io.geogate.country.CountryCode;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * What a valid token says.
 *
 * @param home    the home claim, when the token carries one: it wins over the directory
 * @param expires the token's {@code exp}
 */
public record VerifiedToken(AccountId account, Optional<CountryCode> home, Instant expires) {
    public VerifiedToken {
        Objects.requireNonNull(account, "account");
        Objects.requireNonNull(home, "home");
        Objects.requireNonNull(expires, "expires");
    }
}

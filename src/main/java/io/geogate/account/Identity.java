package io.geogate.account;

import io.geogate.country.CountryCode;

import java.util.Objects;

/** Who a request is, as far as the decision cares. */
public sealed interface Identity {

    /** No account: none presented, not believable, an invalid token, or unknown to the directory. */
    record Anonymous() implements Identity {
    }

    /** An account and its home, from a verified token claim or the directory. */
    record Homed(AccountId id, CountryCode home) implements Identity {
        public Homed {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(home, "home");
        }
    }

    /** An account the directory could not resolve because it is unavailable. */
    record Unresolved(AccountId id) implements Identity {
        public Unresolved {
            Objects.requireNonNull(id, "id");
        }
    }

    Identity NO_ACCOUNT = new Anonymous();
}

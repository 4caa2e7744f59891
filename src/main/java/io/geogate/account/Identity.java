package io.geogate.account;

import io.geogate.country.CountryCode;

import java.util.Objects;

/** Who a request is, as far as the decision cares. */
public sealed interface Identity {

    /** No account: none presented, not believable, invalid, or unknown to the directory. */
    record Anonymous(String why) implements Identity {
        public Anonymous {
            Objects.requireNonNull(why, "why");
        }
    }

    /** An account and its home, from a verified token claim or the directory. */
    record Homed(AccountId id, CountryCode home, String source) implements Identity {
        public Homed {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(home, "home");
            Objects.requireNonNull(source, "source");
        }
    }

    /** An account the directory could not resolve because it is unavailable. */
    record Unresolved(AccountId id, String why) implements Identity {
        public Unresolved {
            Objects.requireNonNull(id, "id");
        }
    }

    Identity NO_ACCOUNT = new Anonymous("no-account");
}

package io.geogate.account;

import io.geogate.country.CountryCode;

/** What a directory says about one account. */
public sealed interface HomeLookup {

    /** The account is homed in {@code home}. */
    record Known(CountryCode home) implements HomeLookup {
    }

    /** The directory answered: it does not know the account (treated like no account). */
    record Unknown() implements HomeLookup {
    }

    /** The directory could not answer, and nothing cached says otherwise. */
    record Unavailable() implements HomeLookup {
    }

    HomeLookup UNKNOWN = new Unknown();

    HomeLookup UNAVAILABLE = new Unavailable();
}

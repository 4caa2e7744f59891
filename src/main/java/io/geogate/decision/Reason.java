package io.geogate.decision;

/** Why a decision came out as it did: the same words in logs, metrics, bodies and the decide endpoint. */
public enum Reason {
    UNRESTRICTED("unrestricted"),
    VISITOR("visitor"),
    HOME_IN_RESTRICTED_COUNTRY("home-in-restricted-country"),
    ANONYMOUS_IN_RESTRICTED_COUNTRY("anonymous-in-restricted-country"),
    UNKNOWN_COUNTRY("unknown-country");

    private final String word;

    Reason(String word) {
        this.word = word;
    }

    public String word() {
        return word;
    }
}

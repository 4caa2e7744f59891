package io.geogate.snapshot;

/** The inputs a snapshot is built from, named as readiness checks and metrics name them. */
public enum Component {
    GEO_DATABASE("geo-database"), POLICY("policy"), ACCOUNTS("accounts"), JWT_KEYS("jwt-keys");

    private final String word;

    Component(String word) {
        this.word = word;
    }

    public String word() {
        return word;
    }
}

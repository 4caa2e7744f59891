package io.geogate.policy;

/** What a policy does with a class of requests: {@code allow} or {@code refuse}. */
public enum Rule {
    ALLOW, REFUSE;

    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}

package io.geogate.policy;

/** {@code enforce} refuses; {@code report-only} decides the same way but lets refusals through. */
public enum Mode {
    ENFORCE("enforce"), REPORT_ONLY("report-only");

    private final String word;

    Mode(String word) {
        this.word = word;
    }

    public String word() {
        return word;
    }
}

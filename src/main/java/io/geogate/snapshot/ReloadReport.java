package io.geogate.snapshot;

import java.util.Map;

/** What one reload did to each input it looked at. */
public record ReloadReport(Map<Component, Result> results) {

    public ReloadReport {
        results = Map.copyOf(results);
    }

    /** The fate of one input. */
    public enum Outcome {
        CHANGED, UNCHANGED, REFUSED
    }

    /** @param detail new version or build time, or the error for a refusal */
    public record Result(Outcome outcome, String detail) {
    }
}

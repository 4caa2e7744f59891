package io.geogate.policy;

import java.util.Objects;

/** One thing wrong with a policy document, at a path such as {@code restrictions[0].cutoff}. */
public record PolicyError(String path, String message) {

    public PolicyError {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
        return path + ": " + message;
    }
}

package io.geogate.policy;

import java.util.List;
import java.util.stream.Collectors;

/** A policy document refused, with every error found. */
public final class InvalidPolicyException extends Exception {

    private final List<PolicyError> errors;

    public InvalidPolicyException(List<PolicyError> errors) {
        super(errors.stream().map(PolicyError::toString).collect(Collectors.joining("; ")));
        this.errors = List.copyOf(errors);
    }

    public List<PolicyError> errors() {
        return errors;
    }
}

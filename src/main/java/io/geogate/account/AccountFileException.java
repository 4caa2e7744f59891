package io.geogate.account;

import java.util.List;

/** An account file that cannot be put into service; the errors name lines. */
public final class AccountFileException extends Exception {

    private final List<String> errors;

    public AccountFileException(String file, List<String> errors) {
        super(file + ": " + String.join("; ", errors));
        this.errors = List.copyOf(errors);
    }

    public List<String> errors() {
        return errors;
    }
}

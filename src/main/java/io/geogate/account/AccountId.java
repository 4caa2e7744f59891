package io.geogate.account;

/** An account identifier as the directory and tokens name it: 1 to 256 visible characters. */
public record AccountId(String value) {

    public static final int MAX_LENGTH = 256;

    public AccountId {
        if (!isValid(value)) {
            throw new IllegalArgumentException("account id must be 1.." + MAX_LENGTH + " visible characters");
        }
    }

    /** Whether {@code text} can be an account id: the hot-path check, instead of catching. */
    public static boolean isValid(String text) {
        if (text == null || text.isEmpty() || text.length() > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c <= ' ' || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return value;
    }
}

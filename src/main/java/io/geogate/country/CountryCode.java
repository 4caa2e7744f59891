package io.geogate.country;

import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * An ISO 3166-1 alpha-2 country code, always upper case.
 *
 * <p>{@link #parse} is strict (assigned codes only) and is what policies and account directories
 * use; {@link #tryLenient} accepts any two ASCII letters, because geo databases carry a few codes
 * of their own (e.g. {@code EU}) that must still be reported rather than dropped.
 */
public record CountryCode(String value) {

    private static final Set<String> ASSIGNED = Set.copyOf(Locale.getISOCountries(Locale.IsoCountryCode.PART1_ALPHA2));

    public CountryCode {
        if (!isTwoLetters(value) || !value.equals(value.toUpperCase(Locale.ROOT))) {
            throw new IllegalArgumentException("not an upper-case two-letter country code: " + value);
        }
    }

    /** Parses an assigned ISO 3166-1 alpha-2 code; lower case is accepted and upper-cased. */
    public static Optional<CountryCode> parse(String text) {
        if (!isTwoLetters(text)) {
            return Optional.empty();
        }
        String upper = text.toUpperCase(Locale.ROOT);
        return ASSIGNED.contains(upper) ? Optional.of(new CountryCode(upper)) : Optional.empty();
    }

    /** Any two ASCII letters, upper-cased: the form used for what a geo database says. */
    public static Optional<CountryCode> tryLenient(String text) {
        return isTwoLetters(text) ? Optional.of(new CountryCode(text.toUpperCase(Locale.ROOT))) : Optional.empty();
    }

    private static boolean isTwoLetters(String text) {
        return text != null && text.length() == 2 && isAsciiLetter(text.charAt(0)) && isAsciiLetter(text.charAt(1));
    }

    private static boolean isAsciiLetter(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }

    @Override
    public String toString() {
        return value;
    }
}

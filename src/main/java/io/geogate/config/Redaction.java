package io.geogate.config;

import java.util.regex.Pattern;

/**
 * Hides secrets in configuration values before they reach health data, admin answers, metrics or
 * logs: the password of a URL's user info ({@code redis://user:secret@host}) and password-like query
 * parameters.
 */
public final class Redaction {

    /** What a hidden secret is shown as. */
    public static final String HIDDEN = "***";

    private static final Pattern USER_INFO = Pattern.compile("^(\\s*[A-Za-z][A-Za-z0-9+.-]*://)([^@/?#]*)@");
    private static final Pattern SECRET_PARAMETER =
            Pattern.compile("(?i)([?&;](?:password|passwd|pwd|secret|token|auth|key)=)[^&;#]*");

    private Redaction() {
    }

    /**
     * {@code url} with its user-info password and secret-looking query parameters replaced by {@link #HIDDEN};
     * a comma-separated list of URLs (Redis sentinels, cluster nodes) has each of them redacted.
     */
    public static String url(String url) {
        if (url == null) {
            return null;
        }
        if (url.indexOf(',') >= 0) {
            return java.util.Arrays.stream(url.split(",", -1)).map(Redaction::one).collect(java.util.stream.Collectors.joining(","));
        }
        return one(url);
    }

    private static String one(String url) {
        String out = USER_INFO.matcher(url).replaceFirst(m -> {
            String info = m.group(2);
            int colon = info.indexOf(':');
            String user = colon < 0 ? "" : info.substring(0, colon);
            // A lone user part may itself be the secret (redis://secret@host is Redis's password-only form).
            return java.util.regex.Matcher.quoteReplacement(m.group(1) + (colon < 0 ? HIDDEN : user + ":" + HIDDEN) + "@");
        });
        return SECRET_PARAMETER.matcher(out).replaceAll("$1" + HIDDEN);
    }
}

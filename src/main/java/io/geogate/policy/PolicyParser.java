package io.geogate.policy;

import io.geogate.country.CountryCode;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.schema.CoreSchema;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a policy document (YAML, or JSON, which is YAML) and validates all of it, collecting
 * every error with its path before refusing.
 *
 * <p>YAML 1.2's core schema is used, so {@code NO} is Norway rather than {@code false} and a
 * cutoff is never re-typed to a date; scalars are read as the text written.
 */
public final class PolicyParser {

    /** Larger documents are refused before parsing. */
    public static final int MAX_DOCUMENT_CHARS = 1 << 20;

    /** More datacenters than this are refused: each is a connection pool, and routing scans them. */
    public static final int MAX_DATACENTERS = 256;

    /** At most this many errors are listed; one more entry says how many were left out. */
    public static final int MAX_ERRORS = 100;

    /** Deeper documents are refused before they are built: the YAML composer recurses per level. */
    public static final int MAX_NESTING = 32;

    /** Aliases to collections a document may use; a policy needs none, expansion bombs need many. */
    public static final int MAX_ALIASES = 20;

    /** Longest {@code reason}: it is sent in every refusal and written in every audit line. */
    public static final int MAX_REASON_CHARS = 1024;

    /** Longest {@code blocked-by} URL: it is sent in a {@code Link} header. */
    public static final int MAX_URL_CHARS = 2048;

    /** Longest quoted value in an error message, so that a refusal stays readable. */
    private static final int MAX_QUOTED_CHARS = 80;

    /**
     * The contract's durations: days and time, whole units, no sign and no fraction. Case is
     * ignored, like ISO country codes; the canonical form is upper case.
     */
    private static final Pattern DURATION = Pattern.compile(
            "P(?:(\\d{1,9})D)?(?:T(?=\\d)(?:(\\d{1,12})H)?(?:(\\d{1,12})M)?(?:(\\d{1,15})S)?)?", Pattern.CASE_INSENSITIVE);

    /** YAML 1.2 core schema, no duplicate or recursive keys, few aliases; immutable, so shared. */
    private static final LoadSettings SETTINGS = LoadSettings.builder()
            .setSchema(new CoreSchema())
            .setAllowDuplicateKeys(false)
            .setAllowRecursiveKeys(false)
            .setMaxAliasesForCollections(MAX_ALIASES)
            .setLabel("policy")
            .build();

    private static final Set<String> TOP_KEYS = Set.of("datacenters", "restrictions", "unknown-country", "mode");
    private static final Set<String> DATACENTER_KEYS = Set.of("name", "upstream", "homes", "default");
    private static final Set<String> RESTRICTION_KEYS =
            Set.of("country", "cutoff", "notice", "anonymous", "blocked-by", "reason");

    private PolicyParser() {
    }

    public static Policy parse(String text) throws InvalidPolicyException {
        if (text.length() > MAX_DOCUMENT_CHARS) {
            throw new InvalidPolicyException(List.of(new PolicyError("$", "document larger than "
                    + MAX_DOCUMENT_CHARS + " characters")));
        }
        Object document;
        try {
            checkNesting(text);
            document = new Load(SETTINGS).loadFromString(text);
        } catch (YamlEngineException e) {
            throw new InvalidPolicyException(List.of(new PolicyError("$", "not valid YAML or JSON: "
                    + printable(e.getMessage().replace('\n', ' '), 300))));
        }
        Validation v = new Validation();
        Policy policy = v.policy(document);
        if (v.count > 0) {
            List<PolicyError> listed = new ArrayList<>(v.errors);
            if (v.count > listed.size()) {
                listed.add(new PolicyError("$", (v.count - listed.size()) + " more errors not listed"));
            }
            throw new InvalidPolicyException(listed);
        }
        return policy;
    }

    /**
     * Walks the document's events (the parser keeps its own stack, so this cannot overflow) and
     * refuses it when collections nest deeper than {@link #MAX_NESTING}, before the recursive
     * composer ever sees it.
     */
    private static void checkNesting(String text) throws InvalidPolicyException {
        int depth = 0;
        for (Event event : new Parse(SETTINGS).parseString(text)) {
            switch (event.getEventId()) {
                case MappingStart, SequenceStart -> {
                    if (++depth > MAX_NESTING) {
                        throw new InvalidPolicyException(List.of(new PolicyError("$", "collections nested deeper than "
                                + MAX_NESTING + " levels")));
                    }
                }
                case MappingEnd, SequenceEnd -> depth--;
                default -> {
                }
            }
        }
    }

    /** {@code text} quoted for an error message: at most {@code max} characters, control characters escaped. */
    static String printable(String text, int max) {
        StringBuilder out = new StringBuilder(Math.min(text.length(), max) + 8);
        for (int i = 0; i < text.length(); i++) {
            if (out.length() >= max) {
                out.append("…");
                break;
            }
            char c = text.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029' || Character.isSurrogate(c)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static boolean hasUnpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    private static String quoted(String text) {
        return "'" + printable(text, MAX_QUOTED_CHARS) + "'";
    }

    /** One pass over the document tree; every check appends to {@link #errors} instead of throwing. */
    private static final class Validation {
        private final List<PolicyError> errors = new ArrayList<>();
        private int count;

        private void error(String path, String message) {
            count++;
            if (errors.size() < MAX_ERRORS) {
                errors.add(new PolicyError(path, message));
            }
        }

        Policy policy(Object document) {
            if (document == null) {
                error("$", "the document is empty");
                return null;
            }
            Map<String, Object> top = mapping("$", document, TOP_KEYS, "");
            if (top == null) {
                return null;
            }
            List<Datacenter> datacenters = datacenters(top.get("datacenters"));
            List<Restriction> restrictions = restrictions(top.get("restrictions"));
            Rule unknownCountry = word("unknown-country", top.get("unknown-country"), Rule.ALLOW);
            Mode mode = mode(top.get("mode"));
            if (!errors.isEmpty()) {
                return null;
            }
            return new Policy(datacenters, restrictions, unknownCountry, mode);
        }

        private List<Datacenter> datacenters(Object node) {
            List<Datacenter> out = new ArrayList<>();
            if (node == null) {
                error("datacenters", "is required: list at least one datacenter");
                return out;
            }
            List<Object> items = sequence("datacenters", node);
            if (items == null) {
                return out;
            }
            if (items.isEmpty()) {
                error("datacenters", "must list at least one datacenter");
            }
            if (items.size() > MAX_DATACENTERS) {
                error("datacenters", "lists " + items.size() + " datacenters; at most " + MAX_DATACENTERS + " are allowed");
                return out;
            }
            Map<String, String> names = new HashMap<>();
            Map<CountryCode, String> homeOwners = new HashMap<>();
            List<String> defaults = new ArrayList<>();
            for (int i = 0; i < items.size(); i++) {
                String at = "datacenters[" + i + "]";
                Map<String, Object> m = mapping(at, items.get(i), DATACENTER_KEYS, at + ".");
                if (m == null) {
                    continue;
                }
                String name = requiredString(at + ".name", m.get("name"));
                if (name != null && !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
                    error(at + ".name", "must be 1-63 letters, digits, '.', '_' or '-'");
                    name = null;
                }
                if (name != null && names.putIfAbsent(name, at) != null) {
                    error(at + ".name", "duplicate datacenter name " + quoted(name) + " (also "
                            + names.get(name) + ")");
                }
                URI upstream = httpUrl(at + ".upstream", m.get("upstream"), true);
                Set<CountryCode> homes = new LinkedHashSet<>();
                if (m.get("homes") != null) {
                    List<Object> homeItems = sequence(at + ".homes", m.get("homes"));
                    for (int h = 0; homeItems != null && h < homeItems.size(); h++) {
                        String homeAt = at + ".homes[" + h + "]";
                        CountryCode home = country(homeAt, homeItems.get(h));
                        if (home == null) {
                            continue;
                        }
                        String owner = homeOwners.putIfAbsent(home, at);
                        if (owner != null) {
                            error(homeAt, "home " + home + " is already served by " + owner);
                        }
                        homes.add(home);
                    }
                }
                boolean isDefault = bool(at + ".default", m.get("default"));
                if (isDefault) {
                    defaults.add(at);
                }
                if (name != null && upstream != null) {
                    out.add(new Datacenter(name, upstream, homes, isDefault));
                }
            }
            if (!items.isEmpty() && defaults.size() != 1) {
                error("datacenters", "exactly one datacenter must have 'default: true' (found "
                        + (defaults.isEmpty() ? "none" : String.join(", ", defaults)) + ")");
            }
            return out;
        }

        private List<Restriction> restrictions(Object node) {
            List<Restriction> out = new ArrayList<>();
            if (node == null) {
                return out;
            }
            List<Object> items = sequence("restrictions", node);
            if (items == null) {
                return out;
            }
            Map<CountryCode, String> seen = new HashMap<>();
            for (int i = 0; i < items.size(); i++) {
                String at = "restrictions[" + i + "]";
                Map<String, Object> m = mapping(at, items.get(i), RESTRICTION_KEYS, at + ".");
                if (m == null) {
                    continue;
                }
                CountryCode country = null;
                if (m.get("country") == null) {
                    error(at + ".country", "is required");
                } else {
                    country = country(at + ".country", m.get("country"));
                }
                if (country != null && seen.putIfAbsent(country, at) != null) {
                    error(at + ".country", "country " + country + " is already restricted by "
                            + seen.get(country));
                }
                Instant cutoff = cutoff(at + ".cutoff", m.get("cutoff"));
                Duration notice = duration(at + ".notice", m.get("notice"));
                if (cutoff != null && notice != null && cutoff.minus(notice).isBefore(Restriction.EARLIEST_CUTOFF)) {
                    error(at + ".notice", PolicyJson.duration(notice) + " before the cutoff " + cutoff + " starts before "
                            + Restriction.EARLIEST_CUTOFF + "; shorten the notice");
                    notice = null;
                }
                Rule anonymous = word(at + ".anonymous", m.get("anonymous"), Rule.REFUSE);
                URI blockedBy = m.get("blocked-by") == null ? null : blockedBy(at + ".blocked-by", m.get("blocked-by"));
                String reason = m.get("reason") == null ? null : reason(at + ".reason", m.get("reason"));
                if (country != null && cutoff != null && notice != null && anonymous != null
                        && (blockedBy != null || m.get("blocked-by") == null) && (reason != null || m.get("reason") == null)) {
                    out.add(new Restriction(country, cutoff, notice, anonymous, Optional.ofNullable(blockedBy),
                            Optional.ofNullable(reason)));
                }
            }
            return out;
        }

        @SuppressWarnings("unchecked")
        private Map<String, Object> mapping(String path, Object node, Set<String> allowed, String prefix) {
            if (!(node instanceof Map<?, ?> map)) {
                error(path, "must be a mapping");
                return null;
            }
            for (Object key : map.keySet()) {
                if (!(key instanceof String k) || !allowed.contains(k)) {
                    // An empty key is written "" so that its error's path is not empty (or a bare prefix).
                    String name = key instanceof String k ? (k.isEmpty() ? "\"\"" : printable(k, MAX_QUOTED_CHARS))
                            : key == null ? "null" : "(" + key.getClass().getSimpleName() + " key)";
                    error(prefix + name, "unknown key (allowed: " + String.join(", ",
                            allowed.stream().sorted().toList()) + ")");
                }
            }
            return (Map<String, Object>) map;
        }

        @SuppressWarnings("unchecked")
        private List<Object> sequence(String path, Object node) {
            if (!(node instanceof List<?>)) {
                error(path, "must be a list");
                return null;
            }
            return (List<Object>) node;
        }

        /** Any scalar as the text written; mappings and lists are errors. */
        private String scalar(String path, Object node) {
            if (node instanceof String || node instanceof Number || node instanceof Boolean) {
                return String.valueOf(node).strip();
            }
            error(path, "must be a single value");
            return null;
        }

        private String requiredString(String path, Object node) {
            if (node == null) {
                error(path, "is required");
                return null;
            }
            String s = scalar(path, node);
            if (s != null && s.isEmpty()) {
                error(path, "must not be empty");
                return null;
            }
            return s;
        }

        private CountryCode country(String path, Object node) {
            String s = requiredString(path, node);
            if (s == null) {
                return null;
            }
            Optional<CountryCode> code = CountryCode.parse(s);
            if (code.isEmpty()) {
                error(path, quoted(s) + " is not an ISO 3166-1 alpha-2 country code");
                return null;
            }
            return code.get();
        }

        private Instant cutoff(String path, Object node) {
            String s = requiredString(path, node);
            if (s == null) {
                return null;
            }
            Instant cutoff;
            try {
                cutoff = OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
            } catch (DateTimeParseException e) {
                error(path, quoted(s) + " is not an ISO-8601 date-time with an offset (e.g. 2015-12-30T00:00:00+05:00)");
                return null;
            }
            if (cutoff.isBefore(Restriction.EARLIEST_CUTOFF) || cutoff.isAfter(Restriction.LATEST_CUTOFF)) {
                error(path, quoted(s) + " is outside " + Restriction.EARLIEST_CUTOFF + " .. " + Restriction.LATEST_CUTOFF
                        + " (years 1970 to 9999)");
                return null;
            }
            return cutoff;
        }

        /** {@code P30D}, {@code PT36H}, {@code P1DT12H}: whole days, hours, minutes and seconds, up to 100 years. */
        private Duration duration(String path, Object node) {
            if (node == null) {
                return Duration.ZERO;
            }
            String s = requiredString(path, node);
            if (s == null) {
                return null;
            }
            Matcher m = DURATION.matcher(s);
            if (!m.matches() || (m.group(1) == null && m.group(2) == null && m.group(3) == null && m.group(4) == null)) {
                error(path, quoted(s) + " is not a duration of whole days and time without sign or fraction "
                        + "(e.g. P30D, PT36H, P1DT12H)");
                return null;
            }
            Duration d = Duration.ofDays(number(m.group(1)))
                    .plusHours(number(m.group(2)))
                    .plusMinutes(number(m.group(3)))
                    .plusSeconds(number(m.group(4)));
            if (d.compareTo(Restriction.MAX_NOTICE) > 0) {
                error(path, quoted(s) + " is longer than " + PolicyJson.duration(Restriction.MAX_NOTICE) + " (100 years)");
                return null;
            }
            return d;
        }

        private static long number(String digits) {
            return digits == null ? 0 : Long.parseLong(digits);
        }

        private String reason(String path, Object node) {
            String s = requiredString(path, node);
            if (s == null) {
                return null;
            }
            if (s.length() > MAX_REASON_CHARS) {
                error(path, "is " + s.length() + " characters long; at most " + MAX_REASON_CHARS + " are allowed");
                return null;
            }
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                    error(path, "must be one line of text, without control characters: " + quoted(s));
                    return null;
                }
            }
            if (hasUnpairedSurrogate(s)) {
                error(path, "is not well-formed Unicode (an unpaired surrogate): " + quoted(s));
                return null;
            }
            return s;
        }

        /**
         * The page a refusal links to. Kept in its ASCII form (non-ASCII characters percent-encoded), so that
         * the {@code Link: <...>} header carries exactly it; characters that could end the header or the
         * {@code <...>} (CR, LF, {@code >}, quotes, spaces) are not URL characters and are refused.
         */
        private URI blockedBy(String path, Object node) {
            URI uri = httpUrl(path, node, false);
            if (uri == null) {
                return null;
            }
            if (uri.getRawUserInfo() != null) {
                error(path, "must not carry user information: it is sent to every refused client");
                return null;
            }
            String ascii = uri.toASCIIString();
            if (ascii.length() > MAX_URL_CHARS) {
                error(path, "is " + ascii.length() + " characters long; at most " + MAX_URL_CHARS + " are allowed");
                return null;
            }
            return URI.create(ascii);
        }

        private URI httpUrl(String path, Object node, boolean originOnly) {
            String s = requiredString(path, node);
            if (s == null) {
                return null;
            }
            if (s.length() > MAX_URL_CHARS) {
                error(path, "is " + s.length() + " characters long; at most " + MAX_URL_CHARS + " are allowed");
                return null;
            }
            if (hasUnpairedSurrogate(s)) {
                // java.net.URI accepts these, then fails to encode them (a NullPointerException in toASCIIString).
                error(path, quoted(s) + " is not well-formed Unicode (an unpaired surrogate)");
                return null;
            }
            try {
                URI uri = new URI(s);
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if (!scheme.equals("http") && !scheme.equals("https")) {
                    error(path, quoted(s) + " must be an http or https URL");
                    return null;
                }
                if (uri.getHost() == null) {
                    error(path, quoted(s) + " has no host (or a port outside 1-65535)");
                    return null;
                }
                if (uri.getPort() == 0 || uri.getPort() > 65_535) {
                    error(path, quoted(s) + " has a port outside 1-65535");
                    return null;
                }
                if (uri.getHost().indexOf('%') >= 0) {
                    error(path, quoted(s) + " has an IPv6 zone id; use an address without one");
                    return null;
                }
                if (originOnly && ((uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/"))
                        || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null)) {
                    error(path, quoted(s) + " must be an origin (scheme://host[:port]): requests keep their own path");
                    return null;
                }
                return uri;
            } catch (URISyntaxException e) {
                error(path, quoted(s) + " is not a URL: " + printable(e.getReason(), MAX_QUOTED_CHARS));
                return null;
            }
        }

        private boolean bool(String path, Object node) {
            if (node == null) {
                return false;
            }
            if (node instanceof Boolean b) {
                return b;
            }
            String s = scalar(path, node);
            if ("true".equalsIgnoreCase(s)) {
                return true;
            }
            if (s != null && !"false".equalsIgnoreCase(s)) {
                error(path, "must be true or false");
            }
            return false;
        }

        private Rule word(String path, Object node, Rule fallback) {
            if (node == null) {
                return fallback;
            }
            String s = scalar(path, node);
            for (Rule r : Rule.values()) {
                if (r.word().equals(s)) {
                    return r;
                }
            }
            if (s != null) {
                error(path, quoted(s) + " must be allow or refuse");
            }
            return null;
        }

        private Mode mode(Object node) {
            if (node == null) {
                return Mode.ENFORCE;
            }
            String s = scalar("mode", node);
            for (Mode m : Mode.values()) {
                if (m.word().equals(s)) {
                    return m;
                }
            }
            if (s != null) {
                error("mode", quoted(s) + " must be enforce or report-only");
            }
            return null;
        }
    }
}

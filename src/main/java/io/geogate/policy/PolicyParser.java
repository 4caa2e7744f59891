package io.geogate.policy;

import io.geogate.country.CountryCode;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
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
            LoadSettings settings = LoadSettings.builder()
                    .setSchema(new CoreSchema())
                    .setAllowDuplicateKeys(false)
                    .setLabel("policy")
                    .build();
            document = new Load(settings).loadFromString(text);
        } catch (YamlEngineException e) {
            throw new InvalidPolicyException(List.of(new PolicyError("$", "not valid YAML or JSON: "
                    + e.getMessage().replace('\n', ' '))));
        }
        Validation v = new Validation();
        Policy policy = v.policy(document);
        if (!v.errors.isEmpty()) {
            throw new InvalidPolicyException(v.errors);
        }
        return policy;
    }

    /** One pass over the document tree; every check appends to {@link #errors} instead of throwing. */
    private static final class Validation {
        private final List<PolicyError> errors = new ArrayList<>();

        Policy policy(Object document) {
            if (document == null) {
                errors.add(new PolicyError("$", "the document is empty"));
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
                errors.add(new PolicyError("datacenters", "is required: list at least one datacenter"));
                return out;
            }
            List<Object> items = sequence("datacenters", node);
            if (items == null) {
                return out;
            }
            if (items.isEmpty()) {
                errors.add(new PolicyError("datacenters", "must list at least one datacenter"));
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
                    errors.add(new PolicyError(at + ".name", "must be 1-63 letters, digits, '.', '_' or '-'"));
                    name = null;
                }
                if (name != null && names.putIfAbsent(name, at) != null) {
                    errors.add(new PolicyError(at + ".name", "duplicate datacenter name '" + name + "' (also "
                            + names.get(name) + ")"));
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
                            errors.add(new PolicyError(homeAt, "home " + home + " is already served by " + owner));
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
                errors.add(new PolicyError("datacenters", "exactly one datacenter must have 'default: true' (found "
                        + (defaults.isEmpty() ? "none" : String.join(", ", defaults)) + ")"));
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
                    errors.add(new PolicyError(at + ".country", "is required"));
                } else {
                    country = country(at + ".country", m.get("country"));
                }
                if (country != null && seen.putIfAbsent(country, at) != null) {
                    errors.add(new PolicyError(at + ".country", "country " + country + " is already restricted by "
                            + seen.get(country)));
                }
                Instant cutoff = cutoff(at + ".cutoff", m.get("cutoff"));
                Duration notice = duration(at + ".notice", m.get("notice"));
                Rule anonymous = word(at + ".anonymous", m.get("anonymous"), Rule.REFUSE);
                URI blockedBy = m.get("blocked-by") == null ? null : httpUrl(at + ".blocked-by", m.get("blocked-by"), false);
                String reason = m.get("reason") == null ? null : requiredString(at + ".reason", m.get("reason"));
                if (country != null && cutoff != null && notice != null && anonymous != null) {
                    out.add(new Restriction(country, cutoff, notice, anonymous, Optional.ofNullable(blockedBy),
                            Optional.ofNullable(reason)));
                }
            }
            return out;
        }

        @SuppressWarnings("unchecked")
        private Map<String, Object> mapping(String path, Object node, Set<String> allowed, String prefix) {
            if (!(node instanceof Map<?, ?> map)) {
                errors.add(new PolicyError(path, "must be a mapping"));
                return null;
            }
            for (Object key : map.keySet()) {
                if (!(key instanceof String k) || !allowed.contains(k)) {
                    errors.add(new PolicyError(prefix + key, "unknown key (allowed: " + String.join(", ",
                            allowed.stream().sorted().toList()) + ")"));
                }
            }
            return (Map<String, Object>) map;
        }

        @SuppressWarnings("unchecked")
        private List<Object> sequence(String path, Object node) {
            if (!(node instanceof List<?>)) {
                errors.add(new PolicyError(path, "must be a list"));
                return null;
            }
            return (List<Object>) node;
        }

        /** Any scalar as the text written; mappings and lists are errors. */
        private String scalar(String path, Object node) {
            if (node instanceof String || node instanceof Number || node instanceof Boolean) {
                return String.valueOf(node).strip();
            }
            errors.add(new PolicyError(path, "must be a single value"));
            return null;
        }

        private String requiredString(String path, Object node) {
            if (node == null) {
                errors.add(new PolicyError(path, "is required"));
                return null;
            }
            String s = scalar(path, node);
            if (s != null && s.isEmpty()) {
                errors.add(new PolicyError(path, "must not be empty"));
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
                errors.add(new PolicyError(path, "'" + s + "' is not an ISO 3166-1 alpha-2 country code"));
                return null;
            }
            return code.get();
        }

        private Instant cutoff(String path, Object node) {
            String s = requiredString(path, node);
            if (s == null) {
                return null;
            }
            try {
                return OffsetDateTime.parse(s, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
            } catch (DateTimeParseException e) {
                errors.add(new PolicyError(path, "'" + s + "' is not an ISO-8601 date-time with an offset "
                        + "(e.g. 2015-12-30T00:00:00+05:00)"));
                return null;
            }
        }

        private Duration duration(String path, Object node) {
            if (node == null) {
                return Duration.ZERO;
            }
            String s = requiredString(path, node);
            if (s == null) {
                return null;
            }
            try {
                Duration d = Duration.parse(s);
                if (d.isNegative() || s.startsWith("-") || s.contains("-")) {
                    errors.add(new PolicyError(path, "'" + s + "' must not be negative"));
                    return null;
                }
                return d;
            } catch (DateTimeParseException e) {
                errors.add(new PolicyError(path, "'" + s + "' is not an ISO-8601 duration of days and time "
                        + "(e.g. P30D, PT36H)"));
                return null;
            }
        }

        private URI httpUrl(String path, Object node, boolean originOnly) {
            String s = requiredString(path, node);
            if (s == null) {
                return null;
            }
            try {
                URI uri = new URI(s);
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if (!scheme.equals("http") && !scheme.equals("https")) {
                    errors.add(new PolicyError(path, "'" + s + "' must be an http or https URL"));
                    return null;
                }
                if (uri.getHost() == null) {
                    errors.add(new PolicyError(path, "'" + s + "' has no host"));
                    return null;
                }
                if (originOnly && ((uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/"))
                        || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null)) {
                    errors.add(new PolicyError(path, "'" + s + "' must be an origin (scheme://host[:port]): "
                            + "requests keep their own path"));
                    return null;
                }
                return uri;
            } catch (URISyntaxException e) {
                errors.add(new PolicyError(path, "'" + s + "' is not a URL: " + e.getReason()));
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
                errors.add(new PolicyError(path, "must be true or false"));
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
                errors.add(new PolicyError(path, "'" + s + "' must be allow or refuse"));
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
                errors.add(new PolicyError("mode", "'" + s + "' must be enforce or report-only"));
            }
            return null;
        }
    }
}

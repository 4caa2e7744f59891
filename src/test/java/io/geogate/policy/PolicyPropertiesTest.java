package io.geogate.policy;

// Property tests of the policy parser, plain JUnit over generated inputs (io.geogate.testing.Generated:
// fixed seed by default, -Dgeogate.seed=N|random for others; a failure names the seed and the input).
// CI runs the tries written here (a few seconds); a longer run multiplies them:
// ./mvnw -B test -Dtest='PolicyPropertiesTest' -Dgeogate.tries.scale=100

import io.geogate.account.AccountId;
import io.geogate.country.CountryCode;
import io.geogate.decision.Decider;
import io.geogate.decision.Facts;
import io.geogate.proxy.GatewayHeaders;
import io.geogate.testing.Generated;
import io.vertx.core.json.Json;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;
import org.snakeyaml.engine.v2.schema.CoreSchema;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

import static io.geogate.testing.Generated.anyInt;
import static io.geogate.testing.Generated.assertCoverage;
import static io.geogate.testing.Generated.between;
import static io.geogate.testing.Generated.chance;
import static io.geogate.testing.Generated.chars;
import static io.geogate.testing.Generated.distinct;
import static io.geogate.testing.Generated.forAll;
import static io.geogate.testing.Generated.listOf;
import static io.geogate.testing.Generated.oneOf;
import static io.geogate.testing.Generated.range;
import static io.geogate.testing.Generated.string;
import static io.geogate.testing.Generated.weighted;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whatever text arrives through {@code PUT /admin/policy} or the policy file, the parser answers with
 * a sound {@link Policy} or an {@link InvalidPolicyException} listing bounded, printable errors by
 * path; nothing else escapes. Every accepted policy survives its canonical form unchanged, and every
 * value it carries can be used: cutoffs format as HTTP-dates, notices start at a representable
 * instant, decisions at any instant answer.
 */
class PolicyPropertiesTest {

    // The dumper must resolve scalars like the parser (YAML 1.2 core schema), or it writes "~" unquoted, which reads as null.
    private static final Dump YAML_BLOCK = new Dump(DumpSettings.builder().setSchema(new CoreSchema())
            .setDefaultFlowStyle(FlowStyle.BLOCK).build());
    private static final Dump YAML_FLOW = new Dump(DumpSettings.builder().setSchema(new CoreSchema())
            .setDefaultFlowStyle(FlowStyle.FLOW).build());

    @Test
    void anyTextIsAPolicyOrAListOfErrorsByPath() {
        forAll(1000, PolicyPropertiesTest::yamlishText, PolicyPropertiesTest::check);
    }

    /** A generated document tree as one of the encodings reads it. */
    record Encoded(String encoding, String text) {
    }

    @Test
    void anyDocumentTreeIsAPolicyOrAListOfErrorsByPath() {
        int[] outcomes = new int[2];
        forAll(400, r -> {
            String encoding = oneOf(r, "json", "yaml-block", "yaml-flow");
            return new Encoded(encoding, encode(document(r), encoding));
        }, in -> outcomes[check(in.text()).isPresent() ? 0 : 1]++);
        // Both outcomes must be common, or the trees test only one side of the parser.
        assertCoverage("accepted", outcomes[0], outcomes[0] + outcomes[1], p -> p >= 10);
        assertCoverage("refused", outcomes[1], outcomes[0] + outcomes[1], p -> p >= 10);
    }

    /** One document tree written as JSON and as block YAML. */
    record BothWays(String json, String yaml) {
    }

    @Test
    void theSameTreeMeansTheSameWhetherWrittenAsJsonOrYaml() {
        forAll(60, r -> {
            Map<String, Object> document = document(r);
            return new BothWays(encode(document, "json"), encode(document, "yaml-block"));
        }, both -> {
            Optional<Policy> json = check(both.json());
            Optional<Policy> yaml = check(both.yaml());
            assertThat(yaml.map(PolicyJson::version)).isEqualTo(json.map(PolicyJson::version));
        });
    }

    /** Parses {@code text} and checks every invariant of the outcome; the policy when it was accepted. */
    private static Optional<Policy> check(String text) {
        Policy policy;
        try {
            policy = PolicyParser.parse(text);
        } catch (InvalidPolicyException e) {
            assertThat(e.errors()).isNotEmpty().hasSizeLessThanOrEqualTo(PolicyParser.MAX_ERRORS + 1);
            assertThat(e.errors()).allSatisfy(error -> {
                assertThat(error.path()).isNotEmpty().hasSizeLessThan(200);
                assertThat(error.path().chars().noneMatch(Character::isISOControl)).as("path %s printable", error.path()).isTrue();
                assertThat(error.message()).isNotEmpty().hasSizeLessThan(1000);
                assertThat(error.message().chars().noneMatch(c -> c == '\r' || c == '\n')).as("one-line message").isTrue();
            });
            return Optional.empty();
        }
        String version = PolicyJson.version(policy);
        String canonical = PolicyJson.canonical(policy).encode();
        Policy again;
        try {
            again = PolicyParser.parse(canonical);
        } catch (InvalidPolicyException e) {
            throw new AssertionError("canonical form of an accepted policy refused: " + canonical + " -> " + e.getMessage(), e);
        }
        assertThat(PolicyJson.version(again)).as("version after a round trip through %s", canonical).isEqualTo(version);
        assertThat(PolicyJson.canonical(again).encode()).isEqualTo(canonical);
        for (Restriction r : policy.restrictions()) {
            assertThat(GatewayHeaders.httpDate(r.cutoff())).hasSize(29).endsWith(" GMT");
            assertThat(Instant.parse(r.cutoff().toString())).isEqualTo(r.cutoff());
            assertThat(Instant.ofEpochMilli(r.cutoff().toEpochMilli())).isBeforeOrEqualTo(r.cutoff());
            assertThat(r.noticeFrom()).isAfterOrEqualTo(Instant.EPOCH).isBeforeOrEqualTo(r.cutoff());
            r.blockedBy().ifPresent(uri -> assertThat(uri.toString()).matches("[\\x21-\\x7e]+").doesNotContain(">", "\"", "<"));
            for (Instant at : List.of(r.cutoff(), r.noticeFrom(), r.cutoff().minusMillis(1), Instant.EPOCH, Restriction.LATEST_CUTOFF)) {
                decideEverywhere(policy, r.country(), at);
            }
        }
        return Optional.of(policy);
    }

    private static void decideEverywhere(Policy policy, CountryCode country, Instant at) {
        AccountId account = new AccountId("acct");
        for (Facts facts : List.of(new Facts(Optional.of(country), Optional.empty()),
                new Facts(Optional.of(country), Optional.of(new Facts.Account(account, country))),
                new Facts(Optional.empty(), Optional.of(new Facts.Account(account, new CountryCode("ZZ")))),
                new Facts(Optional.empty(), Optional.empty()))) {
            assertThat(Decider.decide(facts, policy, at)).isNotNull();
        }
    }

    private static String encode(Object document, String encoding) {
        return switch (encoding) {
            case "json" -> Json.encode(document);
            case "yaml-block" -> YAML_BLOCK.dumpToString(document);
            default -> YAML_FLOW.dumpToString(document);
        };
    }

    // ---- generators ----

    private static final List<String> YAML_TOKENS = List.of("datacenters", "restrictions", "name", "upstream", "homes", "default",
            "country", "cutoff", "notice", "anonymous", "blocked-by", "reason", "unknown-country", "mode", ":", ": ",
            "- ", "\n", "\n  ", "\n    ", "[", "]", "{", "}", ",", "&a ", "*a", "!!str ", "!!binary ", "!!int ", "? ",
            "|", ">", "\"", "'", "#", "%YAML 1.2\n", "---\n", "...\n", "\t", "PK", "no", "~", "null", "true", "1e999",
            "2015-12-30T00:00:00+05:00", "+999999999-12-31T23:59:59Z", "P30D", "PT999999999999H", "http://127.0.0.1:1",
            "http://[::1]:0", "\\u0000", "\u0000", "\u2028", "\ud800", "\uFEFF", "<<: *a\n");

    /** Raw text: arbitrary Unicode, and text made of YAML's own punctuation, keywords and values. */
    static String yamlishText(Random r) {
        return switch (weighted(r, 3, 1, 1)) {
            case 0 -> String.join("", listOf(r, 0, 60, x -> oneOf(x, YAML_TOKENS)));
            case 1 -> string(r, 0, 200, Generated::anyChar);
            default -> string(r, 0, 100, chars("[]{}:,-&*!|>?'\"#\n \t%@`\\"));
        };
    }

    /**
     * A document tree: a valid policy, then up to three mutations (a value replaced by a wrong or extreme
     * one, a key removed, an unknown key added), so that both acceptance and every kind of refusal occur.
     */
    static Map<String, Object> document(Random r) {
        Map<String, Object> doc = validDocument(r);
        for (Mutation m : listOf(r, 0, 3, x -> new Mutation(between(x, 0, 10_000), between(x, 0, 3), wrongValue(x)))) {
            m.applyTo(doc);
        }
        return doc;
    }

    /** A change to one place in a document tree, chosen by {@code seed} among all its slots. */
    record Mutation(int seed, int kind, Object value) {
        @SuppressWarnings("unchecked")
        void applyTo(Map<String, Object> doc) {
            List<Object[]> slots = new ArrayList<>();
            collect(doc, slots);
            if (slots.isEmpty()) {
                doc.put("x-" + seed, value);
                return;
            }
            Object[] slot = slots.get(seed % slots.size());
            if (slot[0] instanceof Map<?, ?> map) {
                Map<String, Object> m = (Map<String, Object>) map;
                switch (kind) {
                    case 0 -> m.put((String) slot[1], value);
                    case 1 -> m.remove((String) slot[1]);
                    default -> m.put(kind == 2 ? "x-" + seed : ((String) slot[1]).toUpperCase(Locale.ROOT), value);
                }
            } else {
                List<Object> list = (List<Object>) slot[0];
                int i = (Integer) slot[1];
                switch (kind) {
                    case 0 -> list.set(i, value);
                    case 1 -> list.remove(i);
                    default -> list.add(list.get(i));
                }
            }
        }

        private static void collect(Object node, List<Object[]> slots) {
            if (node instanceof Map<?, ?> map) {
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    slots.add(new Object[] {map, e.getKey()});
                    collect(e.getValue(), slots);
                }
            } else if (node instanceof List<?> list) {
                for (int i = 0; i < list.size(); i++) {
                    slots.add(new Object[] {list, i});
                    collect(list.get(i), slots);
                }
            }
        }
    }

    private static final List<List<String>> HOME_POOLS = List.of(List.of("PK", "pk", "AF"), List.of("DE", "GB", "fr", "NO"),
            List.of("US", "CA", "MX"), List.of("RU", "IR", "BY"));
    private static final List<String> RESTRICTABLE = List.of("PK", "DE", "GB", "FR", "RU", "IR", "US", "NO", "CN", "KP");

    /** A valid policy, with every optional part present or not and values from across their ranges. */
    private static Map<String, Object> validDocument(Random r) {
        int n = between(r, 1, 4);
        int dflt = between(r, 0, n - 1);
        List<Object> dcs = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, Object> dc = validDatacenter(r, i);
            if (i == dflt) {
                dc.put("default", true);
            }
            dcs.add(dc);
        }
        List<Object> rs = new ArrayList<>();
        for (String country : distinct(r, 4, RESTRICTABLE)) {
            Map<String, Object> restriction = validRestriction(r);
            restriction.put("country", country);
            rs.add(restriction);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("datacenters", dcs);
        if (!rs.isEmpty()) {
            doc.put("restrictions", rs);
        }
        if (!chance(r, 0.4)) {
            doc.put("unknown-country", oneOf(r, "allow", "refuse"));
        }
        if (!chance(r, 0.4)) {
            doc.put("mode", oneOf(r, "enforce", "report-only"));
        }
        return doc;
    }

    private static Map<String, Object> validDatacenter(Random r, int index) {
        Map<String, Object> dc = new LinkedHashMap<>();
        dc.put("name", "dc" + index + string(r, 0, 12, chars("abcdefghijklmnopqrstuvwxyz._-0")));
        dc.put("upstream", switch (weighted(r, 4, 1)) {
            case 0 -> "http://127.0.0.1:" + between(r, 1, 65_535);
            default -> oneOf(r, "https://dc.example.com", "http://[::1]:7001", "HTTP://Example.COM:80/",
                    "https://[2001:db8::1]", "http://dc-" + index + ".internal:65535");
        });
        if (!chance(r, 0.2)) {
            dc.put("homes", new ArrayList<Object>(distinct(r, 3, HOME_POOLS.get(index))));
        }
        if (!chance(r, 0.6)) {
            dc.put("default", oneOf(r, false, "false"));
        }
        return dc;
    }

    private static Map<String, Object> validRestriction(Random r) {
        long seconds = switch (weighted(r, 8, 1, 1)) {
            case 0 -> between(r, Instant.parse("1990-01-01T00:00:00Z").getEpochSecond(), Instant.parse("2200-01-01T00:00:00Z").getEpochSecond());
            case 1 -> between(r, 0, Restriction.LATEST_CUTOFF.getEpochSecond());
            default -> oneOf(r, 0L, Restriction.LATEST_CUTOFF.getEpochSecond());
        };
        int nanos = switch (weighted(r, 4, 1, 1)) {
            case 0 -> 0;
            case 1 -> between(r, 0, 999) * 1_000_000;
            default -> between(r, 0, 999_999_999);
        };
        int offset = weighted(r, 3, 1) == 0 ? 0 : between(r, -18 * 4, 18 * 4) * 900;
        Map<String, Object> restriction = new LinkedHashMap<>();
        restriction.put("cutoff", OffsetDateTime.ofInstant(Instant.ofEpochSecond(seconds, nanos), ZoneOffset.ofTotalSeconds(offset))
                .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        if (!chance(r, 0.3)) {
            restriction.put("notice", switch (weighted(r, 4, 2, 2, 1)) {
                case 0 -> "P" + between(r, 0, 400) + "D";
                case 1 -> "PT" + between(r, 0, 5000) + "H";
                case 2 -> "P" + between(r, 0, 400) + "DT" + between(r, 0, 48) + "H" + between(r, 0, 120) + "M" + between(r, 0, 120) + "S";
                default -> oneOf(r, "P0D", "PT0S", "p30d", "pt36h", "PT90M", "P36500D");
            });
        }
        if (!chance(r, 0.5)) {
            restriction.put("anonymous", oneOf(r, "refuse", "allow"));
        }
        if (!chance(r, 0.4)) {
            restriction.put("blocked-by", weighted(r, 4, 1) == 0
                    ? "https://example.com/legal/" + string(r, 0, 30, chars("abcdefghijklmnopqrstuvwxyz/-.~2"))
                    : "https://example.com/" + string(r, 0, 10, range('\u00a1', '\u024f')));
        }
        if (!chance(r, 0.4)) {
            restriction.put("reason", string(r, 0, 60, x -> x.nextBoolean() ? range(' ', '~').next(x) : range('\u00a0', '\u04ff').next(x)));
        }
        return restriction;
    }

    private static final List<Object> WRONG_WORDS = List.of("ZZ", "PAK", "", "P", "no", "maybe", "ALLOW", "Refuse", "yes", "toronto",
            "-lead", "a b", "x".repeat(64), "ü",
            "+999999999-12-31T23:59:59Z", "-999999999-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "1969-12-31T23:59:59Z",
            "+10000-01-01T00:00:00Z", "2015-12-30T00:00:00", "2015-12-30", "2015-02-30T00:00:00Z", "tomorrow",
            "P999999999D", "PT999999999999H", "PT999999999999999S", "-PT1H", "P-1D", "+P1D", "PT1.5S", "PT0,5S",
            "PT", "P1DT", "P1W", "P1M", "P1Y", "P36501D", "P20000D",
            "http://[fe80::1%25eth0]:1", "http://h:0", "http://h:65536", "http://h:99999999999", "ftp://h", "http://h/path",
            "http://h?q", "http://u:p@h", "127.0.0.1:1", "http://ex_ample.com", "http://", "https://example.com/a>b",
            "https://example.com/a\r\nX: y", "https://u:p@example.com/", "https://example.com/" + "x".repeat(3000),
            "javascript:alert(1)", "https://example.com/\ud800", "line\nbreak", "x".repeat(1025), "bell\u0007");

    /** What a mutation writes: wrong shapes, wrong words, and values at and beyond every range. */
    private static Object wrongValue(Random r) {
        return switch (weighted(r, 6, 1, 1)) {
            case 0 -> oneOf(r, WRONG_WORDS);
            case 1 -> junk(r);
            default -> string(r, 0, 12, Generated::anyChar);
        };
    }

    /** Values in the wrong place: scalars of every type, lists and maps (new ones each time: later mutations may edit them). */
    private static Object junk(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> string(r, 0, 5, Generated::anyChar);
            case 1 -> anyInt(r);
            case 2 -> oneOf(r, true, 1.5e300);
            default -> r.nextBoolean() ? new ArrayList<Object>(List.of("a")) : new LinkedHashMap<String, Object>(Map.of("k", "v"));
        };
    }

    /** Day counts across the range, and the last valid notice and its neighbours often. */
    static int dayCount(Random r) {
        return weighted(r, 1, 4) == 0 ? oneOf(r, 36_499, 36_500, 36_501) : between(r, 0, 40_000);
    }

    /** A notice written as days and hours. */
    record DaysAndHours(int days, int hours) {
    }

    @Test
    void durationsInTheContractsFormAreAcceptedExactlyUpToAHundredYears() {
        forAll(100, r -> new DaysAndHours(dayCount(r), between(r, 0, 100)), dh -> {
            Duration written = Duration.ofDays(dh.days()).plusHours(dh.hours());
            String text = "P" + dh.days() + "DT" + dh.hours() + "H";
            String doc = """
                    datacenters: [{name: a, upstream: "http://127.0.0.1:1", default: true}]
                    restrictions: [{country: PK, cutoff: "2200-01-01T00:00:00Z", notice: %s}]
                    """.formatted(text);
            try {
                Duration notice = PolicyParser.parse(doc).restrictions().get(0).notice();
                assertThat(notice).isEqualTo(written);
                assertThat(written).isLessThanOrEqualTo(Restriction.MAX_NOTICE);
            } catch (InvalidPolicyException e) {
                assertThat(written).isGreaterThan(Restriction.MAX_NOTICE);
                assertThat(e.errors()).extracting(PolicyError::path).containsExactly("restrictions[0].notice");
            }
        });
    }
}

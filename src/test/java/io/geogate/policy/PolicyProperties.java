package io.geogate.policy;

// Property-based tests of the policy parser. CI runs the tries written here (a few seconds); a longer
// run multiplies them: ./mvnw test -Dtest='PolicyProperties' -Dgeogate.tries.scale=100

import io.geogate.account.AccountId;
import io.geogate.country.CountryCode;
import io.geogate.decision.Decider;
import io.geogate.decision.Facts;
import io.geogate.proxy.GatewayHeaders;
import io.geogate.testing.ScaledTries;
import io.vertx.core.json.Json;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.statistics.Statistics;
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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whatever text arrives through {@code PUT /admin/policy} or the policy file, the parser answers with
 * a sound {@link Policy} or an {@link InvalidPolicyException} listing bounded, printable errors by
 * path; nothing else escapes. Every accepted policy survives its canonical form unchanged, and every
 * value it carries can be used: cutoffs format as HTTP-dates, notices start at a representable
 * instant, decisions at any instant answer.
 */
@AddLifecycleHook(ScaledTries.class)
class PolicyProperties {

    // The dumper must resolve scalars like the parser (YAML 1.2 core schema), or it writes "~" unquoted, which reads as null.
    private static final Dump YAML_BLOCK = new Dump(DumpSettings.builder().setSchema(new CoreSchema())
            .setDefaultFlowStyle(FlowStyle.BLOCK).build());
    private static final Dump YAML_FLOW = new Dump(DumpSettings.builder().setSchema(new CoreSchema())
            .setDefaultFlowStyle(FlowStyle.FLOW).build());

    @Property(tries = 1000)
    void anyTextIsAPolicyOrAListOfErrorsByPath(@ForAll("yamlishText") String text) {
        check(text);
    }

    @Property(tries = 400)
    void anyDocumentTreeIsAPolicyOrAListOfErrorsByPath(@ForAll("documents") Map<String, Object> document,
                                                       @ForAll("encodings") String encoding) {
        String text = encode(document, encoding);
        Optional<Policy> policy = check(text);
        Statistics.label("accepted").collect(policy.isPresent());
        Statistics.label("accepted").coverage(c -> c.check(true).percentage(p -> p >= 10));
        Statistics.label("accepted").coverage(c -> c.check(false).percentage(p -> p >= 10));
    }

    @Property(tries = 60)
    void theSameTreeMeansTheSameWhetherWrittenAsJsonOrYaml(@ForAll("documents") Map<String, Object> document) {
        Optional<Policy> json = check(encode(document, "json"));
        Optional<Policy> yaml = check(encode(document, "yaml-block"));
        assertThat(yaml.map(PolicyJson::version)).isEqualTo(json.map(PolicyJson::version));
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

    @Provide
    Arbitrary<String> encodings() {
        return Arbitraries.of("json", "yaml-block", "yaml-flow");
    }

    /** Raw text: arbitrary Unicode, and text made of YAML's own punctuation, keywords and values. */
    @Provide
    Arbitrary<String> yamlishText() {
        Arbitrary<String> tokens = Arbitraries.of("datacenters", "restrictions", "name", "upstream", "homes", "default",
                "country", "cutoff", "notice", "anonymous", "blocked-by", "reason", "unknown-country", "mode", ":", ": ",
                "- ", "\n", "\n  ", "\n    ", "[", "]", "{", "}", ",", "&a ", "*a", "!!str ", "!!binary ", "!!int ", "? ",
                "|", ">", "\"", "'", "#", "%YAML 1.2\n", "---\n", "...\n", "\t", "PK", "no", "~", "null", "true", "1e999",
                "2015-12-30T00:00:00+05:00", "+999999999-12-31T23:59:59Z", "P30D", "PT999999999999H", "http://127.0.0.1:1",
                "http://[::1]:0", "\\u0000", "\u0000", "\u2028", "\ud800", "\uFEFF", "<<: *a\n");
        Arbitrary<String> composed = tokens.list().ofMaxSize(60).map(list -> String.join("", list));
        return Arbitraries.frequencyOf(
                Tuple.of(3, composed),
                Tuple.of(1, Arbitraries.strings().all().ofMaxLength(200)),
                Tuple.of(1, Arbitraries.strings().withChars("[]{}:,-&*!|>?'\"#\n \t%@`\\").ofMaxLength(100)));
    }

    /**
     * Document trees: a valid policy, then up to three mutations (a value replaced by a wrong or extreme
     * one, a key removed, an unknown key added), so that both acceptance and every kind of refusal occur.
     */
    @Provide
    Arbitrary<Map<String, Object>> documents() {
        Arbitrary<List<Mutation>> mutations = Combinators.combine(Arbitraries.integers().between(0, 10_000),
                Arbitraries.integers().between(0, 3), wrongValue()).as(Mutation::new).list().ofMaxSize(3);
        return Combinators.combine(validDocument(), mutations).as((doc, ms) -> {
            for (Mutation m : ms) {
                m.applyTo(doc);
            }
            return doc;
        });
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
    private Arbitrary<Map<String, Object>> validDocument() {
        Arbitrary<List<Object>> datacenters = Arbitraries.integers().between(1, 4).flatMap(n -> Combinators.combine(
                Arbitraries.integers().between(0, n - 1), validDatacenter(0), validDatacenter(1), validDatacenter(2),
                validDatacenter(3)).as((dflt, d0, d1, d2, d3) -> {
                    List<Object> dcs = new ArrayList<>();
                    List<Map<String, Object>> all = List.of(d0, d1, d2, d3);
                    for (int i = 0; i < n; i++) {
                        Map<String, Object> dc = all.get(i);
                        if (i == dflt) {
                            dc.put("default", true);
                        }
                        dcs.add(dc);
                    }
                    return dcs;
                }));
        Arbitrary<List<Object>> restrictions = Arbitraries.of(RESTRICTABLE).list().uniqueElements().ofMaxSize(4)
                .flatMap(countries -> validRestriction().list().ofSize(countries.size()).map(rs -> {
                    List<Object> out = new ArrayList<>();
                    for (int i = 0; i < rs.size(); i++) {
                        rs.get(i).put("country", countries.get(i));
                        out.add(rs.get(i));
                    }
                    return out;
                }));
        return Combinators.combine(datacenters, restrictions, maybe(Arbitraries.of("allow", "refuse")),
                maybe(Arbitraries.of("enforce", "report-only"))).as((dcs, rs, unknownCountry, mode) -> {
                    Map<String, Object> doc = new LinkedHashMap<>();
                    doc.put("datacenters", dcs);
                    if (!rs.isEmpty()) {
                        doc.put("restrictions", rs);
                    }
                    unknownCountry.ifPresent(v -> doc.put("unknown-country", v));
                    mode.ifPresent(v -> doc.put("mode", v));
                    return doc;
                });
    }

    private Arbitrary<Map<String, Object>> validDatacenter(int index) {
        Arbitrary<String> names = Arbitraries.strings().withCharRange('a', 'z').withChars('.', '_', '-', '0')
                .ofMinLength(0).ofMaxLength(12).map(suffix -> "dc" + index + suffix);
        Arbitrary<String> upstreams = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.integers().between(1, 65_535).map(p -> "http://127.0.0.1:" + p)),
                Tuple.of(1, Arbitraries.of("https://dc.example.com", "http://[::1]:7001", "HTTP://Example.COM:80/",
                        "https://[2001:db8::1]", "http://dc-" + index + ".internal:65535")));
        Arbitrary<List<String>> homes = Arbitraries.of(HOME_POOLS.get(index)).list().uniqueElements().ofMaxSize(3);
        return Combinators.combine(names, upstreams, homes.injectNull(0.2), Arbitraries.<Object>of(false, "false").injectNull(0.6))
                .as((name, upstream, hs, dflt) -> {
                    Map<String, Object> dc = new LinkedHashMap<>();
                    dc.put("name", name);
                    dc.put("upstream", upstream);
                    if (hs != null) {
                        dc.put("homes", new ArrayList<Object>(hs));
                    }
                    if (dflt != null) {
                        dc.put("default", dflt);
                    }
                    return dc;
                });
    }

    private Arbitrary<Map<String, Object>> validRestriction() {
        Arbitrary<Long> seconds = Arbitraries.frequencyOf(
                Tuple.of(8, Arbitraries.longs().between(Instant.parse("1990-01-01T00:00:00Z").getEpochSecond(),
                        Instant.parse("2200-01-01T00:00:00Z").getEpochSecond())),
                Tuple.of(1, Arbitraries.longs().between(0, Restriction.LATEST_CUTOFF.getEpochSecond())),
                Tuple.of(1, Arbitraries.of(0L, Restriction.LATEST_CUTOFF.getEpochSecond())));
        Arbitrary<Integer> nanos = Arbitraries.frequencyOf(Tuple.of(4, Arbitraries.just(0)),
                Tuple.of(1, Arbitraries.integers().between(0, 999).map(ms -> ms * 1_000_000)),
                Tuple.of(1, Arbitraries.integers().between(0, 999_999_999)));
        Arbitrary<Integer> offsets = Arbitraries.frequencyOf(Tuple.of(3, Arbitraries.just(0)),
                Tuple.of(1, Arbitraries.integers().between(-18 * 4, 18 * 4).map(q -> q * 900)));
        Arbitrary<String> cutoffs = Combinators.combine(seconds, nanos, offsets).as((s, n, o) ->
                OffsetDateTime.ofInstant(Instant.ofEpochSecond(s, n), ZoneOffset.ofTotalSeconds(o))
                        .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME));
        Arbitrary<String> notices = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.integers().between(0, 400).map(d -> "P" + d + "D")),
                Tuple.of(2, Arbitraries.integers().between(0, 5000).map(h -> "PT" + h + "H")),
                Tuple.of(2, Combinators.combine(Arbitraries.integers().between(0, 400), Arbitraries.integers().between(0, 48),
                        Arbitraries.integers().between(0, 120), Arbitraries.integers().between(0, 120))
                        .as((d, h, m, sec) -> "P" + d + "DT" + h + "H" + m + "M" + sec + "S")),
                Tuple.of(1, Arbitraries.of("P0D", "PT0S", "p30d", "pt36h", "PT90M", "P36500D")));
        Arbitrary<String> blockedBy = Arbitraries.frequencyOf(
                Tuple.of(4, Arbitraries.strings().withCharRange('a', 'z').withChars('/', '-', '.', '~', '2')
                        .ofMaxLength(30).map(path -> "https://example.com/legal/" + path)),
                Tuple.of(1, Arbitraries.strings().withCharRange('\u00a1', '\u024f').ofMaxLength(10).map(p -> "https://example.com/" + p)));
        Arbitrary<String> reasons = Arbitraries.strings().withCharRange(' ', '~').withCharRange('\u00a0', '\u04ff').ofMaxLength(60);
        return Combinators.combine(cutoffs, notices.injectNull(0.3), Arbitraries.of("refuse", "allow").injectNull(0.5),
                        blockedBy.injectNull(0.4), reasons.injectNull(0.4))
                .as((cutoff, notice, anonymous, link, reason) -> {
                    Map<String, Object> r = new LinkedHashMap<>();
                    r.put("cutoff", cutoff);
                    if (notice != null) {
                        r.put("notice", notice);
                    }
                    if (anonymous != null) {
                        r.put("anonymous", anonymous);
                    }
                    if (link != null) {
                        r.put("blocked-by", link);
                    }
                    if (reason != null) {
                        r.put("reason", reason);
                    }
                    return r;
                });
    }

    /** What a mutation writes: wrong shapes, wrong words, and values at and beyond every range. */
    private static Arbitrary<Object> wrongValue() {
        Arbitrary<Object> words = Arbitraries.of("ZZ", "PAK", "", "P", "no", "maybe", "ALLOW", "Refuse", "yes", "toronto",
                "-lead", "a b", "x".repeat(64), "ü",
                "+999999999-12-31T23:59:59Z", "-999999999-01-01T00:00:00Z", "0000-01-01T00:00:00Z", "1969-12-31T23:59:59Z",
                "+10000-01-01T00:00:00Z", "2015-12-30T00:00:00", "2015-12-30", "2015-02-30T00:00:00Z", "tomorrow",
                "P999999999D", "PT999999999999H", "PT999999999999999S", "-PT1H", "P-1D", "+P1D", "PT1.5S", "PT0,5S",
                "PT", "P1DT", "P1W", "P1M", "P1Y", "P36501D", "P20000D",
                "http://[fe80::1%25eth0]:1", "http://h:0", "http://h:65536", "http://h:99999999999", "ftp://h", "http://h/path",
                "http://h?q", "http://u:p@h", "127.0.0.1:1", "http://ex_ample.com", "http://", "https://example.com/a>b",
                "https://example.com/a\r\nX: y", "https://u:p@example.com/", "https://example.com/" + "x".repeat(3000),
                "javascript:alert(1)", "https://example.com/\ud800", "line\nbreak", "x".repeat(1025), "bell\u0007");
        return Arbitraries.frequencyOf(Tuple.of(6, words), Tuple.of(1, junk()),
                Tuple.of(1, Arbitraries.strings().all().ofMaxLength(12).map(s -> (Object) s)));
    }

    /** Values in the wrong place: scalars of every type, lists and maps. */
    private static Arbitrary<Object> junk() {
        return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(5).map(s -> (Object) s),
                Arbitraries.integers().map(i -> (Object) i), Arbitraries.of(true, 1.5e300, List.of("a"), Map.of("k", "v")));
    }

    private static <T> Arbitrary<Optional<T>> maybe(Arbitrary<T> values) {
        return values.injectNull(0.4).map(Optional::ofNullable);
    }

    @Property(tries = 100)
    void durationsInTheContractsFormAreAcceptedExactlyUpToAHundredYears(@ForAll("dayCounts") int days,
                                                                        @ForAll("hourCounts") int hours) {
        Duration written = Duration.ofDays(days).plusHours(hours);
        String text = "P" + days + "DT" + hours + "H";
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
    }

    @Provide
    Arbitrary<Integer> dayCounts() {
        return Arbitraries.integers().between(0, 40_000).edgeCases(c -> c.add(36_499, 36_500, 36_501));
    }

    @Provide
    Arbitrary<Integer> hourCounts() {
        return Arbitraries.integers().between(0, 100);
    }
}

package io.geogate.policy;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class PolicyParserTest {

    private static final String DATACENTERS = """
            datacenters:
              - name: karachi
                upstream: http://127.0.0.1:7001
                homes: [PK]
              - name: oslo
                upstream: http://127.0.0.1:7002
                homes: [NO, se]
              - name: toronto
                upstream: https://dc.example.com
                default: true
            """;

    private static List<PolicyError> errors(String yaml) {
        return catchThrowableOfType(InvalidPolicyException.class, () -> PolicyParser.parse(yaml)).errors();
    }

    private static List<String> paths(String yaml) {
        return errors(yaml).stream().map(PolicyError::path).toList();
    }

    @Test
    void contractExampleParsesWithItsDefaults() throws Exception {
        Policy p = PolicyParser.parse(DATACENTERS + """
                restrictions:
                  - country: PK
                    cutoff: 2015-12-30T00:00:00+05:00
                    notice: P30D
                    blocked-by: https://example.com/legal/pk
                    reason: Service withdrawn from Pakistan by government order
                """);
        Restriction r = p.restrictions().get(0);
        assertThat(r.cutoff()).isEqualTo(Instant.parse("2015-12-29T19:00:00Z"));
        assertThat(r.notice()).isEqualTo(Duration.ofDays(30));
        assertThat(r.anonymous()).isEqualTo(Rule.REFUSE);
        assertThat(r.blockedBy().orElseThrow().toString()).isEqualTo("https://example.com/legal/pk");
        assertThat(p.unknownCountry()).isEqualTo(Rule.ALLOW);
        assertThat(p.mode()).isEqualTo(Mode.ENFORCE);
        assertThat(p.defaultDatacenter().name()).isEqualTo("toronto");
    }

    @Test
    void unquotedNoIsNorwayAndLowercaseIsUpperCased() throws Exception {
        Policy p = PolicyParser.parse(DATACENTERS + "restrictions:\n  - {country: no, cutoff: 2030-01-01T00:00:00Z}\n");
        Datacenter oslo = p.datacenters().get(1);
        assertThat(oslo.homes()).extracting(c -> c.value()).containsExactlyInAnyOrder("NO", "SE");
        assertThat(p.restrictions().get(0).country().value()).isEqualTo("NO");
        assertThat(p.datacenterFor(new io.geogate.country.CountryCode("NO")).name()).isEqualTo("oslo");
    }

    @Test
    void jsonDocumentsAreAccepted() throws Exception {
        Policy p = PolicyParser.parse("""
                {"datacenters": [{"name": "a", "upstream": "http://127.0.0.1:1", "default": true}],
                 "restrictions": [{"country": "PK", "cutoff": "2015-12-30T00:00:00+05:00", "notice": "PT36H"}],
                 "mode": "report-only", "unknown-country": "refuse"}
                """);
        assertThat(p.restrictions().get(0).notice()).isEqualTo(Duration.ofHours(36));
        assertThat(p.mode()).isEqualTo(Mode.REPORT_ONLY);
        assertThat(p.unknownCountry()).isEqualTo(Rule.REFUSE);
    }

    @Test
    void unknownKeysAreErrorsAtTheirPath() {
        assertThat(paths(DATACENTERS + "modes: enforce\n")).containsExactly("modes");
        assertThat(paths(DATACENTERS + "restrictions:\n  - {country: PK, cutoff: 2030-01-01T00:00:00Z, notise: P1D}\n"))
                .containsExactly("restrictions[0].notise");
        assertThat(paths(DATACENTERS.replace("homes: [PK]", "home: [PK]"))).containsExactly("datacenters[0].home");
    }

    @Test
    void anEmptyKeyIsAnErrorAtAPathThatShowsIt() {
        // Found by PolicyPropertiesTest (seed 7335167208764370952): "? !" is a mapping whose one key is empty,
        // and its error had an empty path.
        assertThat(paths("? !\n")).containsExactly("\"\"", "datacenters");
        assertThat(paths(DATACENTERS + "\"\": enforce\n")).containsExactly("\"\"");
        assertThat(paths(DATACENTERS + "restrictions:\n  - {country: PK, cutoff: 2030-01-01T00:00:00Z, \"\": P1D}\n"))
                .containsExactly("restrictions[0].\"\"");
    }

    @Test
    void badCountryCodesAreErrors() {
        assertThat(errors(DATACENTERS + "restrictions:\n  - {country: XX, cutoff: 2030-01-01T00:00:00Z}\n"))
                .singleElement().satisfies(e -> {
                    assertThat(e.path()).isEqualTo("restrictions[0].country");
                    assertThat(e.message()).contains("ISO 3166-1");
                });
        assertThat(paths(DATACENTERS.replace("[PK]", "[PAK]"))).containsExactly("datacenters[0].homes[0]");
    }

    @Test
    void cutoffWithoutOffsetIsAnError() {
        assertThat(paths(DATACENTERS + "restrictions:\n  - {country: PK, cutoff: 2015-12-30T00:00:00}\n"))
                .containsExactly("restrictions[0].cutoff");
        assertThat(paths(DATACENTERS + "restrictions:\n  - {country: PK, cutoff: 2015-12-30}\n"))
                .containsExactly("restrictions[0].cutoff");
        assertThat(paths(DATACENTERS + "restrictions:\n  - {country: PK}\n")).containsExactly("restrictions[0].cutoff");
    }

    @Test
    void badDurationsAreErrors() {
        for (String d : List.of("P1M", "30 days", "-P1D", "P1Y", "PT-5H")) {
            assertThat(paths(DATACENTERS + "restrictions:\n  - {country: PK, cutoff: 2030-01-01T00:00:00Z, notice: \"" + d + "\"}\n"))
                    .as(d).containsExactly("restrictions[0].notice");
        }
    }

    @Test
    void upstreamMustBeAnHttpOrigin() {
        assertThat(paths(DATACENTERS.replace("http://127.0.0.1:7001", "ftp://127.0.0.1:7001"))).containsExactly("datacenters[0].upstream");
        assertThat(paths(DATACENTERS.replace("http://127.0.0.1:7001", "http://127.0.0.1:7001/api"))).containsExactly("datacenters[0].upstream");
        assertThat(paths(DATACENTERS.replace("http://127.0.0.1:7001", "127.0.0.1:7001"))).containsExactly("datacenters[0].upstream");
    }

    @Test
    void exactlyOneDefaultDatacenter() {
        assertThat(paths(DATACENTERS.replace("default: true", "default: false"))).containsExactly("datacenters");
        assertThat(paths(DATACENTERS.replace("homes: [PK]", "homes: [PK]\n    default: true"))).containsExactly("datacenters");
    }

    @Test
    void duplicateNamesHomesAndRestrictionsAreErrors() {
        assertThat(paths(DATACENTERS.replace("name: oslo", "name: karachi"))).containsExactly("datacenters[1].name");
        assertThat(paths(DATACENTERS.replace("[NO, se]", "[NO, pk]"))).containsExactly("datacenters[1].homes[1]");
        assertThat(paths(DATACENTERS + """
                restrictions:
                  - {country: PK, cutoff: 2030-01-01T00:00:00Z}
                  - {country: pk, cutoff: 2031-01-01T00:00:00Z}
                """)).containsExactly("restrictions[1].country");
    }

    @Test
    void everyErrorIsListedAtOnce() {
        assertThat(paths("""
                datacenters:
                  - {name: a, upstream: "ftp://x", homes: [ZZ]}
                restrictions:
                  - {country: QQ, cutoff: tomorrow, notice: soon, anonymous: maybe, colour: red}
                unknown-country: perhaps
                mode: loud
                """)).containsExactlyInAnyOrder(
                "datacenters[0].upstream", "datacenters[0].homes[0]", "datacenters",
                "restrictions[0].colour", "restrictions[0].country", "restrictions[0].cutoff",
                "restrictions[0].notice", "restrictions[0].anonymous", "unknown-country", "mode");
    }

    @Test
    void malformedOrEmptyDocumentsAreRefused() {
        assertThat(paths("")).containsExactly("$");
        assertThat(paths("datacenters: [unclosed")).containsExactly("$");
        assertThat(paths("- just\n- a list\n")).containsExactly("$");
        assertThat(paths("restrictions: []\n")).containsExactly("datacenters");
        assertThat(paths(DATACENTERS + "mode: enforce\nmode: report-only\n")).containsExactly("$");
    }

    @Test
    void versionIsTheSameForDocumentsThatMeanTheSame() throws Exception {
        Policy a = PolicyParser.parse(DATACENTERS + "restrictions:\n  - {country: PK, cutoff: \"2015-12-30T00:00:00+05:00\"}\n");
        Policy b = PolicyParser.parse(DATACENTERS + "restrictions:\n  - {country: pk, cutoff: \"2015-12-29T19:00:00Z\", notice: P0D, anonymous: refuse}\nmode: enforce\n");
        Policy c = PolicyParser.parse(DATACENTERS + "restrictions:\n  - {country: PK, cutoff: \"2015-12-29T19:00:00.001Z\"}\n");
        assertThat(PolicyJson.version(a)).isEqualTo(PolicyJson.version(b)).hasSize(64);
        assertThat(PolicyJson.version(c)).isNotEqualTo(PolicyJson.version(a));
    }

    @Test
    void oversizedDocumentsAreRefusedBeforeParsing() {
        assertThatThrownBy(() -> PolicyParser.parse("#".repeat(PolicyParser.MAX_DOCUMENT_CHARS + 1)))
                .isInstanceOf(InvalidPolicyException.class);
    }

    private static String restriction(String fields) {
        return DATACENTERS + "restrictions:\n  - {country: PK, " + fields + "}\n";
    }

    @Test
    void cutoffsOutsideTheYears1970To9999AreRefusedAtTheirPath() {
        for (String cutoff : List.of("+999999999-12-31T23:59:59Z", "-999999999-01-01T00:00:00Z", "0000-01-01T00:00:00Z",
                "1969-12-31T23:59:59.999Z", "+10000-01-01T00:00:00Z", "1970-01-01T04:59:59+05:00")) {
            assertThat(errors(restriction("cutoff: \"" + cutoff + "\"")))
                    .as(cutoff).singleElement().satisfies(e -> {
                        assertThat(e.path()).isEqualTo("restrictions[0].cutoff");
                        assertThat(e.message()).contains("1970").contains("9999");
                    });
        }
    }

    @Test
    void cutoffsAtTheEdgesOfTheRangeAreAcceptedAndFormatEverywhere() throws Exception {
        for (String cutoff : List.of("1970-01-01T00:00:00Z", "9999-12-31T23:59:59.999999999Z", "9999-12-31T23:59:59-00:00",
                "1970-01-01T05:00:00+05:00")) {
            Instant at = PolicyParser.parse(restriction("cutoff: \"" + cutoff + "\"")).restrictions().get(0).cutoff();
            assertThat(io.geogate.proxy.GatewayHeaders.httpDate(at)).as(cutoff).endsWith(" GMT").hasSize(29);
            assertThat(Instant.ofEpochMilli(at.toEpochMilli())).isEqualTo(at.truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
            assertThat(Instant.parse(at.toString())).isEqualTo(at);
        }
    }

    @Test
    void cutoffsFinerThanAMillisecondAreKeptAsWritten() throws Exception {
        assertThat(PolicyParser.parse(restriction("cutoff: \"2030-01-01T00:00:00.000123Z\"")).restrictions().get(0).cutoff())
                .isEqualTo(Instant.parse("2030-01-01T00:00:00.000123Z"));
    }

    @Test
    void noticesLongerThanAHundredYearsAreRefusedInsteadOfOverflowingEveryDecision() {
        for (String notice : List.of("P999999999D", "PT999999999999H", "P36501D", "PT876025H", "PT999999999999999S")) {
            assertThat(paths(restriction("cutoff: \"9999-01-01T00:00:00Z\", notice: " + notice)))
                    .as(notice).containsExactly("restrictions[0].notice");
        }
    }

    @Test
    void aNoticeThatStartsBefore1970IsRefusedAtTheNoticePath() throws Exception {
        assertThat(errors(restriction("cutoff: \"2000-01-01T00:00:00Z\", notice: P36500D")))
                .singleElement().satisfies(e -> {
                    assertThat(e.path()).isEqualTo("restrictions[0].notice");
                    assertThat(e.message()).contains("1970");
                });
        Restriction r = PolicyParser.parse(restriction("cutoff: \"2070-01-01T00:00:00Z\", notice: P36500D")).restrictions().get(0);
        assertThat(r.noticeFrom()).isAfterOrEqualTo(Instant.EPOCH);
    }

    @Test
    void durationsAreWholeDaysHoursMinutesAndSecondsWithoutSignsOrFractions() throws Exception {
        for (String bad : List.of("PT1.5S", "PT0,5S", "PT1.S", "+P1D", "P+1D", "-PT1H", "P-1D", "PT1H-30M", "P", "PT", "P1DT",
                "P1W", "P1Y", "PT1H 30M", "1D", "P1D1D")) {
            assertThat(paths(restriction("cutoff: \"2030-01-01T00:00:00Z\", notice: \"" + bad + "\"")))
                    .as(bad).containsExactly("restrictions[0].notice");
        }
        Map<String, Duration> good = Map.of("P30D", Duration.ofDays(30), "PT36H", Duration.ofHours(36),
                "P1DT12H", Duration.ofHours(36), "PT90M", Duration.ofMinutes(90), "PT45S", Duration.ofSeconds(45),
                "P0D", Duration.ZERO, "PT0S", Duration.ZERO, "p30d", Duration.ofDays(30), "P36500D", Duration.ofDays(36500));
        for (Map.Entry<String, Duration> e : good.entrySet()) {
            assertThat(PolicyParser.parse(restriction("cutoff: \"2100-01-01T00:00:00Z\", notice: " + e.getKey()))
                    .restrictions().get(0).notice()).as(e.getKey()).isEqualTo(e.getValue());
        }
    }

    @Test
    void deeplyNestedDocumentsAreRefusedInsteadOfOverflowingTheStack() {
        for (String deep : List.of("[".repeat(200_000) + "]".repeat(200_000), blockNesting(100),
                "datacenters: " + "{a: ".repeat(50_000) + "1" + "}".repeat(50_000))) {
            assertThat(errors(deep)).singleElement().satisfies(e -> {
                assertThat(e.path()).isEqualTo("$");
                assertThat(e.message()).contains("nested");
            });
        }
    }

    private static String blockNesting(int levels) {
        StringBuilder doc = new StringBuilder();
        for (int i = 0; i < levels; i++) {
            doc.append("  ".repeat(i)).append("a:\n");
        }
        return doc.append("  ".repeat(levels)).append("x\n").toString();
    }

    @Test
    void aliasExpansionBombsAreRefusedQuickly() {
        StringBuilder laughs = new StringBuilder("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (int i = 1; i < 10; i++) {
            laughs.append("a").append(i).append(": &a").append(i).append(" [")
                    .append(String.join(", ", java.util.Collections.nCopies(10, "*a" + (i - 1)))).append("]\n");
        }
        long start = System.nanoTime();
        assertThat(paths(laughs.toString())).containsExactly("$");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void blockedByIsKeptInAsciiSoTheLinkHeaderAlwaysCarriesTheUrlTheOperatorWrote() throws Exception {
        Restriction r = PolicyParser.parse(restriction("cutoff: \"2030-01-01T00:00:00Z\", blocked-by: \"https://example.com/recht/\u00fcber\\uFEFF\""))
                .restrictions().get(0);
        assertThat(r.blockedBy().orElseThrow().toString()).isEqualTo("https://example.com/recht/%C3%BCber%EF%BB%BF");
    }

    @Test
    void blockedByThatWouldBreakTheLinkHeaderOrCarriesCredentialsIsRefused() {
        for (String bad : List.of("https://example.com/a>b", "https://example.com/a\\r\\nSet-Cookie: x=1", "https://example.com/\\\"q",
                "https://user:secret@example.com/legal", "https://example.com/" + "a".repeat(2100), "https://example.com/a b")) {
            assertThat(paths(restriction("cutoff: \"2030-01-01T00:00:00Z\", blocked-by: \"" + bad + "\"")))
                    .as(bad).containsExactly("restrictions[0].blocked-by");
        }
    }

    @Test
    void urlsWithAnUnpairedSurrogateAreRefusedInsteadOfCrashingTheParser() {
        assertThat(paths(restriction("cutoff: \"2030-01-01T00:00:00Z\", blocked-by: \"https://example.com/\\uD800x\"")))
                .containsExactly("restrictions[0].blocked-by");
        assertThat(paths(restriction("cutoff: \"2030-01-01T00:00:00Z\", reason: \"half \\uDC00 a pair\"")))
                .containsExactly("restrictions[0].reason");
    }

    @Test
    void upstreamPortsOutsideOneTo65535AreRefused() {
        for (String port : List.of("0", "65536", "99999")) {
            assertThat(paths(DATACENTERS.replace("http://127.0.0.1:7001", "http://127.0.0.1:" + port)))
                    .as(port).containsExactly("datacenters[0].upstream");
        }
    }

    @Test
    void ipv6LiteralUpstreamsAreAcceptedButNotWithAZoneId() throws Exception {
        Policy p = PolicyParser.parse(DATACENTERS.replace("http://127.0.0.1:7001", "http://[::1]:7001"));
        assertThat(p.datacenters().get(0).port()).isEqualTo(7001);
        assertThat(paths(DATACENTERS.replace("http://127.0.0.1:7001", "http://[fe80::1%25eth0]:7001")))
                .containsExactly("datacenters[0].upstream");
    }

    @Test
    void reasonsMustBeOneLineOfBoundedLength() throws Exception {
        assertThat(paths(restriction("cutoff: \"2030-01-01T00:00:00Z\", reason: \"" + "x".repeat(1025) + "\"")))
                .containsExactly("restrictions[0].reason");
        assertThat(paths(restriction("cutoff: \"2030-01-01T00:00:00Z\", reason: \"line one\\nline two\"")))
                .containsExactly("restrictions[0].reason");
        assertThat(paths(restriction("cutoff: \"2030-01-01T00:00:00Z\", reason: \"bell\\a\"")))
                .containsExactly("restrictions[0].reason");
        assertThat(PolicyParser.parse(restriction("cutoff: \"2030-01-01T00:00:00Z\", reason: \"" + "x".repeat(1024) + "\""))
                .restrictions().get(0).reason()).hasValueSatisfying(r -> assertThat(r).hasSize(1024));
    }

    @Test
    void tooManyDatacentersAreRefused() {
        StringBuilder doc = new StringBuilder("datacenters:\n  - {name: d, upstream: \"http://127.0.0.1:1\", default: true}\n");
        for (int i = 0; i < PolicyParser.MAX_DATACENTERS; i++) {
            doc.append("  - {name: d").append(i).append(", upstream: \"http://127.0.0.1:1\"}\n");
        }
        assertThat(paths(doc.toString())).containsExactly("datacenters");
    }

    @Test
    void aDocumentWithThousandsOfErrorsListsABoundedNumberAndSaysHowManyMore() {
        String homes = String.join(", ", java.util.Collections.nCopies(5000, "ZZ"));
        List<PolicyError> errors = errors(DATACENTERS.replace("[PK]", "[" + homes + "]"));
        assertThat(errors).hasSize(PolicyParser.MAX_ERRORS + 1);
        assertThat(errors.get(PolicyParser.MAX_ERRORS).message()).contains("4900 more");
    }

    @Test
    void hugeOrStrangeUnknownKeysAppearShortAndPrintableInTheirPath() {
        String hugeKey = "k".repeat(10_000) + "\\n";
        List<PolicyError> errors = errors(DATACENTERS + "? \"" + hugeKey + "\"\n: 1\n? [a, b]\n: 2\n");
        assertThat(errors).hasSize(2);
        assertThat(errors).allSatisfy(e -> {
            assertThat(e.path().length()).isLessThan(200);
            assertThat(e.path().chars().noneMatch(Character::isISOControl)).isTrue();
        });
    }
}

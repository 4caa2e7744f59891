package io.geogate.policy;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

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
}

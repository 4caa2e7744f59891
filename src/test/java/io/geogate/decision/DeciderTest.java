package io.geogate.decision;

import io.geogate.account.AccountId;
import io.geogate.country.CountryCode;
import io.geogate.policy.Policy;
import io.geogate.policy.PolicyParser;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class DeciderTest {

    private static final Instant PK_CUTOFF = Instant.parse("2015-12-29T19:00:00Z");
    private static final Instant BEFORE = PK_CUTOFF.minusMillis(1);
    private static final Instant AT = PK_CUTOFF;

    private static Policy policy(String extra) throws Exception {
        return PolicyParser.parse("""
                datacenters:
                  - {name: karachi, upstream: "http://127.0.0.1:7001", homes: [PK]}
                  - {name: frankfurt, upstream: "http://127.0.0.1:7002", homes: [DE, GB]}
                  - {name: toronto, upstream: "http://127.0.0.1:7003", default: true}
                restrictions:
                  - country: PK
                    cutoff: 2015-12-30T00:00:00+05:00
                    notice: P30D
                    blocked-by: https://example.com/legal/pk
                """ + extra);
    }

    private static final Policy PK = uncheck();

    private static Policy uncheck() {
        try {
            return policy("");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Facts from(String country, String home) {
        return new Facts(Optional.ofNullable(country).map(CountryCode::new),
                Optional.ofNullable(home).map(h -> new Facts.Account(new AccountId("acct-" + h), new CountryCode(h))));
    }

    @Test
    void accountHomedInRestrictedCountryIsRefusedFromAnywhereAfterCutoff() {
        for (String where : new String[] {"PK", "DE", "US", null}) {
            Decision d = Decider.decide(from(where, "PK"), PK, AT);
            assertThat(d).as("from %s", where).isInstanceOf(Decision.Refuse.class);
            assertThat(d.reason()).isEqualTo(Reason.HOME_IN_RESTRICTED_COUNTRY);
            assertThat(d.outcome()).isEqualTo("refuse");
            assertThat(d.restriction().orElseThrow().country().value()).isEqualTo("PK");
        }
    }

    @Test
    void anonymousFromInsideRestrictedCountryIsRefusedAfterCutoff() {
        Decision d = Decider.decide(from("PK", null), PK, AT);
        assertThat(d).isInstanceOf(Decision.Refuse.class);
        assertThat(d.reason()).isEqualTo(Reason.ANONYMOUS_IN_RESTRICTED_COUNTRY);
    }

    @Test
    void anonymousFromInsideIsAllowedWhenTheRestrictionAllowsAnonymous() throws Exception {
        Policy p = PolicyParser.parse(PolicyJsonText.PK_ANONYMOUS_ALLOW);
        Decision d = Decider.decide(from("PK", null), p, AT);
        assertThat(d).isInstanceOf(Decision.Allow.class);
        assertThat(d.reason()).isEqualTo(Reason.UNRESTRICTED);
    }

    @Test
    void decidingWithAnotherPolicyInBetweenGivesEachPolicysOwnAnswer() throws Exception {
        Policy allowing = PolicyParser.parse(PolicyJsonText.PK_ANONYMOUS_ALLOW);
        Decision first = Decider.decide(from("PK", null), PK, AT);
        for (int round = 0; round < 3; round++) {
            // Old and new policy interleave right after a reload: neither's decisions are made again.
            assertThat(Decider.decide(from("PK", null), PK, AT)).isInstanceOf(Decision.Refuse.class).isSameAs(first);
            assertThat(Decider.decide(from("PK", null), allowing, AT)).isInstanceOf(Decision.Allow.class);
        }
    }

    @Test
    void visitorFromRestrictedCountryIsRoutedHome() {
        Decision d = Decider.decide(from("PK", "DE"), PK, AT);
        assertThat(d).isInstanceOf(Decision.Allow.class);
        assertThat(d.reason()).isEqualTo(Reason.VISITOR);
        assertThat(d.datacenter().name()).isEqualTo("frankfurt");
    }

    @Test
    void visitorWhoseHomeNoDatacenterListsGoesToTheDefault() {
        Decision d = Decider.decide(from("PK", "US"), PK, AT);
        assertThat(d.reason()).isEqualTo(Reason.VISITOR);
        assertThat(d.datacenter().name()).isEqualTo("toronto");
    }

    @Test
    void cutoffIsExactToTheMillisecond() {
        assertThat(Decider.decide(from("PK", null), PK, BEFORE)).isInstanceOf(Decision.Notice.class);
        assertThat(Decider.decide(from("PK", null), PK, AT)).isInstanceOf(Decision.Refuse.class);
        assertThat(Decider.decide(from("DE", "PK"), PK, BEFORE)).isInstanceOf(Decision.Notice.class);
        assertThat(Decider.decide(from("DE", "PK"), PK, AT)).isInstanceOf(Decision.Refuse.class);
    }

    @Test
    void visitorBeforeTheCutoffIsSimplyUnrestricted() {
        Decision d = Decider.decide(from("PK", "DE"), PK, BEFORE);
        assertThat(d).isInstanceOf(Decision.Allow.class);
        assertThat(d.reason()).isEqualTo(Reason.UNRESTRICTED);
        assertThat(d.datacenter().name()).isEqualTo("frankfurt");
    }

    @Test
    void noticeWindowOpensExactlyNoticeBeforeTheCutoff() {
        Instant opens = PK_CUTOFF.minusSeconds(30L * 86400);
        Decision inside = Decider.decide(from("PK", null), PK, opens);
        assertThat(inside).isInstanceOf(Decision.Notice.class);
        assertThat(inside.reason()).isEqualTo(Reason.ANONYMOUS_IN_RESTRICTED_COUNTRY);
        assertThat(inside.outcome()).isEqualTo("notice");
        Decision outside = Decider.decide(from("PK", null), PK, opens.minusMillis(1));
        assertThat(outside).isInstanceOf(Decision.Allow.class);
        assertThat(outside.reason()).isEqualTo(Reason.UNRESTRICTED);
    }

    @Test
    void noNoticeWithoutANoticePeriod() throws Exception {
        Policy p = PolicyParser.parse(PolicyJsonText.PK_NO_NOTICE);
        assertThat(Decider.decide(from("PK", null), p, BEFORE)).isInstanceOf(Decision.Allow.class);
        assertThat(Decider.decide(from("PK", null), p, AT)).isInstanceOf(Decision.Refuse.class);
    }

    @Test
    void homedAccountIsRoutedToItsHomeDatacenterWhenUnrestricted() {
        Decision d = Decider.decide(from("US", "GB"), PK, AT);
        assertThat(d.reason()).isEqualTo(Reason.UNRESTRICTED);
        assertThat(d.datacenter().name()).isEqualTo("frankfurt");
    }

    @Test
    void anonymousFromAnUnrestrictedCountryGoesToTheDefault() {
        Decision d = Decider.decide(from("DE", null), PK, AT);
        assertThat(d.reason()).isEqualTo(Reason.UNRESTRICTED);
        assertThat(d.datacenter().name()).isEqualTo("toronto");
    }

    @Test
    void unknownCountryWithNoAccountFollowsThePolicy() throws Exception {
        Decision allowed = Decider.decide(from(null, null), PK, AT);
        assertThat(allowed).isInstanceOf(Decision.Allow.class);
        assertThat(allowed.reason()).isEqualTo(Reason.UNKNOWN_COUNTRY);
        Decision refused = Decider.decide(from(null, null), policy("unknown-country: refuse\n"), AT);
        assertThat(refused).isInstanceOf(Decision.Refuse.class);
        assertThat(refused.reason()).isEqualTo(Reason.UNKNOWN_COUNTRY);
        assertThat(refused.restriction()).isEmpty();
    }

    @Test
    void anAccountsHomeDecidesForItWhereverItConnectsFrom() throws Exception {
        Decision d = Decider.decide(from(null, "DE"), policy("unknown-country: refuse\n"), AT);
        assertThat(d).isInstanceOf(Decision.Allow.class);
        assertThat(d.reason()).isEqualTo(Reason.UNRESTRICTED);
    }

    @Test
    void reportOnlyDecidesTheSameButDoesNotEnforce() throws Exception {
        Decision d = Decider.decide(from("PK", null), policy("mode: report-only\n"), AT);
        assertThat(d).isInstanceOf(Decision.Refuse.class);
        assertThat(((Decision.Refuse) d).enforced()).isFalse();
        assertThat(d.outcome()).isEqualTo("would-refuse");
        assertThat(d.reason()).isEqualTo(Reason.ANONYMOUS_IN_RESTRICTED_COUNTRY);
        assertThat(d.datacenter().name()).isEqualTo("toronto");
    }

    @Test
    void refusalWinsOverNoticeWhichWinsOverVisit() throws Exception {
        Policy p = policy("""
                  - {country: DE, cutoff: "2016-01-10T00:00:00Z", notice: P30D}
                  - {country: GB, cutoff: "2015-01-01T00:00:00Z"}
                """);
        // Homed in DE (notice), visiting PK (visit after the PK cutoff): the notice wins.
        Decision notice = Decider.decide(from("PK", "DE"), p, AT);
        assertThat(notice).isInstanceOf(Decision.Notice.class);
        assertThat(notice.restriction().orElseThrow().country().value()).isEqualTo("DE");
        // Homed in GB (refused since 2015-01-01), visiting PK: the refusal wins.
        Decision refuse = Decider.decide(from("PK", "GB"), p, AT);
        assertThat(refuse).isInstanceOf(Decision.Refuse.class);
        assertThat(refuse.restriction().orElseThrow().country().value()).isEqualTo("GB");
    }

    @Test
    void visitorOfRestrictedCountryHomedInAnotherCountryUnderNoticeGetsTheNotice() throws Exception {
        Policy p = policy("""
                  - {country: DE, cutoff: "2016-01-10T00:00:00Z", notice: P30D}
                """);
        Decision d = Decider.decide(from("PK", "DE"), p, Instant.parse("2016-01-09T00:00:00Z"));
        assertThat(d).isInstanceOf(Decision.Notice.class);
        assertThat(d.reason()).isEqualTo(Reason.HOME_IN_RESTRICTED_COUNTRY);
        assertThat(d.datacenter().name()).isEqualTo("frankfurt");
    }

    /** Small documents used by several tests. */
    static final class PolicyJsonText {
        static final String PK_ANONYMOUS_ALLOW = """
                {"datacenters": [{"name": "toronto", "upstream": "http://127.0.0.1:7003", "default": true}],
                 "restrictions": [{"country": "PK", "cutoff": "2015-12-30T00:00:00+05:00", "anonymous": "allow"}]}
                """;
        static final String PK_NO_NOTICE = """
                {"datacenters": [{"name": "toronto", "upstream": "http://127.0.0.1:7003", "default": true}],
                 "restrictions": [{"country": "PK", "cutoff": "2015-12-30T00:00:00+05:00"}]}
                """;
    }
}

package io.geogate.proxy;

import io.geogate.address.ClientAddress;
import io.geogate.country.CountryCode;
import io.geogate.decision.Decider;
import io.geogate.decision.Decision;
import io.geogate.decision.Facts;
import io.geogate.policy.Policy;
import io.geogate.policy.PolicyParser;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Instant;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** The 451 answer is made once per refusal and says what that refusal's own policy says. */
class ProblemAnswerTest {

    private static final Instant AFTER = Instant.parse("2020-01-01T00:00:00Z");

    private static Policy policy(String reason) throws Exception {
        return PolicyParser.parse("""
                datacenters:
                  - {name: toronto, upstream: "http://127.0.0.1:7003", default: true}
                restrictions:
                  - country: PK
                    cutoff: 2015-12-30T00:00:00+05:00
                    blocked-by: https://example.com/legal/pk
                    reason: "%s"
                """.formatted(reason));
    }

    private static Decision.Refuse anonymousInPk(Policy policy) {
        return (Decision.Refuse) Decider.decide(new Facts(Optional.of(new CountryCode("PK")), Optional.empty()), policy, AFTER);
    }

    private static ClientAddress client(boolean malformedForwarded) throws Exception {
        InetAddress pk = InetAddress.getByName("39.32.0.1");
        return new ClientAddress(pk, InetAddress.getByName("127.0.0.1"), true, malformedForwarded);
    }

    @Test
    void aRefusalIsBuiltOnceAndSentAsTheSameBytesEveryTime() throws Exception {
        Policy policy = policy("Withdrawn by order");
        ProblemAnswer first = ProblemAnswer.refusal(anonymousInPk(policy), client(false));
        ProblemAnswer again = ProblemAnswer.refusal(anonymousInPk(policy), client(false));
        assertThat(again).isSameAs(first);
        JsonObject body = again.body().toJsonObject();
        assertThat(body.getString("detail")).isEqualTo("Withdrawn by order");
        assertThat(body.getString("cutoff")).isEqualTo("2015-12-29T19:00:00Z");
        assertThat(body.containsKey("address")).isFalse();
        assertThat(again.headers()).contains(new GatewayHeaders.Header("Link", "<https://example.com/legal/pk>; rel=\"blocked-by\""));
    }

    @Test
    void aClientBehindAMalformedForwardedHeaderIsToldSo() throws Exception {
        Policy policy = policy("Withdrawn by order");
        ProblemAnswer answer = ProblemAnswer.refusal(anonymousInPk(policy), client(true));
        assertThat(answer.body().toJsonObject().getString("address")).isEqualTo(ClientAddress.MALFORMED_FORWARDED);
        assertThat(ProblemAnswer.refusal(anonymousInPk(policy), client(false)).body().toJsonObject().containsKey("address"))
                .isFalse();
    }

    @Test
    void aNewPolicysRefusalSaysWhatTheNewPolicySays() throws Exception {
        Policy before = policy("Withdrawn by order");
        Policy after = policy("Withdrawn by the second order");
        assertThat(ProblemAnswer.refusal(anonymousInPk(before), client(false)).body().toJsonObject().getString("detail"))
                .isEqualTo("Withdrawn by order");
        assertThat(ProblemAnswer.refusal(anonymousInPk(after), client(false)).body().toJsonObject().getString("detail"))
                .isEqualTo("Withdrawn by the second order");
        assertThat(ProblemAnswer.refusal(anonymousInPk(before), client(false)).body().toJsonObject().getString("detail"))
                .isEqualTo("Withdrawn by order");
    }
}

package io.geogate.authz;

import com.google.rpc.Code;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.DeniedHttpResponse;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.geogate.address.IpLiteral;
import io.geogate.proxy.GatewayHeaders;
import io.geogate.proxy.ProblemAnswer;
import io.vertx.core.Handler;
import io.vertx.grpc.server.GrpcServerRequest;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@code envoy.service.auth.v3.Authorization/Check}: the client is {@code attributes.source.address}
 * (the peer Envoy saw), and for a trusted peer the walk of the request's {@code x-forwarded-for};
 * the answer is an OK with headers to set, or a denied response that is the data plane's own answer.
 */
final class EnvoyCheckHandler implements Handler<GrpcServerRequest<CheckRequest, CheckResponse>> {

    private final AuthzCheck check;

    EnvoyCheckHandler(AuthzCheck check) {
        this.check = check;
    }

    @Override
    public void handle(GrpcServerRequest<CheckRequest, CheckResponse> call) {
        call.handler(request -> {
            AttributeContext attributes = request.getAttributes();
            Optional<InetAddress> peer = IpLiteral.parse(attributes.getSource().getAddress().getSocketAddress().getAddress());
            if (peer.isEmpty()) {
                call.response().send(denied(ProblemAnswer.unavailable("client-address-unavailable",
                        "the client's address could not be read")));
                return;
            }
            check.check(peer.get(), headers(attributes.getRequest().getHttp()))
                    .onSuccess(decision -> call.response().send(answer(decision)));
        });
    }

    /** Envoy sends header names in lower case, one value per name (repeated headers joined by commas). */
    private static Function<String, List<String>> headers(AttributeContext.HttpRequest http) {
        Map<String, String> byName = http.getHeadersMap();
        if (byName.isEmpty() && http.getHeaderMap().getHeadersCount() > 0) {
            // Envoy's encode_raw_headers sends header_map instead, with raw bytes.
            Map<String, String> raw = new HashMap<>();
            for (HeaderValue h : http.getHeaderMap().getHeadersList()) {
                String value = h.getRawValue().isEmpty() ? h.getValue() : h.getRawValue().toString(StandardCharsets.ISO_8859_1);
                raw.merge(h.getKey().toLowerCase(Locale.ROOT), value, (a, b) -> a + "," + b);
            }
            byName = raw;
        }
        Map<String, String> lookup = byName;
        return name -> {
            String value = lookup.get(name.toLowerCase(Locale.ROOT));
            return value == null ? List.of() : List.of(value);
        };
    }

    static CheckResponse answer(AuthzDecision decision) {
        if (decision instanceof AuthzDecision.Answer a) {
            return denied(a.answer());
        }
        AuthzDecision.Admit admit = (AuthzDecision.Admit) decision;
        OkHttpResponse.Builder ok = OkHttpResponse.newBuilder();
        admit.upstream().forEach(h -> ok.addHeaders(overwrite(h)));
        admit.removed().forEach(name -> ok.addHeadersToRemove(name.toLowerCase(Locale.ROOT)));
        admit.response().forEach(h -> ok.addResponseHeadersToAdd(h.name().equalsIgnoreCase("Link") ? append(h) : overwrite(h)));
        return CheckResponse.newBuilder()
                .setStatus(com.google.rpc.Status.newBuilder().setCode(Code.OK_VALUE))
                .setOkResponse(ok)
                .build();
    }

    private static CheckResponse denied(ProblemAnswer answer) {
        DeniedHttpResponse.Builder denied = DeniedHttpResponse.newBuilder()
                // type.v3.StatusCode has no 451; the field is an open enum and Envoy uses the number as it is.
                .setStatus(HttpStatus.newBuilder().setCodeValue(answer.status()))
                .setBody(answer.body().toString(StandardCharsets.UTF_8));
        answer.headers().forEach(h -> denied.addHeaders(overwrite(h)));
        int code = answer.status() == 503 ? Code.UNAVAILABLE_VALUE : Code.PERMISSION_DENIED_VALUE;
        return CheckResponse.newBuilder()
                .setStatus(com.google.rpc.Status.newBuilder().setCode(code))
                .setDeniedResponse(denied)
                .build();
    }

    private static HeaderValueOption overwrite(GatewayHeaders.Header header) {
        return option(header, HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD);
    }

    /** A notice's Link joins the application's own Link headers on the response instead of replacing them. */
    private static HeaderValueOption append(GatewayHeaders.Header header) {
        return option(header, HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD);
    }

    private static HeaderValueOption option(GatewayHeaders.Header header, HeaderValueOption.HeaderAppendAction action) {
        return HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey(header.name().toLowerCase(Locale.ROOT)).setValue(header.value()))
                .setAppendAction(action)
                .build();
    }
}

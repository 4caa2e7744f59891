package io.geogate.proxy;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;

/**
 * RFC 9457 problem details: every answer the gateway gives itself (451, 502, 503, 504) is one.
 */
public final class Problem {

    public static final String CONTENT_TYPE = "application/problem+json";

    private Problem() {
    }

    /** A problem body with {@code type}, {@code title}, {@code status} and {@code detail}. */
    public static JsonObject of(int status, String title, String detail) {
        return new JsonObject()
                .put("type", "about:blank")
                .put("title", title)
                .put("status", status)
                .put("detail", detail);
    }

    /** Sends {@code body} as the whole response, never cached. */
    public static void send(HttpServerResponse response, JsonObject body) {
        if (response.ended() || response.closed()) {
            return;
        }
        Buffer bytes = body.toBuffer();
        response.setStatusCode(body.getInteger("status"))
                .setStatusMessage(body.getString("title"))
                .putHeader("Content-Type", CONTENT_TYPE)
                .putHeader("Cache-Control", "no-store")
                .end(bytes);
    }
}

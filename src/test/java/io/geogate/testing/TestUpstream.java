package io.geogate.testing;

import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP server standing in for one datacenter. It answers every request with JSON naming
 * itself and echoing the headers it received, and the byte count and sha256 of the body it read
 * (streamed, never buffered whole). Special paths:
 * <ul>
 * <li>{@code /download/N}: N bytes of {@link Pattern}; with {@code ?hold}, the first MiB, then the rest
 * only after {@code /release} is called directly on this server.</li>
 * <li>{@code /slow/MS}: answers after MS milliseconds.</li>
 * <li>{@code /held}: answers (as the echo) only when {@code /release-held} is called directly on any upstream
 * of this JVM, which answers with how many it released; {@code /held-count} says how many wait.</li>
 * <li>{@code /seen}: every request any upstream of this JVM has received, as {@code "<path> <decision header>"}
 * lines (called directly, not through geogate).</li>
 * <li>{@code /received}: bytes of the current upload read so far (called directly, not through geogate).</li>
 * <li>{@code /sse}: a server-sent-event stream, one event every 100 ms, until the client goes.</li>
 * <li>any WebSocket: echoes each text message prefixed with the datacenter's name; on {@code /ws-slow/MS}
 * the upgrade is accepted only after MS milliseconds.</li>
 * </ul>
 */
public final class TestUpstream {

    private static final int MIB = 1024 * 1024;

    private final String name;
    private final Vertx vertx;
    private final HttpServer server;
    private final AtomicLong uploadedSoFar = new AtomicLong();
    private volatile Promise<Void> release = Promise.promise();

    /** Requests to {@code /held} of every upstream in this JVM, waiting to be answered. */
    private static final java.util.Set<Runnable> HELD = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static int releaseHeld() {
        int n = 0;
        for (Runnable r : java.util.List.copyOf(HELD)) {
            if (HELD.remove(r)) {
                r.run();
                n++;
            }
        }
        return n;
    }

    /** Every request any upstream in this JVM received: its path and the decision header geogate gave it. */
    private static final java.util.Queue<String> SEEN = new java.util.concurrent.ConcurrentLinkedQueue<>();



    private TestUpstream(Vertx vertx, String name, io.vertx.core.http.HttpServerOptions options) {
        this.name = name;
        this.vertx = vertx;
        this.server = vertx.createHttpServer(options).requestHandler(this::handle)
                .webSocketHandler(ws -> {
                    if (ws.path().startsWith("/ws-slow/")) {
                        Promise<Integer> handshake = Promise.promise();
                        ws.setHandshake(handshake.future());
                        vertx.setTimer(Long.parseLong(ws.path().substring("/ws-slow/".length())), id -> handshake.tryComplete(101));
                    }
                    ws.textMessageHandler(text -> ws.writeTextMessage(name + ":" + text));
                });
    }

    public static TestUpstream start(Vertx vertx, String name) throws Exception {
        return start(vertx, name, new io.vertx.core.http.HttpServerOptions());
    }

    /** An upstream speaking TLS with the key and certificate of a PKCS#12 keystore. */
    public static TestUpstream startTls(Vertx vertx, String name, java.nio.file.Path keystore, String password) throws Exception {
        return start(vertx, name, new io.vertx.core.http.HttpServerOptions().setSsl(true)
                .setKeyCertOptions(new io.vertx.core.net.PfxOptions().setPath(keystore.toString()).setPassword(password)));
    }

    private static TestUpstream start(Vertx vertx, String name, io.vertx.core.http.HttpServerOptions options) throws Exception {
        TestUpstream upstream = new TestUpstream(vertx, name, options);
        upstream.server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return upstream;
    }

    public int port() {
        return server.actualPort();
    }

    public String name() {
        return name;
    }

    public void close() throws Exception {
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private void handle(HttpServerRequest req) {
        String path = req.path();
        if (!path.equals("/seen") && !path.equals("/held-count") && !path.equals("/release-held")) {
            SEEN.add(path + " " + req.getHeader("X-Geogate-Decision"));
        }
        if (path.startsWith("/download/")) {
            download(req, Long.parseLong(path.substring("/download/".length())), req.params().contains("hold"));
        } else if (path.equals("/release")) {
            Promise<Void> held = release;
            release = Promise.promise();
            held.tryComplete();
            req.response().end("released");
        } else if (path.equals("/held-count")) {
            req.response().end(Integer.toString(HELD.size()));
        } else if (path.equals("/release-held")) {
            req.response().end(Integer.toString(releaseHeld()));
        } else if (path.equals("/seen")) {
            req.response().end(String.join("\n", SEEN));
        } else if (path.equals("/held")) {
            req.pause();
            io.vertx.core.Context context = vertx.getOrCreateContext();
            Runnable answer = () -> context.runOnContext(v -> {
                req.resume();
                echo(req);
            });
            HELD.add(answer);
            req.connection().closeHandler(v -> HELD.remove(answer));
        } else if (path.equals("/received")) {
            req.response().end(Long.toString(uploadedSoFar.get()));
        } else if (path.equals("/sse")) {
            events(req);
        } else if (path.startsWith("/slow/")) {
            long ms = Long.parseLong(path.substring("/slow/".length()));
            req.pause();
            req.response().setChunked(true);
            vertx.setTimer(ms, id -> {
                req.resume();
                echo(req);
            });
        } else {
            echo(req);
        }
    }

    private void events(HttpServerRequest req) {
        HttpServerResponse response = req.response().setChunked(true).putHeader("Content-Type", "text/event-stream")
                .putHeader("Cache-Control", "no-cache");
        response.write(": " + name + "\n\n");
        long[] n = {0};
        long timer = vertx.setPeriodic(100, id -> {
            if (!response.ended() && !response.closed()) {
                response.write("data: " + name + " " + n[0]++ + "\n\n");
            }
        });
        response.closeHandler(v -> vertx.cancelTimer(timer));
    }

    private void echo(HttpServerRequest req) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        AtomicLong count = new AtomicLong();
        uploadedSoFar.set(0);
        req.handler(chunk -> {
            digest.update(chunk.getBytes());
            count.addAndGet(chunk.length());
            uploadedSoFar.addAndGet(chunk.length());
        });
        req.endHandler(v -> {
            JsonObject headers = new JsonObject();
            req.headers().forEach(h -> {
                String key = h.getKey().toLowerCase(Locale.ROOT);
                JsonArray values = headers.getJsonArray(key, new JsonArray());
                headers.put(key, values.add(h.getValue()));
            });
            JsonObject answer = new JsonObject()
                    .put("datacenter", name)
                    .put("method", req.method().name())
                    .put("uri", req.uri())
                    .put("host", req.headers().get("Host"))
                    .put("headers", headers)
                    .put("bytes", count.get())
                    .put("sha256", HexFormat.of().formatHex(digest.digest()));
            req.response().putHeader("Content-Type", "application/json").end(answer.encode());
        });
    }

    private void download(HttpServerRequest req, long total, boolean hold) {
        HttpServerResponse response = req.response();
        response.putHeader("Content-Length", Long.toString(total)).putHeader("Content-Type", "application/octet-stream");
        Promise<Void> held = release;
        new Writer(response, total, hold ? MIB : Long.MAX_VALUE, held).run();
    }

    /** Writes the pattern with back-pressure; stops at {@code holdAt} until {@code release} completes. */
    private static final class Writer implements Runnable {
        private final HttpServerResponse response;
        private final long total;
        private final long holdAt;
        private final Promise<Void> release;
        private long written;

        Writer(HttpServerResponse response, long total, long holdAt, Promise<Void> release) {
            this.response = response;
            this.total = total;
            this.holdAt = holdAt;
            this.release = release;
        }

        @Override
        public void run() {
            while (written < total && !response.writeQueueFull()) {
                if (written == holdAt && !release.future().isComplete()) {
                    release.future().onComplete(v -> run());
                    return;
                }
                long limit = written < holdAt ? Math.min(total, holdAt) : total;
                int offset = (int) (written % Pattern.BLOCK.length);
                int n = (int) Math.min(limit - written, Pattern.BLOCK.length - offset);
                response.write(Buffer.buffer().appendBytes(Pattern.BLOCK, offset, n));
                written += n;
            }
            if (written >= total) {
                response.end();
            } else {
                response.drainHandler(v -> run());
            }
        }
    }
}

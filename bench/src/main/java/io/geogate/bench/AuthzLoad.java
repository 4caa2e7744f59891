package io.geogate.bench;

import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.grpc.client.GrpcClient;
import io.vertx.grpc.client.GrpcClientResponse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Decisions per second and latency of geogate's decision service on loopback, as an ingress asks:
 * gRPC {@code Check} (one HTTP/2 connection, requests multiplexed, as Envoy does) and HTTP forward-auth
 * (a keep-alive HTTP/1.1 pool, as nginx and Traefik do), for a visitor and for a refusal. A closed loop
 * of {@code concurrency} requests in flight, after a warm-up of a third of the duration.
 *
 * <p>{@code java -cp bench/target/benchmarks.jar io.geogate.bench.AuthzLoad [grpcPort] [httpPort] [seconds]
 * [concurrency]} against a geogate started with {@code geogate.authz.grpc.port} and {@code
 * geogate.authz.http.port} set, its example policy and the loopback trusted as a proxy (the default);
 * {@code bench/authz.sh} does both.
 */
public final class AuthzLoad {

    private AuthzLoad() {
    }

    public static void main(String[] args) throws Exception {
        int grpcPort = args.length > 0 ? Integer.parseInt(args[0]) : 8081;
        int httpPort = args.length > 1 ? Integer.parseInt(args[1]) : 8082;
        int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        int concurrency = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        // Optional: the gateway's process id and the clock ticks per second, to report its CPU time per decision.
        gateway = args.length > 5 ? Path.of("/proc", args[4], "stat") : null;
        ticksPerSecond = args.length > 5 ? Integer.parseInt(args[5]) : 100;
        Vertx vertx = Vertx.vertx();
        GrpcClient grpc = GrpcClient.client(vertx, new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_2)
                .setHttp2ClearTextUpgrade(false).setHttp2MultiplexingLimit(concurrency * 2));
        HttpClient http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setMaxPoolSize(concurrency));
        System.out.printf("%d s each after a %d s warm-up, %d in flight, %d cores%n", seconds, Math.max(1, seconds / 3),
                concurrency, Runtime.getRuntime().availableProcessors());
        Map<String, String> visitor = Map.of("x-forwarded-for", "39.32.0.1", "x-account-id", "bob");
        Map<String, String> refused = Map.of("x-forwarded-for", "39.32.0.1");
        measure("gRPC Check, visitor", seconds, concurrency, () -> check(grpc, grpcPort, visitor, 200));
        measure("gRPC Check, refused", seconds, concurrency, () -> check(grpc, grpcPort, refused, 451));
        measure("HTTP forward-auth, visitor", seconds, concurrency, () -> forwardAuth(http, httpPort, visitor, 200));
        measure("HTTP forward-auth, refused", seconds, concurrency, () -> forwardAuth(http, httpPort, refused, 451));
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Completes true when the answer is the expected status (200 for an OK Check, the denied status otherwise). */
    private static Future<Boolean> check(GrpcClient client, int port, Map<String, String> headers, int expected) {
        CheckRequest request = CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder()
                .setSource(AttributeContext.Peer.newBuilder().setAddress(Address.newBuilder()
                        .setSocketAddress(SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(40_000))))
                .setRequest(AttributeContext.Request.newBuilder().setHttp(AttributeContext.HttpRequest.newBuilder()
                        .setMethod("GET").setPath("/").setHost("app.example.com").putAllHeaders(headers))))
                .build();
        return client.request(io.vertx.core.net.SocketAddress.inetSocketAddress(port, "127.0.0.1"), AuthorizationGrpc.getCheckMethod())
                .compose(call -> {
                    call.end(request);
                    return call.response().compose(GrpcClientResponse::last);
                })
                .map(r -> status(r) == expected);
    }

    private static int status(CheckResponse r) {
        return r.hasDeniedResponse() ? r.getDeniedResponse().getStatus().getCodeValue() : 200;
    }

    private static Future<Boolean> forwardAuth(HttpClient client, int port, Map<String, String> headers, int expected) {
        return client.request(HttpMethod.GET, port, "127.0.0.1", "/traefik")
                .compose(request -> {
                    headers.forEach(request::putHeader);
                    return request.send();
                })
                .compose(response -> response.body().map(body -> response.statusCode() == expected));
    }

    private static Path gateway;
    private static int ticksPerSecond;

    private static void measure(String name, int seconds, int concurrency, Supplier<Future<Boolean>> call) throws Exception {
        run(Math.max(1, seconds / 3), concurrency, call);
        long ticksBefore = gatewayTicks();
        Result r = run(seconds, concurrency, call);
        long ticks = gatewayTicks() - ticksBefore;
        long[] nanos = r.latencies();
        Arrays.sort(nanos);
        String cpu = gateway == null || nanos.length == 0 ? ""
                : String.format("   gateway CPU %6.1f µs/decision", ticks * 1e6 / ticksPerSecond / nanos.length);
        System.out.printf("%-28s %,10.0f decisions/s   p50 %6.2f ms   p99 %6.2f ms   unexpected %d%s%n", name,
                nanos.length / (double) seconds, percentile(nanos, 0.50) / 1e6, percentile(nanos, 0.99) / 1e6, r.unexpected(), cpu);
    }

    /** The gateway's user plus system CPU time so far, in clock ticks (0 when not told its process). */
    private static long gatewayTicks() throws java.io.IOException {
        if (gateway == null) {
            return 0;
        }
        String stat = Files.readString(gateway);
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }

    private record Result(long[] latencies, long unexpected) {
    }

    /** {@code concurrency} loops, each sending its next request when the previous answer arrives, until the time is up. */
    private static Result run(int seconds, int concurrency, Supplier<Future<Boolean>> call) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        CountDownLatch done = new CountDownLatch(concurrency);
        AtomicLong unexpected = new AtomicLong();
        Loop[] loops = new Loop[concurrency];
        for (int i = 0; i < concurrency; i++) {
            loops[i] = new Loop(call, end, unexpected, done);
            loops[i].next();
        }
        done.await(seconds + 30L, TimeUnit.SECONDS);
        return new Result(Arrays.stream(loops).flatMapToLong(l -> Arrays.stream(l.latencies, 0, l.count)).toArray(),
                unexpected.get());
    }

    /** One request in flight at a time; its latencies, written only by its own completions, one after another. */
    private static final class Loop {
        private final Supplier<Future<Boolean>> call;
        private final long end;
        private final AtomicLong unexpected;
        private final CountDownLatch done;
        private long[] latencies = new long[1024];
        private int count;

        Loop(Supplier<Future<Boolean>> call, long end, AtomicLong unexpected, CountDownLatch done) {
            this.call = call;
            this.end = end;
            this.unexpected = unexpected;
            this.done = done;
        }

        void next() {
            long start = System.nanoTime();
            if (start >= end) {
                done.countDown();
                return;
            }
            call.get().onComplete(ar -> {
                if (count == latencies.length) {
                    latencies = Arrays.copyOf(latencies, count * 2);
                }
                latencies[count++] = System.nanoTime() - start;
                if (ar.failed() || !ar.result()) {
                    unexpected.incrementAndGet();
                }
                next();
            });
        }
    }

    private static long percentile(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
    }
}

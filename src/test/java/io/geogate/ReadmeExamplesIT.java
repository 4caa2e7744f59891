package io.geogate;

import io.geogate.testing.PackagedGateway;
import io.geogate.testing.Ports;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs the README's first command's outcome (the packaged jar on its embedded defaults, with the
 * example datacenters) and every {@code curl} example of the README, checking the result the
 * README states after it.
 */
class ReadmeExamplesIT {

    private static final java.util.regex.Pattern CURL =
            java.util.regex.Pattern.compile("^curl -si ((?:-H '[^']*' )*)http://127\\.0\\.0\\.1:8080(\\S*)$");
    private static final java.util.regex.Pattern HEADER = java.util.regex.Pattern.compile("-H '([^:]+): ([^']*)'");
    private static final java.util.regex.Pattern EXPECT = java.util.regex.Pattern.compile("^# → (\\d{3}) (.+)$");

    private record Example(String line, List<String[]> headers, String path, int status, List<String> words) {
    }

    private static List<Example> examples() throws Exception {
        List<String> lines = Files.readAllLines(Path.of("README.md"));
        List<Example> examples = new ArrayList<>();
        for (int i = 0; i + 1 < lines.size(); i++) {
            Matcher curl = CURL.matcher(lines.get(i).strip());
            Matcher expect = EXPECT.matcher(lines.get(i + 1).strip());
            if (!curl.matches() || !expect.matches()) {
                continue;
            }
            List<String[]> headers = new ArrayList<>();
            Matcher h = HEADER.matcher(curl.group(1));
            while (h.find()) {
                headers.add(new String[] {h.group(1), h.group(2)});
            }
            examples.add(new Example(lines.get(i), headers, curl.group(2), Integer.parseInt(expect.group(1)),
                    List.of(expect.group(2).split(" "))));
        }
        return examples;
    }

    @Test
    void everyCurlExampleInTheReadmeBehavesAsWritten() throws Exception {
        List<Example> examples = examples();
        assertThat(examples).hasSizeGreaterThanOrEqualTo(5);
        int dataPort = Ports.free();
        try (PackagedGateway gateway = PackagedGateway.start(Path.of("").toAbsolutePath(), List.of(
                "geogate.demo.enabled=true", "geogate.listen.port=" + dataPort, "geogate.shutdown.drain-delay=0s",
                "quarkus.http.port=" + Ports.free()))) {
            HttpClient http = HttpClient.newHttpClient();
            awaitReady(http, dataPort, gateway);
            for (Example e : examples) {
                HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dataPort + e.path()));
                e.headers().forEach(h -> request.header(h[0], h[1]));
                HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                assertThat(response.statusCode()).as(e.line() + "\n" + response.body()).isEqualTo(e.status());
                JsonObject body = new JsonObject(response.body());
                if (e.status() == 451) {
                    assertThat(body.getString("reason")).as(e.line()).isEqualTo(e.words().get(0));
                } else {
                    assertThat(body.getString("datacenter")).as(e.line()).isEqualTo(e.words().get(0));
                    assertThat(body.getString("decision")).as(e.line()).isEqualTo(e.words().get(1));
                    if ("notice".equals(e.words().get(1))) {
                        assertThat(response.headers().firstValue("Sunset")).as(e.line()).isPresent();
                    }
                }
            }
        }
    }

    private static void awaitReady(HttpClient http, int dataPort, PackagedGateway gateway) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (System.nanoTime() < deadline) {
            assertThat(gateway.isAlive()).as(gateway.output()).isTrue();
            try {
                http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + dataPort + "/")).build(),
                        HttpResponse.BodyHandlers.discarding());
                return;
            } catch (java.io.IOException notYet) {
                Thread.sleep(200);
            }
        }
        throw new AssertionError("geogate did not start:\n" + gateway.output());
    }
}

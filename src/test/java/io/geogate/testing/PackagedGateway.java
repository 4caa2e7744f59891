package io.geogate.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The packaged application run as an operator runs it: {@code java -Dkey=value -jar target/quarkus-app/quarkus-run.jar},
 * or, in a native build, the executable itself: {@code target/geogate-*-runner -Dkey=value}.
 *
 * <p>The executable is used when the build is native ({@code geogate.it.native=true}, set by the {@code native}
 * profile) and failsafe's {@code native.image.path} names it; a runner left in {@code target/} by an earlier native
 * build never makes a JVM run use it. A native build whose executable is missing fails every test that starts one,
 * rather than quietly testing the jar.
 */
public final class PackagedGateway implements AutoCloseable {

    public static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath();

    private final Process process;
    private final Path log;

    private PackagedGateway(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts the jar, or the native executable, in {@code workingDir} with the given {@code -D} properties. */
    public static PackagedGateway start(Path workingDir, List<String> properties) throws IOException {
        List<String> command = new ArrayList<>();
        if (isNative()) {
            command.add(nativeExecutable().toString());
            command.addAll(properties.stream().map(p -> "-D" + p).toList());
        } else {
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.addAll(properties.stream().map(p -> "-D" + p).toList());
            command.addAll(List.of("-jar", JAR.toString()));
        }
        Path log = Files.createTempFile("geogate-it", ".log");
        Process process = new ProcessBuilder(command).directory(workingDir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new PackagedGateway(process, log);
    }

    /** True when the build under test is native: the executable is started instead of the jar. */
    public static boolean isNative() {
        return Boolean.getBoolean("geogate.it.native");
    }

    /** The native executable of a native build ({@code native.image.path}, as failsafe passes it). */
    public static Path nativeExecutable() {
        String path = System.getProperty("native.image.path");
        if (path == null || !Files.isRegularFile(Path.of(path)) || !Files.isExecutable(Path.of(path))) {
            throw new IllegalStateException("geogate.it.native=true but native.image.path=" + path
                    + " is not an executable file: build it with ./mvnw package -Pnative");
        }
        return Path.of(path).toAbsolutePath();
    }

    /** Waits for the process to end on its own (a start-up failure); -1 if it is still running after the timeout. */
    public int exitCode(long seconds) throws InterruptedException {
        return process.waitFor(seconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }

    public String output() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    /** Waits up to a minute for {@code /q/health/ready} on {@code controlPort} to answer 200. */
    public void awaitReady(int controlPort) throws Exception {
        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new AssertionError("geogate ended before it was ready:\n" + output());
            }
            try {
                if (http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + controlPort
                        + "/q/health/ready")).build(), java.net.http.HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("geogate did not become ready:\n" + output());
    }

    /** Sends SIGTERM, as Kubernetes does, without waiting for the process to end. */
    public void terminate() {
        process.destroy();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        Files.deleteIfExists(log);
    }
}

package io.geogate.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The packaged jar run as an operator runs it: {@code java -Dkey=value -jar target/quarkus-app/quarkus-run.jar}. */
public final class PackagedGateway implements AutoCloseable {

    public static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar").toAbsolutePath();

    private final Process process;
    private final Path log;

    private PackagedGateway(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts the jar in {@code workingDir} with the given {@code -D} properties. */
    public static PackagedGateway start(Path workingDir, List<String> properties) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(properties.stream().map(p -> "-D" + p).toList());
        command.addAll(List.of("-jar", JAR.toString()));
        Path log = Files.createTempFile("geogate-it", ".log");
        Process process = new ProcessBuilder(command).directory(workingDir.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new PackagedGateway(process, log);
    }

    /** Waits for the process to end on its own (a start-up failure); -1 if it is still running after the timeout. */
    public int exitCode(long seconds) throws InterruptedException {
        return process.waitFor(seconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }

    public String output() throws IOException {
        return Files.readString(log, StandardCharsets.UTF_8);
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

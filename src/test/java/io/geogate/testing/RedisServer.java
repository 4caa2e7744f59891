package io.geogate.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real redis-server (Debian package {@code redis-server}) on a free loopback port, with no
 * persistence, that a test can stop and start again on the same port.
 */
public final class RedisServer implements AutoCloseable {

    private final int port;
    private final Path dir;
    private final java.util.Optional<String> password;
    private Process process;

    private RedisServer(int port, Path dir, java.util.Optional<String> password) {
        this.port = port;
        this.dir = dir;
        this.password = password;
    }

    public static RedisServer start(Path dir) throws Exception {
        return start(dir, java.util.Optional.empty());
    }

    /** A server that requires {@code password} (AUTH), when given. */
    public static RedisServer start(Path dir, java.util.Optional<String> password) throws Exception {
        RedisServer server = new RedisServer(Ports.free(), dir, password);
        server.startAgain();
        return server;
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://" + password.map(p -> ":" + p + "@").orElse("") + "127.0.0.1:" + port;
    }

    /** Starts the server (again) on its port and waits until it answers PING. */
    public synchronized void startAgain() throws Exception {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("redis-server", "--port",
                Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--enable-debug-command", "yes", "--dir", dir.toString()));
        password.ifPresent(p -> command.addAll(java.util.List.of("--requirepass", p)));
        process = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis-" + port + ".log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try {
                if (command("PING").equals("PONG")) {
                    return;
                }
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("redis-server did not start on port " + port);
    }

    /** Stops the server and waits until it is gone. */
    public synchronized void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
            process = null;
        }
    }

    /** Sends one command in RESP and returns its simple or bulk string reply ({@code null} for a nil reply). */
    public String command(String... args) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1000);
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            if (password.isPresent()) {
                out.write(resp("AUTH", password.get()));
                out.flush();
                String auth = readLine(in);
                if (!auth.equals("+OK")) {
                    throw new IOException("redis refused AUTH: " + auth);
                }
            }
            out.write(resp(args));
            out.flush();
            String line = readLine(in);
            return switch (line.charAt(0)) {
                case '+', ':' -> line.substring(1);
                case '$' -> {
                    int length = Integer.parseInt(line.substring(1));
                    if (length < 0) {
                        yield null;
                    }
                    byte[] body = in.readNBytes(length + 2);
                    yield new String(body, 0, length, StandardCharsets.UTF_8);
                }
                default -> throw new IOException("redis answered " + line);
            };
        }
    }

    private static byte[] resp(String... args) {
        StringBuilder request = new StringBuilder("*").append(args.length).append("\r\n");
        for (String a : args) {
            request.append('$').append(a.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(a).append("\r\n");
        }
        return request.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        if (c == -1 && line.length() == 0) {
            throw new IOException("redis closed the connection");
        }
        return line.toString();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}

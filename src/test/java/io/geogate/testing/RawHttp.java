package io.geogate.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** One HTTP exchange over a socket bound to a chosen local address, e.g. 127.0.0.2: an untrusted peer. */
public final class RawHttp {

    private RawHttp() {
    }

    /** Sends {@code request} (which should say {@code Connection: close}) and returns everything the server answered. */
    public static String exchange(String localAddress, int port, String request) throws IOException {
        try (Socket socket = new Socket()) {
            socket.bind(new InetSocketAddress(localAddress, 0));
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * The status of a GET of {@code path} on a new connection to 127.0.0.1:{@code port}, with {@code headers}
     * ("Name: value"); -1 when the connection is refused, reset or closed before a status line; -2 when it is
     * accepted but nothing comes within three seconds. A bare socket: no client thread or pool between the test
     * and the server.
     */
    public static int status(int port, String path, String... headers) {
        StringBuilder request = new StringBuilder("GET ").append(path).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (String header : headers) {
            request.append(header).append("\r\n");
        }
        request.append("Connection: close\r\n\r\n");
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            socket.setSoTimeout(3000);
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String head = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            return head.startsWith("HTTP/1.1 ") && head.length() == 12 ? Integer.parseInt(head.substring(9, 12)) : -1;
        } catch (java.net.SocketTimeoutException e) {
            return -2;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /** The body of a raw response. */
    public static String body(String response) {
        return response.substring(response.indexOf("\r\n\r\n") + 4);
    }
}

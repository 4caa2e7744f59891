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

    /** The body of a raw response. */
    public static String body(String response) {
        return response.substring(response.indexOf("\r\n\r\n") + 4);
    }
}

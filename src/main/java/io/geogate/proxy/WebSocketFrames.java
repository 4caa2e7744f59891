package io.geogate.proxy;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;

/**
 * Follows the frame boundaries of a WebSocket byte stream (RFC 6455 section 5.2) without decoding
 * payloads, so that the gateway knows when it may put a close frame of its own into the stream.
 */
final class WebSocketFrames {

    private final byte[] header = new byte[14];
    private int headerHave;
    private int headerNeeded = 2;
    private long payloadLeft;

    /** Accounts for bytes about to be forwarded. */
    void feed(Buffer bytes) {
        int i = 0;
        int n = bytes.length();
        while (i < n) {
            if (payloadLeft > 0) {
                int skip = (int) Math.min(payloadLeft, n - i);
                i += skip;
                payloadLeft -= skip;
                continue;
            }
            header[headerHave++] = bytes.getByte(i++);
            if (headerHave == 2) {
                int len7 = header[1] & 0x7f;
                boolean masked = (header[1] & 0x80) != 0;
                headerNeeded = 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (masked ? 4 : 0);
            }
            if (headerHave >= 2 && headerHave == headerNeeded) {
                payloadLeft = payloadLength();
                headerHave = 0;
                headerNeeded = 2;
            }
        }
    }

    private long payloadLength() {
        int len7 = header[1] & 0x7f;
        if (len7 < 126) {
            return len7;
        }
        int bytes = len7 == 126 ? 2 : 8;
        long len = 0;
        for (int i = 0; i < bytes; i++) {
            len = (len << 8) | (header[2 + i] & 0xff);
        }
        return len;
    }

    /** Whether the bytes forwarded so far end exactly at a frame boundary. */
    boolean atBoundary() {
        return headerHave == 0 && payloadLeft == 0;
    }

    /** An unmasked (server-to-client) close frame with a status code and a short reason. */
    static Buffer closeFrame(int code, String reason) {
        byte[] text = reason.getBytes(StandardCharsets.UTF_8);
        int length = Math.min(text.length, 123);
        return Buffer.buffer(4 + length).appendByte((byte) 0x88).appendByte((byte) (2 + length))
                .appendShort((short) code).appendBytes(text, 0, length);
    }
}

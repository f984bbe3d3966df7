package io.wattguard.store.read;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessageBufferPacker;
import org.msgpack.core.MessagePack;

/** Each encoding an error answer comes in, as InfluxDB 1.x, 2.x and a proxy in front of them write it. */
class ErrorAnswerTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void messagePackJsonAndPlainTextAllBecomeText() throws IOException {
        try (MessageBufferPacker p = MessagePack.newDefaultBufferPacker()) {
            p.packMapHeader(1).packString("error").packString("authorization failed");
            assertEquals("authorization failed", ErrorAnswer.text(p.toByteArray()));
        }
        assertEquals(
                "database not found: wattguard",
                ErrorAnswer.text(utf8("{\"error\":\"database not found: wattguard\"}\n")));
        assertEquals(
                "unauthorized access",
                ErrorAnswer.text(utf8("{\"code\":\"unauthorized\",\"message\":\"unauthorized access\"}")));
        assertEquals("404 page not found", ErrorAnswer.text(utf8("404 page not found\n")));
        assertEquals("", ErrorAnswer.text(new byte[0]));
    }

    @Test
    void aLongPageIsCutAndItsLinesJoined() {
        String page = "<html>\n<body>" + "x".repeat(1000) + "</body></html>";
        String text = ErrorAnswer.text(utf8(page));
        assertEquals(301, text.length());
        assertEquals("<html> <body>xxx", text.substring(0, 16));
    }
}

package io.wattguard.config;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Decodes a configuration file strictly as UTF-8. Java's own decoder reports a bad byte as a bare
 * {@code MalformedInputException: Input length = 1}, which says neither where nor what; an operator who saved
 * the file as Latin-1 needs the line and column of the first character that is not UTF-8.
 */
final class Utf8File {
    private Utf8File() {}

    /** The text, or null after reporting where the first byte that is not UTF-8 is. */
    static String decode(String file, byte[] bytes, Problems problems) {
        CharsetDecoder decoder = StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length + 1); // UTF-8 never decodes to more chars than bytes
        CoderResult r = decoder.decode(in, out, true);
        if (!r.isError()) {
            r = decoder.flush(out);
        }
        if (!r.isError()) {
            return out.flip().toString();
        }
        int line = 1;
        int column = 1;
        out.flip();
        while (out.hasRemaining()) {
            if (out.get() == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        // The place is in the message, not the prefix: file:line:column would repeat it.
        problems.add(new Problem(
                file,
                0,
                0,
                "",
                "not UTF-8 at line " + line + ", column " + column + " (byte 0x"
                        + String.format("%02X", bytes[in.position()] & 0xff) + "): save the file as UTF-8"));
        return null;
    }
}

package io.wattguard.alert;

import java.nio.charset.StandardCharsets;

/** Byte-length arithmetic on strings that are sent as UTF-8 to receivers with octet limits. */
final class Utf8 {
    private Utf8() {}

    static int length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)
                    && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /**
     * The longest prefix of {@code s} that fits in {@code maxBytes} as UTF-8, cut between characters and never
     * after an odd number of backslashes, so a backslash-escaped value is not left with a dangling escape.
     */
    static String cut(String s, int maxBytes) {
        if (maxBytes <= 0) {
            return "";
        }
        int bytes = 0;
        int end = 0;
        while (end < s.length()) {
            int cp = s.codePointAt(end);
            int w = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8).length;
            if (bytes + w > maxBytes) {
                break;
            }
            bytes += w;
            end += Character.charCount(cp);
        }
        int slashes = 0;
        while (end - slashes > 0 && s.charAt(end - slashes - 1) == '\\') {
            slashes++;
        }
        if (slashes % 2 == 1) {
            end--;
        }
        return s.substring(0, end);
    }

    /** RFC 5424 header fields: PRINTUSASCII only, bounded, NILVALUE when empty. */
    static String printUsAscii(String s, int max) {
        if (s == null || s.isEmpty()) {
            return "-";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < max; i++) {
            char c = s.charAt(i);
            sb.append(c >= 33 && c <= 126 ? c : '_');
        }
        return sb.toString();
    }
}

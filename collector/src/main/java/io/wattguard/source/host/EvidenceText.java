package io.wattguard.source.host;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * The pure helpers the evidence scans share: they read no file and keep no state, so the tests pin them
 * directly, and {@link ProcessScan}, {@link ConnectionScan} and {@link FileScan} each use them from here
 * rather than keeping copies that could drift apart.
 */
final class EvidenceText {
    /** Splits a command or script line into words: whitespace, quotes and shell punctuation. */
    static final Pattern TOKEN_SPLIT = Pattern.compile("[\\s'\"=;|&()<>,`]+");

    private EvidenceText() {}

    /**
     * The first 16 hex digits of the SHA-256 of {@code /proc/PID/cmdline} as the kernel gives it (NUL-separated):
     * enough to match it with another record ({@code sha256sum /proc/PID/cmdline}), not to read it.
     */
    static String sha256(byte[] cmdline) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(cmdline);
            return HexFormat.of().formatHex(h, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The text a base64 (or base64url) token stands for, or null when it does not decode to mostly printable text. */
    static String decodeBase64(String token) {
        String t = token.replace('-', '+').replace('_', '/');
        int pad = t.indexOf('=');
        if (pad >= 0) {
            t = t.substring(0, pad);
        }
        // Lenient: a token cut out of a longer string may not end on a 4-character boundary.
        t = t.substring(0, t.length() - (t.length() % 4 == 1 ? 1 : 0));
        byte[] b;
        try {
            b = Base64.getDecoder().decode(t + "==".substring(0, (4 - t.length() % 4) % 4));
        } catch (IllegalArgumentException e) {
            return null;
        }
        int printable = 0;
        for (byte x : b) {
            if (x >= 0x20 && x < 0x7f || x == '\n' || x == '\t') {
                printable++;
            }
        }
        return b.length > 0 && printable >= b.length * 0.9 ? new String(b, StandardCharsets.ISO_8859_1) : null;
    }

    /**
     * Fills {@code f} with the first {@code f.length} space-separated fields of a /proc/net/tcp line (sl, local,
     * remote, st, ..., inode); false when the line has fewer. Splits by hand: a busy host has 100,000 such lines.
     */
    static boolean fields(String line, String[] f) {
        int n = 0;
        int i = 0;
        int len = line.length();
        while (n < f.length) {
            while (i < len && line.charAt(i) == ' ') {
                i++;
            }
            if (i >= len) {
                return false;
            }
            int start = i;
            while (i < len && line.charAt(i) != ' ') {
                i++;
            }
            f[n++] = line.substring(start, i);
        }
        return true;
    }

    /** Private, shared or local-only ranges: RFC 1918, link-local, carrier-grade NAT and IPv6 unique local. */
    static boolean isPrivate(InetAddress a) {
        if (a.isSiteLocalAddress() || a.isLinkLocalAddress()) {
            return true;
        }
        byte[] b = a.getAddress();
        if (b.length == 4) {
            return (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64; // 100.64.0.0/10, carrier-grade NAT
        }
        return (b[0] & 0xfe) == 0xfc; // fc00::/7, unique local
    }

    /** The port of a /proc/net/tcp endpoint ({@code ADDRESS:PORT}, both hex). */
    static int port(String hexEndpoint) {
        int colon = hexEndpoint.lastIndexOf(':');
        return colon < 0 ? -1 : Integer.parseInt(hexEndpoint.substring(colon + 1), 16);
    }

    /** The kernel writes each 32-bit word of the address in host (little-endian) order. */
    static InetAddress address(String hexEndpoint) {
        int colon = hexEndpoint.lastIndexOf(':');
        String hex = hexEndpoint.substring(0, colon);
        if (hex.length() != 8 && hex.length() != 32) {
            return null;
        }
        byte[] b = new byte[hex.length() / 2];
        for (int w = 0; w < b.length / 4; w++) {
            for (int i = 0; i < 4; i++) {
                int at = w * 8 + (3 - i) * 2;
                b[w * 4 + i] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
            }
        }
        try {
            return InetAddress.getByAddress(b); // an IPv4-mapped IPv6 address comes back as IPv4
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** A /proc/net/tcp endpoint as people write it, {@code 127.0.0.1:3333}, for a finding's detail. */
    static String endpoint(String hexEndpoint) {
        InetAddress a = address(hexEndpoint);
        return (a == null ? "?" : a.getHostAddress()) + ":" + port(hexEndpoint);
    }
}

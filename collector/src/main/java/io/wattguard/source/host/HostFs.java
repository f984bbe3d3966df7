package io.wattguard.source.host;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Every file the host source reads, under one root: {@code /} on a live host, a mounted image for
 * {@code wattguard evidence --root}, a fake tree in tests. Reads never throw: a process that exits mid-scan
 * or a file we may not read is simply absent, which is the normal case on a busy host.
 */
final class HostFs {
    private final Path root;
    /** One buffer per scanner: /proc files report size 0, so they are read to EOF into it. */
    private byte[] buf = new byte[16 * 1024];

    HostFs(Path root) {
        this.root = root;
    }

    Path root() {
        return root;
    }

    /** {@code /proc/1/stat} relative to the root. */
    Path path(String absolute) {
        return root.resolve(absolute.startsWith("/") ? absolute.substring(1) : absolute);
    }

    /** The whole file, or null; at most {@code max} bytes. */
    byte[] bytes(Path p, int max) {
        try (InputStream in = Files.newInputStream(p)) {
            int n = 0;
            while (true) {
                if (n == buf.length) {
                    if (buf.length >= max) {
                        break;
                    }
                    buf = java.util.Arrays.copyOf(buf, Math.min(max, buf.length * 2));
                }
                int r = in.read(buf, n, Math.min(buf.length, max) - n);
                if (r < 0) {
                    break;
                }
                n += r;
                if (n >= max) {
                    break;
                }
            }
            return java.util.Arrays.copyOf(buf, n);
        } catch (IOException | SecurityException e) {
            return null;
        }
    }

    String text(Path p, int max) {
        byte[] b = bytes(p, max);
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    String text(String absolute) {
        return text(path(absolute), 1 << 20);
    }

    /** A symlink's target as text, or null (kernel threads have no exe; other users' links need root). */
    String link(Path p) {
        try {
            return Files.readSymbolicLink(p).toString();
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return null;
        }
    }

    boolean exists(Path p) {
        return Files.exists(p, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Whether a path exists, as one stat and without an exception for the common "no": thousands of absent
     * /proc/PID are probed per scan, and NIO's Files.exists builds an exception for each.
     */
    boolean probe(Path p) {
        return p.toFile().exists();
    }

    /** Names in a folder, or empty when it is missing or unreadable. */
    List<String> list(Path dir) {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) {
                out.add(p.getFileName().toString());
            }
        } catch (IOException | SecurityException e) {
            // missing or unreadable: nothing to report from it
        }
        return out;
    }

    static long parseLong(String s, long def) {
        try {
            return Long.parseLong(s.trim());
        } catch (RuntimeException e) {
            return def;
        }
    }
}

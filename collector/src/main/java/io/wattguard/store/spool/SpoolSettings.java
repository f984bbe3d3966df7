package io.wattguard.store.spool;

import io.wattguard.config.Section;
import java.nio.file.Path;
import java.time.Duration;

/** The {@code spool:} section. */
public record SpoolSettings(
        Path dir, long maxBytes, long segmentBytes, FsyncPolicy fsync, Duration fsyncInterval, long memoryPoints) {
    public static final String DEFAULT_DIR = "/var/lib/wattguard/spool";

    /** The same settings for another folder (a second writer beside the daemon's, with a spool of its own). */
    public SpoolSettings withDir(Path other) {
        return new SpoolSettings(other, maxBytes, segmentBytes, fsync, fsyncInterval, memoryPoints);
    }

    public static SpoolSettings read(Section s) {
        Path dir = s.pathValue("dir", DEFAULT_DIR);
        // A missing folder is created at start; a file in its place would only fail there, batch after batch.
        if (dir != null && java.nio.file.Files.exists(dir) && !java.nio.file.Files.isDirectory(dir)) {
            s.error("dir", dir + " exists and is not a directory: the spool needs a directory (created when missing)");
        }
        long max = s.bytes("max_bytes", 1L << 30, 64 << 10, Long.MAX_VALUE);
        long seg = s.bytes("segment_bytes", 16L << 20, 4 << 10, 1L << 30);
        FsyncPolicy fsync = s.choice("fsync", FsyncPolicy.BATCH, FsyncPolicy.class);
        Duration interval =
                s.duration("fsync_interval", Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofMinutes(10));
        long mem = s.integer("memory_points", 500_000, 1_000, 100_000_000);
        s.finish();
        return new SpoolSettings(dir, max, seg, fsync, interval, mem);
    }

    public Spool open(java.time.Clock clock) throws java.io.IOException {
        return new Spool(dir, maxBytes, segmentBytes, fsync, fsyncInterval.toMillis(), clock);
    }
}

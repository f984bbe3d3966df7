package io.wattguard.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.core.Sample;
import io.wattguard.influx.PrivateInfluxd;
import io.wattguard.spool.FsyncPolicy;
import io.wattguard.spool.SpoolSettings;
import io.wattguard.testing.InfluxdTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InfluxSinkTest extends InfluxdTest {
    @TempDir
    Path tmp;

    static InfluxSink sink(java.net.URI url, String db, Path spoolDir) {
        return sink(InfluxSettings.local(url, db), spoolDir);
    }

    static InfluxSink sink(InfluxSettings settings, Path spoolDir) {
        InfluxSink s = new InfluxSink(new InfluxWriter(settings),
                new SpoolSettings(spoolDir, 1 << 26, 1 << 20, FsyncPolicy.BATCH, Duration.ofSeconds(1), 100_000),
                Clock.systemUTC());
        s.start();
        return s;
    }

    static List<Sample> points(String host, int n, long t0) {
        List<Sample> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(Sample.builder("gpu").tag("host", host).tag("gpu", Integer.toString(i % 8))
                    .field("power_w", 100.0 + i).field("util_pct", (double) (i % 100)).time(t0 + i * 1000L).build());
        }
        return l;
    }

    @Test
    void aRefusedPointGoesToTheDeadLetterFileAndTheStreamGoesOn() throws Exception {
        Path spool = tmp.resolve("spool");
        long t0 = 1_700_000_000_000L;
        try (InfluxSink sink = sink(influxd.url(), "dl", spool)) {
            sink.accept(points("a", 3, t0));
            assertTrue(sink.flush(Duration.ofSeconds(30)));
            // power_w is a float now; a string for it is refused by InfluxDB with 400 (partial write).
            Sample bad = Sample.builder("gpu").tag("host", "b").field("power_w", "lots").time(t0).build();
            List<Sample> mixed = new ArrayList<>(points("c", 2, t0));
            mixed.add(bad);
            sink.accept(mixed);
            sink.accept(points("d", 2, t0));
            assertTrue(sink.flush(Duration.ofSeconds(30)));
            assertEquals(1 + 2, sink.stats().deadLetterPoints.get(), "the refused batch is counted whole");
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(spool.resolve("deadletter"))) {
            files = s.toList();
        }
        assertEquals(1, files.size());
        String content = Files.readString(files.get(0));
        assertTrue(content.startsWith("# InfluxDB refused this batch: HTTP 400: "), content);
        assertTrue(content.contains("field type conflict"), content);
        assertTrue(content.contains("gpu,host=b power_w=\"lots\" " + t0), content);
        // InfluxDB keeps the good points of a partially refused batch, and later batches still arrive.
        assertEquals(2, query("dl", "SELECT power_w FROM gpu WHERE host='c' AND time >= 0 AND time <= now()").size());
        assertEquals(2, query("dl", "SELECT power_w FROM gpu WHERE host='d' AND time >= 0 AND time <= now()").size());
    }

    @Test
    void aBatchTooLargeForTheServerIsSplitUntilItFits() throws Exception {
        try (PrivateInfluxd small = PrivateInfluxd.startTemporary(2_000)) {
            try (InfluxSink sink = sink(small.url(), "split", tmp.resolve("spool"))) {
                sink.accept(points("big", 2_000, 1_700_000_000_000L));
                assertTrue(sink.flush(Duration.ofSeconds(60)), "delivered: " + sink.stats().lastError);
                assertEquals(0, sink.stats().deadLetterPoints.get());
                assertTrue(sink.stats().batchesWritten.get() > 1, "split into several writes");
            }
            var rows = query(small.url(), "split", "SELECT count(power_w) FROM gpu WHERE time >= 0 AND time <= now()");
            assertEquals(2_000L, rows.get(0).get("count"));
        }
    }

    @Test
    void retryAfterIsReadInSeconds() {
        assertEquals(Duration.ofSeconds(7), InfluxWriter.retryAfter(" 7 "));
        assertEquals(Duration.ZERO, InfluxWriter.retryAfter("Wed, 21 Oct 2026 07:28:00 GMT"));
        assertEquals(Duration.ZERO, InfluxWriter.retryAfter(null));
    }

    @Test
    void backoffGrowsWithJitterAndIsCapped() {
        for (int attempt = 0; attempt < 30; attempt++) {
            long ms = InfluxSink.backoff(attempt).toMillis();
            long cap = Math.min(30_000, 250L << Math.min(attempt, 16));
            assertTrue(ms >= cap / 2 && ms <= cap, attempt + ": " + ms);
        }
    }
}

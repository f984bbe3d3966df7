package io.wattguard.store.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.core.Sample;
import io.wattguard.influx.PrivateInfluxd;
import io.wattguard.store.InfluxSettings;
import io.wattguard.store.spool.FsyncPolicy;
import io.wattguard.store.spool.SpoolSettings;
import io.wattguard.testing.InfluxdTest;
import java.nio.charset.StandardCharsets;
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
        InfluxSink s = new InfluxSink(
                new InfluxWriter(settings),
                new SpoolSettings(spoolDir, 1 << 26, 1 << 20, FsyncPolicy.BATCH, Duration.ofSeconds(1), 100_000),
                Clock.systemUTC());
        s.start();
        return s;
    }

    static List<Sample> points(String host, int n, long t0) {
        List<Sample> l = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            l.add(Sample.builder("gpu")
                    .tag("host", host)
                    .tag("gpu", Integer.toString(i % 8))
                    .field("power_w", 100.0 + i)
                    .field("util_pct", (double) (i % 100))
                    .time(t0 + i * 1000L)
                    .build());
        }
        return l;
    }

    private static List<Path> deadLetterFiles(Path spool) throws java.io.IOException {
        try (Stream<Path> s = Files.list(spool.resolve("deadletter"))) {
            return s.sorted().toList();
        }
    }

    /** The dead-lettered points (not the comment lines saying why) of every dead-letter file. */
    private static List<String> deadLettered(Path spool) throws java.io.IOException {
        List<String> lines = new ArrayList<>();
        for (Path f : deadLetterFiles(spool)) {
            Files.readAllLines(f).stream().filter(l -> !l.startsWith("#")).forEach(lines::add);
        }
        return lines;
    }

    @Test
    void onePoisonPointInFiveThousandIsTheOnlyOneDeadLetteredAndTheStreamGoesOn() throws Exception {
        Path spool = tmp.resolve("spool");
        long t0 = 1_700_000_000_000L;
        try (InfluxSink sink = sink(influxd.url(), "poison", spool)) {
            sink.accept(points("first", 1, t0)); // power_w is a float from here on
            assertTrue(sink.flush(Duration.ofSeconds(30)));
            // It passes our checks; influxd refuses it as a type conflict (400, partial write), which names no
            // line, so the batch is halved until it stands alone.
            Sample poison = Sample.builder("gpu")
                    .tag("host", "client-b")
                    .field("power_w", "lots")
                    .time(t0)
                    .build();
            List<Sample> batch = new ArrayList<>(points("daemon", 5_000, t0));
            batch.add(2_718, poison);
            sink.accept(batch);
            sink.accept(points("later", 2, t0));
            assertTrue(sink.flush(Duration.ofSeconds(120)), "delivered: " + sink.stats().lastError);
            assertEquals(1, sink.stats().deadLetterPoints.get(), "only the refused point");
            assertEquals(1 + 5_000 + 2, sink.stats().pointsWritten.get(), "every good point counted written once");
        }
        assertEquals(List.of("gpu,host=client-b power_w=\"lots\" " + t0), deadLettered(spool));
        String header = Files.readString(deadLetterFiles(spool).get(0));
        assertTrue(
                header.startsWith("# InfluxDB refused this point: HTTP 400: partial write: field type conflict"),
                header);
        var rows =
                query("poison", "SELECT count(power_w) FROM gpu WHERE host='daemon' AND time >= 0 AND time <= now()");
        assertEquals(5_000L, rows.get(0).get("count"), "every point InfluxDB accepts is delivered");
        assertEquals(
                2,
                query("poison", "SELECT power_w FROM gpu WHERE host='later' AND time >= 0 AND time <= now()")
                        .size(),
                "later batches still arrive");
    }

    @Test
    void linesInfluxdCannotParseAreNamedInItsAnswerAndOnlyThoseAreDeadLettered() throws Exception {
        // A spool written by an older wattguard, whose encoder left a tag value's trailing backslash unescaped.
        Path spool = tmp.resolve("spool");
        long t0 = 1_700_000_000_000L;
        String bad = "gpu,host=c:\\ power_w=1 " + t0;
        String good = "gpu,host=old power_w=1 ";
        try (io.wattguard.store.spool.Spool old = new io.wattguard.store.spool.Spool(
                spool, 1 << 26, 1 << 20, FsyncPolicy.BATCH, 1000, Clock.systemUTC())) {
            old.append((good + t0 + "\n" + bad + "\n" + good + (t0 + 1) + "\n").getBytes(StandardCharsets.UTF_8), 3);
        }
        try (InfluxSink sink = sink(influxd.url(), "unparsable", spool)) {
            assertTrue(sink.flush(Duration.ofSeconds(30)), "delivered: " + sink.stats().lastError);
            assertEquals(1, sink.stats().deadLetterPoints.get());
            assertEquals(1, sink.stats().batchesWritten.get(), "the rest sent once, without halving");
        }
        assertEquals(List.of(bad), deadLettered(spool));
        assertTrue(Files.readString(deadLetterFiles(spool).get(0)).contains("invalid tag format"));
        assertEquals(
                2,
                query("unparsable", "SELECT power_w FROM gpu WHERE host='old' AND time >= 0 AND time <= now()")
                        .size());
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

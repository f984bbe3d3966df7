package io.wattguard.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.influx.PrivateInfluxd;
import io.wattguard.testing.InfluxdTest;
import io.wattguard.testing.ThrottledProxy;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The collector at the agent's heap (-Xmx64m) with a source producing about ten times what InfluxDB, behind a
 * throttled link, absorbs, for 60 s. Memory must stay bounded (no OutOfMemoryError, heap after GC and RSS
 * flat), the excess must go to the spool on disk, and once the link is fast again every point must arrive.
 */
class OverloadTest extends InfluxdTest {
    private static final int SERIES = 3300; // not a multiple of max_points: a lost batch shows as a short second
    private static final Pattern GC = Pattern.compile("^\\[([0-9.]+)s\\].*Pause.* (\\d+)M->(\\d+)M\\((\\d+)M\\)");

    @TempDir
    Path tmp;

    @Test
    void tenTimesWhatInfluxdbTakesStaysInBoundedMemoryAndArrivesLater() throws Exception {
        try (ThrottledProxy link = new ThrottledProxy(influxd.port(), 4_500)) {
            int http = PrivateInfluxd.freePort();
            Path spool = tmp.resolve("spool");
            Path cfg = Files.writeString(tmp.resolve("wattguard.yaml"), """
                    instance: overload
                    influxdb: {url: "%s", database: overload}
                    spool: {dir: "%s"}
                    http: {listen: "127.0.0.1:%d"}
                    sources:
                      - name: flood
                        type: synthetic
                        interval: 1s
                        series:
                          - measurement: flood
                            repeat: %d
                            tags: {series: "s{i:04}"}
                            fields: {v: {random_walk: {min: 0, max: 100, step: 1}}}
                    """.formatted(link.url(), spool, http, SERIES));
            String java =
                    Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Path log = tmp.resolve("daemon.log");
            Path gcLog = tmp.resolve("gc.log");
            Process p = new ProcessBuilder(
                            java,
                            "-Xmx64m",
                            "-Xlog:gc:file=" + gcLog,
                            "-cp",
                            System.getProperty("java.class.path"),
                            "io.wattguard.cli.Main",
                            "run",
                            "--config",
                            cfg.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            long startMs = System.currentTimeMillis();
            List<long[]> rss = new ArrayList<>(); // {seconds since start, kB}
            long spoolAt20 = -1;
            try {
                while (System.currentTimeMillis() - startMs < 60_000) {
                    Thread.sleep(1000);
                    assertTrue(p.isAlive(), "the collector died under load: " + Files.readString(log));
                    long s = (System.currentTimeMillis() - startMs) / 1000;
                    rss.add(new long[] {s, rssKb(p.pid())});
                    if (s >= 20 && spoolAt20 < 0) {
                        spoolAt20 = bytes(spool);
                    }
                }
                long spoolAt60 = bytes(spool);
                Map<String, Double> m = metrics(http);
                double produced = m.get("wattguard_samples_total{source=\"flood\"}");
                double written = m.get("wattguard_points_written_total");
                System.out.printf(
                        "after 60 s: produced %.0f points, InfluxDB took %.0f (1/%.1f), spool %d -> %d bytes%n",
                        produced, written, produced / Math.max(1, written), spoolAt20, spoolAt60);
                assertTrue(
                        written * 5 < produced,
                        "the link was meant to take about a tenth: " + written + " of " + produced);
                // A full batch (5,000 points, about 60 kB gzipped) takes longer than influxdb.timeout to cross
                // this link: only halves get through, and they must, or nothing would ever arrive.
                assertTrue(written * 30 > produced, "InfluxDB took too little over the slow link: " + written);
                assertTrue(
                        spoolAt60 > spoolAt20 + 1_000_000,
                        "the excess waits in the spool: " + spoolAt20 + " -> " + spoolAt60);

                long early = maxRss(rss, 10, 30);
                long late = maxRss(rss, 40, 60);
                System.out.printf("RSS max 10-30 s %d kB, 40-60 s %d kB%n", early, late);
                assertTrue(late <= early * 1.2, "RSS grows under overload: " + early + " kB then " + late + " kB");
                List<double[]> gcs = afterGc(gcLog);
                double heapEarly = gcs.stream()
                        .filter(g -> g[0] >= 10 && g[0] < 30)
                        .mapToDouble(g -> g[1])
                        .max()
                        .orElse(0);
                double heapLate = gcs.stream()
                        .filter(g -> g[0] >= 40 && g[0] < 60)
                        .mapToDouble(g -> g[1])
                        .max()
                        .orElse(0);
                System.out.printf(
                        "heap after GC max 10-30 s %.0f MB, 40-60 s %.0f MB, %d collections%n",
                        heapEarly, heapLate, gcs.size());
                assertTrue(
                        heapLate <= heapEarly + 8,
                        "heap after GC grows: " + heapEarly + " MB then " + heapLate + " MB");

                // The link is fast again: everything taken before this second must arrive, each second whole.
                long cutoff = System.currentTimeMillis() / 1000 * 1000;
                link.rate(0);
                String range = "time >= " + (startMs - 10_000) + "ms AND time < " + cutoff + "ms";
                long catchUp = System.nanoTime();
                long stored = 0;
                long expected = -1;
                List<Map<String, Object>> seconds = List.of();
                while (System.nanoTime() - catchUp < TimeUnit.SECONDS.toNanos(180)) {
                    seconds = query(
                            influxd.url(),
                            "overload",
                            "SELECT count(v) FROM flood WHERE " + range + " GROUP BY time(1s) fill(none)");
                    stored = seconds.stream()
                            .mapToLong(r -> ((Number) r.get("count")).longValue())
                            .sum();
                    // A poll every second from the first one stored up to the cutoff.
                    expected = seconds.isEmpty()
                            ? -1
                            : (cutoff - ((Number) seconds.get(0).get("time")).longValue()) / 1000;
                    if (seconds.size() == expected && stored == (long) SERIES * expected) {
                        break;
                    }
                    Thread.sleep(1000);
                }
                System.out.printf(
                        "caught up in %.1f s: %d points in %d seconds of %d%n",
                        (System.nanoTime() - catchUp) / 1e9, stored, seconds.size(), expected);
                for (Map<String, Object> r : seconds) {
                    assertEquals(
                            SERIES, ((Number) r.get("count")).longValue(), "points of the second at " + r.get("time"));
                }
                assertEquals(
                        expected,
                        seconds.size(),
                        "seconds stored (polls skipped by overrun: "
                                + metrics(http).get("wattguard_poll_overruns_total{source=\"flood\"}") + ")");
                // About 60 s of flood polled: fewer when a loaded machine starts the daemon late (54 seen in CI
                // beside a demo run); what matters is that every second of them arrived whole, checked above.
                assertTrue(expected >= 45, "seconds polled before the cutoff: " + expected);
                Map<String, Double> after = metrics(http);
                assertEquals(0, after.get("wattguard_batcher_dropped_points_total"), "dropped before the spool");
                assertEquals(0, after.get("wattguard_spool_dropped_points_total"), "dropped by the spool");
                assertFalse(Files.readString(log).contains("OutOfMemoryError"), Files.readString(log));
            } finally {
                p.destroy();
                p.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    private static long maxRss(List<long[]> rss, long from, long to) {
        return rss.stream()
                .filter(r -> r[0] >= from && r[0] < to)
                .mapToLong(r -> r[1])
                .max()
                .orElse(0);
    }

    /** {seconds since start, heap MB after the collection} of each GC pause in the log. */
    private static List<double[]> afterGc(Path gcLog) throws IOException {
        List<double[]> out = new ArrayList<>();
        for (String line : Files.readAllLines(gcLog)) {
            Matcher m = GC.matcher(line);
            if (m.find()) {
                out.add(new double[] {Double.parseDouble(m.group(1)), Double.parseDouble(m.group(3))});
            }
        }
        return out;
    }

    private static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS for " + pid);
    }

    private static long bytes(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile)
                    .mapToLong(f -> f.toFile().length())
                    .sum();
        }
    }

    private static Map<String, Double> metrics(int port) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        Map<String, Double> m = new java.util.HashMap<>();
        for (String line : r.body().split("\n")) {
            if (!line.startsWith("#") && line.contains(" ")) {
                int sp = line.lastIndexOf(' ');
                m.put(line.substring(0, sp), Double.parseDouble(line.substring(sp + 1)));
            }
        }
        return m;
    }
}

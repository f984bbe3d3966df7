package io.wattguard.bench;

import io.wattguard.core.Sample;
import io.wattguard.influx.PrivateInfluxd;
import io.wattguard.store.InfluxSettings;
import io.wattguard.store.spool.FsyncPolicy;
import io.wattguard.store.spool.SpoolSettings;
import io.wattguard.store.write.InfluxSink;
import io.wattguard.store.write.InfluxWriter;
import io.wattguard.store.write.LineProtocol;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * InfluxDB sink throughput as a ratio to raw line-protocol POSTs of the same points to the same influxd, in
 * one run (target >= 0.9), and line-protocol serialisation points/s on one core.
 *
 * <p>Raw: pre-built batches of 5,000 lines, gzipped and POSTed one after another on one connection (the
 * gzip is inside the timed loop, as it is for the sink). Sink: the same points as {@link Sample}s through
 * {@link InfluxSink} with its spool (fsync per batch), timed from the first batch to the last acknowledgement.
 * Each side writes to its own database; the two alternate over several rounds and the median is reported.
 */
public final class SinkBench {
    public static void main(String[] args) throws Exception {
        int points = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int batch = 5_000;
        List<List<Sample>> batches = data(points, batch);
        List<String> lines = new ArrayList<>();
        batches.forEach(b -> lines.add(LineProtocol.format(b)));

        serialisation(batches);
        try (PrivateInfluxd influxd = PrivateInfluxd.startTemporary()) {
            double[] raw = new double[rounds];
            double[] sink = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                raw[r] = raw(influxd.url(), "raw" + r, lines, points);
                double client = writer(influxd.url(), "client" + r, lines, points);
                sink[r] = sink(influxd.url(), "sink" + r, batches, points);
                System.out.printf(
                        "round %d: raw %,.0f points/s, influxdb-java alone %,.0f, InfluxSink %,.0f points/s, "
                                + "ratio %.2f%n",
                        r + 1, raw[r], client, sink[r], sink[r] / raw[r]);
            }
            // Each round pairs the two under the same machine load: the median of the per-round ratios, not a
            // ratio of medians taken from different rounds.
            double[] ratios = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ratios[r] = sink[r] / raw[r];
            }
            Arrays.sort(ratios);
            Arrays.sort(raw);
            Arrays.sort(sink);
            System.out.printf(
                    "SINK %d rounds, %,d points in batches of %,d: raw POST median %,.0f points/s, InfluxSink "
                            + "median %,.0f points/s; ratio per round %.2f to %.2f, median %.2f (target >= 0.9)%n",
                    rounds,
                    points,
                    batch,
                    raw[rounds / 2],
                    sink[rounds / 2],
                    ratios[0],
                    ratios[rounds - 1],
                    ratios[rounds / 2]);
        }
    }

    static List<List<Sample>> data(int points, int batch) {
        List<List<Sample>> out = new ArrayList<>();
        long t0 = 1_760_000_000_000L;
        List<Sample> cur = new ArrayList<>();
        for (int i = 0; i < points; i++) {
            int host = i % 500;
            cur.add(Sample.builder("gpu")
                    .tag("host", "gpu-" + host)
                    .tag("rack", "r" + host / 20)
                    .tag("gpu", "" + i % 8)
                    .tag("model", "NVIDIA H100 80GB HBM3")
                    .field("power_w", 250 + (i % 4000) / 10.0)
                    .field("util_pct", (double) (i % 101))
                    .field("energy_j", 1_000_000L + i)
                    .time(t0 + (i / 4000) * 1000L)
                    .build());
            if (cur.size() == batch) {
                out.add(cur);
                cur = new ArrayList<>();
            }
        }
        if (!cur.isEmpty()) {
            out.add(cur);
        }
        return out;
    }

    static void serialisation(List<List<Sample>> batches) {
        var threads = ManagementFactory.getThreadMXBean();
        long best = Long.MAX_VALUE;
        long n = 0;
        for (int rep = 0; rep < 5; rep++) {
            long cpu = threads.getCurrentThreadCpuTime();
            n = 0;
            for (List<Sample> b : batches) {
                n += LineProtocol.format(b).length() > 0 ? b.size() : 0;
            }
            best = Math.min(best, threads.getCurrentThreadCpuTime() - cpu);
        }
        System.out.printf(
                "SERIALISE line protocol: %,.0f points/s per core (best of 5, thread CPU time)%n", n / (best / 1e9));
    }

    static double raw(URI url, String db, List<String> lines, int points) throws Exception {
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        http.send(
                HttpRequest.newBuilder(url.resolve("/query?q=CREATE+DATABASE+" + db))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        URI write = url.resolve("/write?db=" + db + "&precision=ms");
        long start = System.nanoTime();
        for (String lp : lines) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream(lp.length() / 4);
            try (GZIPOutputStream gz = new GZIPOutputStream(buf)) {
                gz.write(lp.getBytes(StandardCharsets.UTF_8));
            }
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(write)
                            .header("Content-Encoding", "gzip")
                            .POST(HttpRequest.BodyPublishers.ofByteArray(buf.toByteArray()))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 204) {
                throw new IllegalStateException("raw write: HTTP " + r.statusCode() + " " + r.body());
            }
        }
        return points / ((System.nanoTime() - start) / 1e9);
    }

    /** The client library alone on the same pre-built lines: separates its cost from the spool's. */
    static double writer(URI url, String db, List<String> lines, int points) {
        try (InfluxWriter w = new InfluxWriter(InfluxSettings.local(url, db))) {
            w.createDatabase();
            long start = System.nanoTime();
            for (String lp : lines) {
                if (!(w.write(lp) instanceof InfluxWriter.Outcome.Written)) {
                    throw new IllegalStateException("client write failed");
                }
            }
            return points / ((System.nanoTime() - start) / 1e9);
        }
    }

    static double sink(URI url, String db, List<List<Sample>> batches, int points) throws Exception {
        Path spool = Files.createTempDirectory("wattguard-bench-spool");
        InfluxSink sink = new InfluxSink(
                new InfluxWriter(InfluxSettings.local(url, db)),
                new SpoolSettings(spool, 4L << 30, 64L << 20, FsyncPolicy.BATCH, Duration.ofSeconds(1), 100_000),
                Clock.systemUTC());
        sink.start();
        long start = System.nanoTime();
        for (List<Sample> b : batches) {
            sink.accept(b);
        }
        if (!sink.flush(Duration.ofMinutes(10))) {
            throw new IllegalStateException("sink did not drain: " + sink.stats().lastError);
        }
        double rate = points / ((System.nanoTime() - start) / 1e9);
        if (sink.stats().pointsWritten.get() != points) {
            throw new IllegalStateException(
                    "sink wrote " + sink.stats().pointsWritten.get() + " of " + points);
        }
        sink.close();
        return rate;
    }
}

package io.wattguard.report;

import io.wattguard.core.Sample;
import io.wattguard.daemon.Batcher;
import io.wattguard.daemon.Settings;
import io.wattguard.simulator.site.Label;
import io.wattguard.simulator.site.SitePoint;
import io.wattguard.simulator.site.SiteSpec;
import io.wattguard.simulator.site.SyntheticSite;
import io.wattguard.store.write.InfluxSink;
import io.wattguard.store.write.InfluxWriter;
import io.wattguard.testing.Cli;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The simulator's small site (12 hosts, 2 racks, one room, Europe/Berlin) from 25 February to 7 March 2026, written
 * through the collector's own batcher, spool and InfluxDB sink, then analysed by {@code wattguard analyze}: so the
 * month under report, March 2026, holds real {@code baseline} and {@code anomaly} points with the simulator's
 * mining episodes in them, and February a few clean days to compare with. The configuration is the one an
 * operator of that site would write, with a time-of-use tariff so cost is more than a product.
 */
final class SimulatedMonth {
    static final String DB = "site";
    static final LocalDate START = LocalDate.of(2026, 2, 25);
    static final int DAYS = 10;

    final SyntheticSite site;
    final Path config;

    private SimulatedMonth(SyntheticSite site, Path config) {
        this.site = site;
        this.config = config;
    }

    static SiteSpec spec() {
        SiteSpec.Builder b =
                SiteSpec.small().toBuilder().start(START).days(DAYS).cleanDays(4);
        return b.build();
    }

    /** Writes and analyses the site into the influxd at {@code influx}; {@code dir} holds the config and spool. */
    static SimulatedMonth write(URI influx, Path dir) throws Exception {
        SiteSpec spec = spec();
        Path config = Files.writeString(dir.resolve("site.yaml"), config(spec, influx, dir.resolve("spool")));
        Settings settings = Settings.load(config);
        SyntheticSite site = new SyntheticSite(spec);
        InfluxSink sink = new InfluxSink(new InfluxWriter(settings.influx()), settings.spool(), Clock.systemUTC());
        sink.start();
        long[] count = {0};
        try (Batcher batcher = new Batcher(settings.topology(), sink, settings.batch(), f -> {})) {
            List<Sample> batch = new ArrayList<>(5000);
            site.run(p -> {
                batch.add(sample(p));
                count[0]++;
                if (batch.size() == 5000) {
                    batcher.add(batch);
                    batch.clear();
                    awaitAcked(sink, count[0] - 100_000);
                }
            });
            batcher.add(batch);
        }
        awaitAcked(sink, count[0]);
        sink.close();
        Cli.Result r = Cli.run(
                "analyze",
                "--config",
                config.toString(),
                "--from",
                START.toString(),
                "--to",
                START.plusDays(DAYS).toString(),
                "--warmup",
                "0s");
        if (r.code() != 0) {
            throw new AssertionError("analyze failed: " + r.err());
        }
        lateHostAndGap(influx);
        return new SimulatedMonth(site, config);
    }

    /** The host added mid-month: its outlet and agent write from local midnight of 4 March. */
    static final String LATE_HOST = "gpu-new";

    static final long LATE_FROM =
            LocalDate.of(2026, 3, 4).atStartOfDay(spec().zone()).toInstant().toEpochMilli();
    static final long LATE_TO =
            LocalDate.of(2026, 3, 7).atStartOfDay(spec().zone()).toInstant().toEpochMilli();
    /** Its counter's rise from its first reading to its last: 0.5 kWh an hour. */
    static final double LATE_KWH = (LATE_TO - 60_000 - LATE_FROM) / 3_600_000.0 * 0.5;
    /** The hours in which gpu-005's outlet wrote nothing (its points deleted): a gap in the month's data. */
    static final long GAP_FROM = java.time.Instant.parse("2026-03-03T09:00:00Z").toEpochMilli();

    static final long GAP_TO = java.time.Instant.parse("2026-03-03T15:00:00Z").toEpochMilli();

    /**
     * After the analysis, as the store would hold them: a host added on 4 March (an outlet on the spare channel
     * of r02's PDU, and its agent), and six hours of gpu-005's outlet lost.
     */
    private static void lateHostAndGap(URI influx) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (long t = LATE_FROM; t < LATE_TO; t += 60_000) {
            double kwh = 100 + (t - LATE_FROM) / 3_600_000.0 * 0.5;
            sb.append(String.format(
                    java.util.Locale.ROOT,
                    "meter,device=pdu-r02,channel=23,kind=outlet,host=%s,rack=r02,room=hall-a,site=lab"
                            + " power_w=500,energy_kwh=%.6f %d%n",
                    LATE_HOST,
                    kwh,
                    t));
            sb.append(String.format(
                    java.util.Locale.ROOT,
                    "host,host=%s,rack=r02,room=hall-a,site=lab cpu_util_pct=50 %d%n",
                    LATE_HOST,
                    t));
        }
        io.wattguard.testing.TinySite.write(influx, DB, sb.toString());
        String delete =
                "DELETE FROM meter WHERE host = 'gpu-005' AND time >= " + GAP_FROM + "ms AND time < " + GAP_TO + "ms";
        java.net.http.HttpResponse<String> r = java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(influx.resolve("/query?db=" + DB + "&q="
                                        + java.net.URLEncoder.encode(delete, java.nio.charset.StandardCharsets.UTF_8)))
                                .POST(java.net.http.HttpRequest.BodyPublishers.noBody())
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200 || r.body().contains("error")) {
            throw new AssertionError("DELETE failed: " + r.body());
        }
    }

    /** The mining the simulator injected, in March. */
    List<Label> miningInMarch() {
        long from = LocalDate.of(2026, 3, 1)
                .atStartOfDay(site.spec().zone())
                .toInstant()
                .toEpochMilli();
        return site.miningLabels().stream().filter(l -> l.startMs() >= from).toList();
    }

    private static void awaitAcked(InfluxSink sink, long target) {
        long end = System.nanoTime() + 300_000_000_000L;
        while (sink.stats().pointsWritten.get() + sink.stats().deadLetterPoints.get() + sink.spoolDroppedPoints()
                < target) {
            if (System.nanoTime() > end) {
                throw new AssertionError("InfluxDB took too long: " + sink.stats().lastError);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    private static Sample sample(SitePoint p) {
        Sample.Builder b = Sample.builder(p.measurement()).time(p.timeMs()).tags(p.tags());
        for (Map.Entry<String, Object> f : p.fields().entrySet()) {
            b.fieldObject(f.getKey(), f.getValue());
        }
        return b.build();
    }

    private static String config(SiteSpec spec, URI influx, Path spool) {
        StringBuilder y = new StringBuilder();
        y.append("instance: report-test\n")
                .append("influxdb: {url: \"")
                .append(influx)
                .append("\", database: ")
                .append(DB)
                .append("}\n")
                .append("spool: {dir: \"")
                .append(spool)
                .append("\"}\n")
                .append(spec.topologyYaml());
        y.append("business:\n  zone: ")
                .append(spec.zone())
                .append("\n  hours:\n    - \"mon,tue,wed,thu,fri 08:00-18:00\"\n");
        if (!spec.holidays().isEmpty()) {
            y.append("  holidays:\n");
            spec.holidays().forEach(d -> y.append("    - ").append(d).append('\n'));
        }
        y.append("analysis:\n  warmup: 0s\n  tariff:\n    currency: EUR\n    price_per_kwh: 0.20\n")
                .append(
                        "    time_of_use:\n      - {days: mon-fri, from: \"08:00\", to: \"20:00\", price_per_kwh: 0.30}\n");
        return y.toString();
    }
}

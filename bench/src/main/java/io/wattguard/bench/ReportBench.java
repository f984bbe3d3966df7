package io.wattguard.bench;

import io.wattguard.cli.Main;
import io.wattguard.influx.PrivateInfluxd;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;

/**
 * {@code wattguard report} for one month of a large site (issue 15: a month of 1,000 hosts in at most 60 s), timed
 * as an operator runs it (html, csv and pdf, English), beside a raw {@code SELECT *} of the same month of every
 * measurement the report summarises ({@code meter}, {@code baseline}, {@code anomaly}), in the same run.
 *
 * <pre>ReportBench HOSTS DAYS [LOAD_THREADS]</pre>
 *
 * The data is {@link LeanDataset} from 1 October 2026 (UTC), analysed by {@code analyze} as {@link GrafanaBench}
 * does, plus the rack inlet and room meters a report reads its energy from ({@link LeanDataset#loadMeters}). The
 * month reported is October 2026; fewer than 31 days make it a partial month. With
 * {@code -Dwattguard.bench.data=DIR} the data is kept in DIR and reused, GrafanaBench's included. A benchmark, not a
 * test: it prints.
 */
public final class ReportBench {
    private static final long FROM = Instant.parse("2026-10-01T00:00:00Z").toEpochMilli();
    private static final long MONTH_TO = Instant.parse("2026-11-01T00:00:00Z").toEpochMilli();
    private static final String DB = "lean";

    public static void main(String[] args) throws Exception {
        int hosts = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int days = args.length > 1 ? Integer.parseInt(args[1]) : 31;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        long to = FROM + days * 86_400_000L;
        LeanDataset data = new LeanDataset(hosts, FROM, to);
        System.out.printf(
                Locale.ROOT,
                "report bench: month 2026-10 of %d hosts x %d days at 1 min (%,d points of meter, gpu,"
                        + " business_load, plus rack and room meters)%n",
                hosts,
                days,
                data.points());
        String keep = System.getProperty("wattguard.bench.data");
        try (PrivateInfluxd influxd =
                keep == null ? PrivateInfluxd.startTemporary() : PrivateInfluxd.startIn(Path.of(keep))) {
            // A folder GrafanaBench loaded and analysed is reused as it is.
            GrafanaBench.loadAndAnalyseOnce(influxd, data, hosts, days, threads, to);
            Path meters = influxd.dir().resolve("report-meters-" + hosts + "x" + days);
            if (!Files.exists(meters)) {
                long t0 = System.nanoTime();
                long n = data.loadMeters(influxd.url(), DB);
                System.out.printf(
                        Locale.ROOT,
                        "load rack and room meters: %,d points in %.1f s (not measured)%n",
                        n,
                        (System.nanoTime() - t0) / 1e9);
                Files.writeString(meters, "");
            }

            Path dir = Files.createTempDirectory("wattguard-report-bench-");
            Path config = dir.resolve("wattguard.yaml");
            Files.writeString(config, """
                    influxdb: {url: %s, database: %s}
                    spool: {dir: %s}
                    http: {enabled: false}
                    business: {zone: UTC}
                    analysis:
                      tariff: {currency: EUR, price_per_kwh: 0.20, time_of_use: [{days: mon-fri, from: "08:00", to: "20:00", price_per_kwh: 0.30}]}
                    """.formatted(influxd.url(), DB, dir.resolve("spool")), StandardCharsets.UTF_8);
            Path out = dir.resolve("out");
            StringWriter so = new StringWriter();
            StringWriter se = new StringWriter();
            long t0 = System.nanoTime();
            int code = Main.execute(
                    new PrintWriter(so, true),
                    new PrintWriter(se, true),
                    "report",
                    "--config",
                    config.toString(),
                    "--month",
                    "2026-10",
                    "--out",
                    out.toString(),
                    "--format",
                    "html,csv,pdf",
                    "--lang",
                    "en");
            double reportS = (System.nanoTime() - t0) / 1e9;
            if (code != 0) {
                throw new IllegalStateException("report exited " + code + ": " + se);
            }
            long bytes = 0;
            StringBuilder files = new StringBuilder();
            try (var list = Files.list(out)) {
                for (Path f : list.sorted().toList()) {
                    bytes += Files.size(f);
                    files.append(String.format(Locale.ROOT, "%s %,d B; ", f.getFileName(), Files.size(f)));
                }
            }
            String html = Files.readString(out.resolve("report-2026-10.en.html"));
            System.out.printf(Locale.ROOT, "wattguard report 2026-10 (html,csv,pdf; en): %.1f s; %s%n", reportS, files);
            System.out.printf(
                    Locale.ROOT,
                    "  in the report: energy %s kWh, unexplained %s kWh, %s episodes%n",
                    figure(html, "energy"),
                    figure(html, "unexplained"),
                    figure(html, "episodes"));

            // The raw read of the same month of what the report summarises, streamed.
            String month = "time >= " + FROM + "ms AND time < " + MONTH_TO + "ms";
            long rawRows = 0;
            double rawS = 0;
            for (String m : List.of("meter", "baseline", "anomaly")) {
                long r0 = System.nanoTime();
                long rows = GrafanaBench.rows(influxd.url(), "SELECT * FROM \"" + m + "\" WHERE " + month);
                double s = (System.nanoTime() - r0) / 1e9;
                rawRows += rows;
                rawS += s;
                System.out.printf(Locale.ROOT, "  raw SELECT * FROM %s of the month: %.1f s, %,d rows%n", m, s, rows);
            }
            System.out.printf(
                    Locale.ROOT,
                    "raw SELECT * of the month (meter, baseline, anomaly): %.1f s, %,d rows; report/raw time %.2f;"
                            + " target: report <= 60 s at 1,000 hosts x 31 days: %s%n",
                    rawS,
                    rawRows,
                    reportS / rawS,
                    hosts >= 1000 && days >= 30 ? (reportS <= 60 ? "met" : "NOT met") : "(not this size)");
            Files.walk(dir).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile()
                    .delete());
        }
    }

    private static String figure(String html, String name) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                        "data-figure=\"" + name + "\" data-value=\"([^\"]+)\"")
                .matcher(html);
        return m.find() ? m.group(1) : "?";
    }
}

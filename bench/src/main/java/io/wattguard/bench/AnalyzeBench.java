package io.wattguard.bench;

import io.wattguard.analytics.AnalysisOutput;
import io.wattguard.analytics.AnalysisSettings;
import io.wattguard.analytics.Analyzer;
import io.wattguard.analytics.Readings;
import io.wattguard.analytics.Schedule;
import io.wattguard.analytics.StepAssembler;
import io.wattguard.cli.Main;
import io.wattguard.influx.PrivateInfluxd;
import io.wattguard.store.InfluxSettings;
import io.wattguard.store.read.StoreReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/**
 * {@code analyze} over the lean dataset (DESIGN.md §6: 30 days x 1,000 hosts at 1-minute resolution in <= 60 s
 * including the InfluxDB reads, on this 2-core machine with influxd 1.6.7).
 *
 * <pre>AnalyzeBench HOSTS DAYS LOAD_THREADS [probe] [write] [window=Nh]</pre>
 *
 * Starts a private influxd, loads per host and minute one outlet {@code meter}, one {@code gpu} and one
 * {@code business_load} point (load time reported apart, not part of the target), then:
 * <ol>
 * <li>reads alone: one pass of {@link StoreReader} over the range into a no-op {@link Readings}, window by window
 * as {@code analyze} reads (1 h);
 * <li>{@code analyze} end to end, in process, through {@link Main#execute} as the CLI runs it ({@code --warmup 0s},
 * {@code --dry-run} unless {@code write} is given, so the figure is reads + analysis);
 * <li>pure scoring: the same host-steps fed through {@link StepAssembler} and {@link Analyzer} in memory, on one
 * thread, as host-steps/s per core.
 * </ol>
 * With {@code probe} it first compares raw read alternatives ({@link ReadProbe}). With
 * {@code -Dwattguard.bench.data=DIR} the data is kept in DIR and reused by the next run of the same size.
 */
public final class AnalyzeBench {
    private static final long FROM = Instant.parse("2026-10-01T00:00:00Z").toEpochMilli();
    private static final String DB = "lean";

    public static void main(String[] args) throws Exception {
        int hosts = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int days = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        boolean probe = java.util.Arrays.asList(args).contains("probe");
        boolean write = java.util.Arrays.asList(args).contains("write");
        // read_window of the analysis (1 h by default); also the window of the reads-alone pass
        long windowH = java.util.Arrays.stream(args)
                .filter(a -> a.startsWith("window="))
                .mapToLong(a -> Long.parseLong(a.substring(7).replace("h", "")))
                .findFirst()
                .orElse(1);
        long windowMs = windowH * 3_600_000L;
        long to = FROM + days * 86_400_000L;
        LeanDataset data = new LeanDataset(hosts, FROM, to);
        String keep = System.getProperty("wattguard.bench.data");
        System.out.printf(
                Locale.ROOT,
                "analyze bench: %d hosts x %d days at 1 min, %,d points (meter, gpu, "
                        + "business_load per host-minute)%n",
                hosts,
                days,
                data.points());
        try (PrivateInfluxd influxd =
                keep == null ? PrivateInfluxd.startTemporary() : PrivateInfluxd.startIn(Path.of(keep))) {
            Path marker = influxd.dir().resolve("loaded-" + hosts + "x" + days);
            if (Files.exists(marker)) {
                System.out.println("load: reusing " + influxd.dir());
            } else {
                long t0 = System.nanoTime();
                long n = data.load(influxd.url(), DB, threads);
                double s = (System.nanoTime() - t0) / 1e9;
                System.out.printf(
                        Locale.ROOT,
                        "load: %,d points in %.1f s, %,.0f points/s with %d threads " + "(not part of the target)%n",
                        n,
                        s,
                        n / s,
                        threads);
                Files.writeString(marker, "");
            }
            if (probe) {
                probe(influxd, to);
                if (java.util.Arrays.asList(args).contains("probe-only")) {
                    return;
                }
            }
            InfluxSettings influx = InfluxSettings.local(influxd.url(), DB);

            // 1. reads alone, after a day's pass that warms influxd's caches and the JIT
            double readS = 0;
            long rows = 0;
            Cpu readCpu = null;
            for (int pass = 0; pass < 2; pass++) {
                readCpu = new Cpu();
                long t0 = System.nanoTime();
                try (StoreReader reader = new StoreReader(influx, 10_000, System::currentTimeMillis)) {
                    long end = pass == 0 ? Math.min(to, FROM + 86_400_000L) : to; // a day to warm up, then all
                    for (long a = FROM; a < end; a += windowMs) {
                        reader.read(a, Math.min(end, a + windowMs), NO_OP);
                    }
                    rows = reader.rows();
                }
                readS = (System.nanoTime() - t0) / 1e9;
            }
            System.out.printf(
                    Locale.ROOT,
                    "reads alone (%d h windows): %,d rows in %.2f s, %,.0f rows/s; %s%n",
                    windowH,
                    rows,
                    readS,
                    rows / readS,
                    readCpu.report(rows));

            // 2. analyze end to end, as the CLI
            Path dir = Files.createTempDirectory("wattguard-analyze-bench-");
            Path config = dir.resolve("wattguard.yaml");
            Files.writeString(
                    config,
                    """
                    influxdb: {url: %s, database: %s}
                    spool: {dir: %s}
                    http: {enabled: false}
                    analysis: %s
                    """.formatted(
                                    influxd.url(),
                                    DB,
                                    dir.resolve("spool"),
                                    windowH == 1 ? "{}" : "{read_window: " + windowH + "h}"),
                    StandardCharsets.UTF_8);
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            String[] cli = write
                    ? new String[] {
                        "analyze",
                        "--config",
                        config.toString(),
                        "--from",
                        Instant.ofEpochMilli(FROM).toString(),
                        "--to",
                        Instant.ofEpochMilli(to).toString(),
                        "--warmup",
                        "0s"
                    }
                    : new String[] {
                        "analyze",
                        "--config",
                        config.toString(),
                        "--from",
                        Instant.ofEpochMilli(FROM).toString(),
                        "--to",
                        Instant.ofEpochMilli(to).toString(),
                        "--warmup",
                        "0s",
                        "--dry-run"
                    };
            Cpu analyzeCpu = new Cpu();
            long t0 = System.nanoTime();
            int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), cli);
            double totalS = (System.nanoTime() - t0) / 1e9;
            if (code != 0) {
                throw new IllegalStateException("analyze exited " + code + ": " + err);
            }
            System.out.println("analyze " + analyzeCpu.report(rows));
            String summary = out.toString().lines().reduce((x, y) -> y).orElse("");
            double analysisS = Math.max(0, totalS - readS);
            double hostDays = (double) hosts * days;
            double scaled = totalS * (1000.0 * 30) / hostDays;
            System.out.printf(
                    Locale.ROOT,
                    "analyze%s: %.2f s in all, %,d rows read, %,.0f rows/s; reads %.2f s "
                            + "(measured alone), analysis %.2f s (the rest); %s%n",
                    write ? "" : " --dry-run",
                    totalS,
                    rows,
                    rows / totalS,
                    readS,
                    analysisS,
                    summary);
            System.out.printf(
                    Locale.ROOT,
                    "target: scaled linearly to 1,000 hosts x 30 days: %.0f s (reads %.0f s, "
                            + "analysis %.0f s) = %.2fx the 60 s budget%n",
                    scaled,
                    readS * 30_000 / hostDays,
                    analysisS * 30_000 / hostDays,
                    scaled / 60);
            Files.walk(dir).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile()
                    .delete());
        }

        // 3. pure scoring, no InfluxDB
        long steps = (long) hosts * days * 1440;
        if (java.util.Arrays.asList(args).contains("probe-only")) {
            return;
        }
        double s = scoring(data);
        System.out.printf(
                Locale.ROOT,
                "pure scoring: %,d host-steps in %.2f s on one thread = %,.0f host-steps/s " + "per core%n",
                steps,
                s,
                steps / s);
    }

    /** Feeds the dataset's values through the assembler and analyzer as the store reader would, hour by hour. */
    private static double scoring(LeanDataset data) {
        AnalysisSettings settings = AnalysisSettings.defaults();
        Analyzer analyzer = new Analyzer(settings, Schedule.always(), Map.of(), Map.of(), AnalysisOutput.NONE);
        StepAssembler steps = new StepAssembler(settings.stepMs(), analyzer::step);
        String[] host = new String[data.hosts];
        String[] rack = new String[data.hosts];
        String[] room = new String[data.hosts];
        String[] channel = new String[data.hosts];
        String[] device = new String[data.hosts];
        for (int h = 0; h < data.hosts; h++) {
            host[h] = LeanDataset.host(h);
            rack[h] = LeanDataset.rack(h);
            room[h] = LeanDataset.room(h);
            channel[h] = "o" + h % LeanDataset.HOSTS_PER_RACK;
            device[h] = "pdu-" + rack[h];
        }
        double[] v = new double[7];
        long t0 = System.nanoTime();
        for (long a = data.fromMs; a < data.toMs; a += 3_600_000L) {
            long b = Math.min(data.toMs, a + 3_600_000L);
            for (long t = a; t < b; t += 60_000) {
                for (int h = 0; h < data.hosts; h++) {
                    data.values(h, t, v);
                    steps.gpu(new Readings.GpuReading(
                            t, host[h], rack[h], room[h], "0", "NVIDIA A100-SXM4-80GB", v[0], v[1], v[2], 400, v[3]));
                    steps.meter(new Readings.MeterReading(
                            t, device[h], channel[h], "outlet", host[h], rack[h], room[h], v[4], v[5]));
                    steps.businessLoad(new Readings.BusinessLoadReading(t, host[h], "host", "allowlist", v[6]));
                }
            }
            steps.advanceTo(b);
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void probe(PrivateInfluxd influxd, long to) throws Exception {
        ReadProbe p = new ReadProbe(influxd.url(), DB);
        p.run(FROM, Math.min(to, FROM + 86_400_000L), 3_600_000L, 10_000, false, false, 1); // warm
        Object[][] variants = {
            // window ms, chunk, groupBy, msgpack, parallel
            {3_600_000L, 10_000, false, false, 1},
            {3_600_000L, 10_000, true, false, 1},
            {3_600_000L, 10_000, false, true, 1},
            {3_600_000L, 10_000, true, true, 1},
            {3_600_000L, 10_000, true, true, 3},
            {3_600_000L, 10_000, false, false, 3},
            {3_600_000L, 1_000, true, true, 1},
            {6 * 3_600_000L, 10_000, false, false, 1},
            {6 * 3_600_000L, 10_000, true, true, 1},
            {6 * 3_600_000L, 10_000, true, true, 3},
        };
        System.out.println("read alternatives (gpu, meter, business_load over the whole range):");
        for (Object[] v : variants) {
            Cpu cpu = new Cpu();
            double rate = p.run(FROM, to, (Long) v[0], (Integer) v[1], (Boolean) v[2], (Boolean) v[3], (Integer) v[4]);
            System.out.printf(
                    Locale.ROOT,
                    "  window %3d h, chunk %,6d, %-17s %-8s %d-way: %,10.0f rows/s (%,d rows)%n",
                    (Long) v[0] / 3_600_000L,
                    (Integer) v[1],
                    (Boolean) v[2] ? "GROUP BY tags," : "tags as columns,",
                    (Boolean) v[3] ? "msgpack," : "JSON,",
                    (Integer) v[4],
                    rate,
                    p.rows);
            System.out.println("      " + cpu.report(p.rows));
        }
    }

    /** CPU seconds of this JVM and of its influxd child since creation: a cost that other load on the machine does not inflate. */
    static final class Cpu {
        private final long jvm0 = jvmNanos();
        private final long influx0 = influxNanos();

        static long jvmNanos() {
            return ((com.sun.management.OperatingSystemMXBean)
                            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
        }

        static long influxNanos() {
            return ProcessHandle.current()
                    .children()
                    .filter(p -> p.info().command().orElse("").endsWith("influxd"))
                    .mapToLong(p -> p.info()
                            .totalCpuDuration()
                            .map(java.time.Duration::toNanos)
                            .orElse(0L))
                    .sum();
        }

        String report(long rows) {
            double j = (jvmNanos() - jvm0) / 1e9;
            double i = (influxNanos() - influx0) / 1e9;
            return String.format(
                    Locale.ROOT, "cpu: influxd %.2f s, java %.2f s = %,.0f rows per cpu-second", i, j, rows / (i + j));
        }
    }

    private static final Readings NO_OP = new Readings() {
        @Override
        public void gpu(GpuReading r) {}

        @Override
        public void host(HostReading r) {}

        @Override
        public void meter(MeterReading r) {}

        @Override
        public void businessLoad(BusinessLoadReading r) {}

        @Override
        public void evidence(EvidenceReading r) {}

        @Override
        public void process(ProcessReading r) {}
    };
}

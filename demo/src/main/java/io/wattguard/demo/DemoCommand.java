package io.wattguard.demo;

import io.wattguard.analytics.Episode;
import io.wattguard.cli.AnalyzeCommand;
import io.wattguard.cli.Failure;
import io.wattguard.cli.Main;
import io.wattguard.cli.Progress;
import io.wattguard.cli.UserError;
import io.wattguard.core.Sample;
import io.wattguard.daemon.Batcher;
import io.wattguard.daemon.Daemon;
import io.wattguard.daemon.Settings;
import io.wattguard.influx.PrivateInfluxd;
import io.wattguard.simulator.site.Detection;
import io.wattguard.simulator.site.Scorer;
import io.wattguard.simulator.site.SitePoint;
import io.wattguard.simulator.site.SiteSpec;
import io.wattguard.simulator.site.SyntheticSite;
import io.wattguard.store.write.InfluxSink;
import io.wattguard.store.write.InfluxWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.influxdb.dto.QueryResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "The whole product on this machine, nothing to install or configure by hand.",
            "",
            "History: starts a private InfluxDB (loopback, free port, its own folder) and",
            "writes a simulated site for the last --days days and today up to now, at",
            "1-minute resolution: 12 hosts of three hardware models in two racks with PDUs,",
            "business load, backups, holidays, and one episode of each mining scenario,",
            "through the real batcher, spool and InfluxDB sink. Then it runs the detection",
            "and prints the episodes found next to the simulator's ground truth.",
            "",
            "Live (--live minutes): the site goes on in real time behind real protocols,",
            "collected by the real daemon: the racks' PDUs over Modbus TCP, the room meter",
            "over OPC UA (Basic256Sha256, SignAndEncrypt, a user name; its certificate",
            "trusted the documented way), the GPU hosts through NVML (the C test double of",
            "libnvidia-ml.so.1), the scheduler's load pushed to /api/v1/business-load. The",
            "daemon analyses at 10-second steps and a line per step shows the power and the",
            "open episodes; a miner starts on one GPU host, and its alert and evidence are",
            "printed when it is found. Then: this month's report (HTML, PDF, CSV), /health,",
            "/metrics and how to point Grafana at the demo's InfluxDB.",
            "",
            "When it ends (or on Ctrl-C) it stops everything it started and removes its",
            "folder, unless --dir names one to keep. --keep-running keeps InfluxDB, the",
            "site and the daemon running in real time until Ctrl-C.",
            "",
            "Needs gcc and NVIDIA's nvml.h in build/nvml (scripts/setup.sh demo, which",
            "./wattguard runs, installs both). Memory: the default heap (256 MB) is",
            "enough; WATTGUARD_JAVA_OPTS sets another."
        },
        footer = {
            "",
            "Examples:",
            "  wattguard demo",
            "  wattguard demo --days 28 --live 10 --keep-running",
            "  wattguard demo --dir /tmp/wg-demo"
        })
final class DemoCommand implements java.util.concurrent.Callable<Integer> {
    @Option(
            names = "--days",
            defaultValue = "14",
            paramLabel = "N",
            description = "days of simulated history to write and analyse (default: ${DEFAULT-VALUE})")
    int days;

    @Option(
            names = "--live",
            defaultValue = "4",
            paramLabel = "M",
            description = "minutes of the live site after the history; a miner starts on a GPU host once the"
                    + " daemon's analysis is live (default: ${DEFAULT-VALUE}; 0: no live part)")
    int liveMinutes;

    @Option(
            names = "--keep-running",
            description = "afterwards, keep InfluxDB, the live site and the daemon running in real time until Ctrl-C")
    boolean keepRunning;

    @Option(
            names = "--dir",
            paramLabel = "DIR",
            description =
                    "keep InfluxDB's data, the spool and the config here (default: a temporary folder, removed at the end)")
    Path dir;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private java.io.PrintWriter out;
    /** How the user runs us, for lines they can paste: the launcher says (./wattguard), else "wattguard". */
    private String cmd;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        if (days < 1 || days > 366) {
            throw new UserError("demo: --days must be from 1 to 366, found " + days);
        }
        if (liveMinutes < 0 || liveMinutes > 1440) {
            throw new UserError("demo: --live must be from 0 to 1440 minutes, found " + liveMinutes);
        }
        cmd = Main.env(spec).getOrDefault("WATTGUARD_CMD", "wattguard");
        Path home = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("wattguard-demo-");
        // Ctrl-C, SIGTERM and any failure take the same way out: influxd stopped, a temporary folder removed.
        Cleanup cleanup = new Cleanup(dir == null ? home : null);
        Thread hook = new Thread(cleanup::run, "wattguard-demo-cleanup");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            PrivateInfluxd influxd;
            try {
                influxd = PrivateInfluxd.startIn(home.resolve("influxdb"));
            } catch (IllegalStateException e) {
                throw new UserError("demo: " + e.getMessage());
            } catch (IOException e) {
                throw new Failure("demo: cannot start its InfluxDB: " + e.getMessage());
            }
            cleanup.influxd = influxd;
            int httpPort = PrivateInfluxd.freePort();
            SiteSpec site = DemoSite.spec(days);
            String influxUrl = influxd.url().toString();
            String spoolDir = home.resolve("spool").toString();
            String listen = "127.0.0.1:" + httpPort;
            Path config = Files.writeString(
                    home.resolve("wattguard.yaml"), DemoSite.config(site, influxUrl, spoolDir, listen));
            Settings settings = Settings.load(config);
            Clock clock = Clock.systemUTC();
            SyntheticSite simulated = new SyntheticSite(site);
            SyntheticSite today = new SyntheticSite(DemoSite.today(site));
            // The history runs up to now: the simulated days, then today so far from the live site's model.
            long now = LiveSite.tickStart(clock.millis());
            LiveSite.Counters counters = new LiveSite.Counters();
            long points = backfill(settings, clock, simulated, today, now, counters);
            List<Episode> episodes = analyse(settings, site.startMs(), now);
            printSummary(home, influxd, config, settings, site, now, points, episodes.size());
            String score = printEpisodes(simulated, episodes, settings);
            // Live: the site behind its protocols, the real daemon collecting and analysing it.
            LiveSite live;
            try {
                live = new LiveSite(today, counters, clock, home);
            } catch (AssertionError e) { // the NVML double could not be built: say how to get what it needs
                throw new Failure("demo: " + e.getMessage());
            }
            cleanup.live = live;
            Files.writeString(config, DemoSite.config(site, influxUrl, spoolDir, listen, live.sourcesYaml()));
            Settings liveSettings = Settings.load(config);
            // The minutes between the end of the history above and the live site's first tick, as agents would
            // have written them.
            catchUp(liveSettings, clock, today, now, LiveSite.tickStart(clock.millis()), counters);
            LiveRun run = new LiveRun(out, spec.commandLine().getErr(), home, liveSettings, clock, live, cleanup);
            LiveRun.Result result = run.run(Duration.ofMinutes(liveMinutes));
            printReport(liveSettings, clock, home);
            out.println();
            out.println("The history's episodes against its ground truth (the table above):");
            score.lines()
                    .filter(l -> l.startsWith("overall") || l.startsWith("detections"))
                    .forEach(l -> out.println("  " + l));
            run.printEnd(result);
            if (keepRunning) {
                run.keepRunning(cmd, config, days);
            } else {
                printTry();
            }
            return 0;
        } finally {
            cleanup.run();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // already shutting down: the hook runs the same idempotent cleanup
            }
        }
    }

    /** Stops the live daemon and influxd, then removes the demo's folder if it is a temporary one. Idempotent. */
    static final class Cleanup implements Runnable {
        private final Path temporary;
        volatile PrivateInfluxd influxd;
        volatile Daemon daemon;
        volatile LiveSite live;
        volatile AutoCloseable agents;
        private boolean done;

        Cleanup(Path temporary) {
            this.temporary = temporary;
        }

        /** Whether the demo's folder goes when the demo ends (no {@code --dir}). */
        boolean removesFolder() {
            return temporary != null;
        }

        @Override
        public synchronized void run() {
            if (done) {
                return;
            }
            done = true;
            // The daemon first (its sources stop polling), then the servers it polled and the agents' writer.
            if (daemon != null) {
                daemon.close();
            }
            if (live != null) {
                live.close();
            }
            if (agents != null) {
                try {
                    agents.close();
                } catch (Exception e) {
                    System.err.println("demo: stopping the agents' writer: " + e.getMessage());
                }
            }
            if (influxd != null) {
                influxd.close();
            }
            if (temporary != null) {
                try {
                    PrivateInfluxd.deleteTree(temporary);
                } catch (IOException e) {
                    System.err.println("demo: could not remove " + temporary + ": " + e.getMessage());
                }
            }
        }
    }

    private long backfill(
            Settings settings, Clock clock, SyntheticSite site, SyntheticSite today, long untilMs, LiveSite.Counters c)
            throws Exception {
        SiteSpec s = site.spec();
        java.time.ZoneId zone = settings.schedule().zone();
        long[] count = {0};
        // The counters' last values over the history's last day, not only its last minute: a meter silent then (a
        // simulated dropout) would otherwise start live from the live site's own base, thousands of kWh away.
        long lastDay = s.endMs() - Duration.ofDays(1).toMillis();
        Progress bar = new Progress(spec.commandLine().getErr(), "history", untilMs - s.startMs());
        long[] hour = {Long.MIN_VALUE};
        long written = write(settings, clock, add -> {
            Consumer<SitePoint> each = p -> {
                add.accept(p);
                count[0]++;
                if (p.timeMs() / 3_600_000 != hour[0]) {
                    hour[0] = p.timeMs() / 3_600_000;
                    bar.update(
                            p.timeMs() - s.startMs(),
                            LocalDate.ofInstant(Instant.ofEpochMilli(p.timeMs()), zone) + "  "
                                    + String.format("%,d", count[0]) + " points");
                }
            };
            site.run(p -> {
                if (p.timeMs() >= lastDay) {
                    c.see(p); // the counters the live site carries on from
                }
                each.accept(p);
            });
            today.run(s.endMs(), untilMs, p -> each.accept(c.join(p)));
        });
        bar.done(String.format("%,d points written", written));
        return count[0];
    }

    /** Writes today's points in {@code [fromMs, toMs)}: the minutes the history and the analysis took to run. */
    private void catchUp(
            Settings settings, Clock clock, SyntheticSite today, long fromMs, long toMs, LiveSite.Counters c)
            throws Exception {
        write(settings, clock, add -> today.run(fromMs, toMs, p -> add.accept(c.join(p))));
    }

    private interface Producer {
        void run(Consumer<SitePoint> add) throws Exception;
    }

    /** Sends what {@code producer} makes through the real batcher, spool and sink; returns the points InfluxDB took. */
    private static long write(Settings settings, Clock clock, Producer producer) throws Exception {
        InfluxSink sink = new InfluxSink(new InfluxWriter(settings.influx()), settings.spool(), clock);
        sink.start();
        long[] count = {0};
        try (Batcher batcher = new Batcher(settings.topology(), sink, settings.batch(), f -> {})) {
            List<Sample> batch = new ArrayList<>(CHUNK);
            AckPacer pacer = new AckPacer(sink);
            producer.run(p -> {
                batch.add(DemoSite.sample(p));
                count[0]++;
                if (batch.size() == CHUNK) {
                    batcher.add(batch);
                    batch.clear();
                    pacer.await(count[0] - UNACKED);
                }
            });
            batcher.add(batch);
        } catch (Batcher.Failed e) {
            sink.close();
            throw new Failure("demo: writing the history failed: " + e.getMessage());
        }
        try {
            new AckPacer(sink).await(count[0]);
        } finally {
            sink.close();
        }
        return sink.stats().pointsWritten.get();
    }

    /** Points handed to the batcher at a time. */
    private static final int CHUNK = 5000;
    /**
     * How far the simulator may run ahead of what InfluxDB has acknowledged. The simulator writes weeks in
     * seconds, far faster than InfluxDB takes them; pacing it by acknowledgements (not by the spool's size)
     * keeps the spool small and the heap flat whatever the machine's speed, with enough in flight that the
     * sender never waits for the simulator.
     */
    private static final long UNACKED = 100_000;

    /** Waits until InfluxDB has acknowledged (written or refused for good) a number of points. */
    private static final class AckPacer {
        /** InfluxDB that takes nothing for this long has failed, for the demo's purposes. */
        private static final long STALL_NANOS = Duration.ofMinutes(2).toNanos();

        private final InfluxSink sink;

        AckPacer(InfluxSink sink) {
            this.sink = sink;
        }

        private long acked() {
            return sink.stats().pointsWritten.get()
                    + sink.stats().deadLetterPoints.get()
                    + sink.spoolDroppedPoints();
        }

        void await(long target) {
            long last = acked();
            long since = System.nanoTime();
            while (last < target) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new Failure("demo: interrupted while writing its history");
                }
                long now = acked();
                if (now != last) {
                    last = now;
                    since = System.nanoTime();
                } else if (System.nanoTime() - since > STALL_NANOS) {
                    throw new Failure("demo: its InfluxDB took nothing for 2 minutes: " + sink.stats().lastError);
                }
            }
        }
    }

    /** The same analysis as {@code wattguard analyze} over the whole history, writing its points back. */
    private List<Episode> analyse(Settings settings, long fromMs, long toMs) throws IOException {
        Progress bar = new Progress(spec.commandLine().getErr(), "analysis", toMs - fromMs);
        AnalyzeCommand.Outcome done = AnalyzeCommand.analyse(
                settings, settings.analysis().withWarmup(Duration.ZERO), fromMs, toMs, true, bar);
        bar.done(String.format(
                "%,d rows read, %,d analysis points written (baseline, gpu_rollup, anomaly)",
                done.rows(), done.written()));
        return done.episodes();
    }

    private void printSummary(
            Path home,
            PrivateInfluxd influxd,
            Path config,
            Settings settings,
            SiteSpec site,
            long untilMs,
            long points,
            int episodes) {
        java.time.ZoneId zone = settings.schedule().zone();
        java.time.format.DateTimeFormatter when = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");
        String range = "time >= " + site.startMs() + "ms AND time < " + untilMs + "ms";
        out.println();
        out.println("wattguard demo" + (dir == null ? " (its folder is removed when it ends; --dir keeps one)" : ""));
        out.println("  InfluxDB     " + influxd.url() + "  database 'wattguard'  (data in " + influxd.dir() + ")");
        out.println("  config       " + config);
        out.println("  spool        " + settings.spool().dir());
        out.println("  history      "
                + when.format(Instant.ofEpochMilli(site.startMs()).atZone(zone)) + " to "
                + when.format(Instant.ofEpochMilli(untilMs).atZone(zone)) + " " + zone + ", "
                + site.hosts().size() + " hosts in " + site.racks().size() + " racks, "
                + String.format("%,d", points) + " points at 1-minute resolution");
        try (InfluxWriter w = new InfluxWriter(settings.influx())) {
            out.println(
                    "  measured     " + stored(w, range, List.of("gpu", "gpu_process", "host", "meter")) + " points");
            out.println("  context      " + stored(w, range, List.of("business_load", "evidence")) + " points");
            out.println("  analysis     " + stored(w, range, List.of("baseline", "anomaly")) + " points, " + episodes
                    + " episodes");
        }
    }

    /** "gpu 40,320, host 17,280, ..." points as InfluxDB counts them. */
    private static String stored(InfluxWriter w, String range, List<String> measurements) {
        List<String> parts = new ArrayList<>();
        for (String m : measurements) {
            parts.add(m.replace('_', ' ') + " "
                    + String.format("%,d", points(w.query("SELECT count(*) FROM \"" + m + "\" WHERE " + range))));
        }
        return String.join(", ", parts);
    }

    /** count(*) counts each field; a point has at least one, so the largest field count is the point count. */
    private static long points(QueryResult r) {
        if (r.hasError() || r.getResults().isEmpty() || r.getResults().get(0).getSeries() == null) {
            return 0;
        }
        long max = 0;
        for (Object v : r.getResults().get(0).getSeries().get(0).getValues().get(0)) {
            if (v instanceof Number n) {
                max = Math.max(max, n.longValue());
            }
        }
        return max;
    }

    /** Prints the episodes and their score against the ground truth; returns the score's table. */
    private String printEpisodes(SyntheticSite site, List<Episode> episodes, Settings settings) {
        out.println();
        out.println("Episodes found by the detection (what '" + cmd + " analyze' prints):");
        AnalyzeCommand.printTable(out, episodes, settings.schedule().zone());
        List<Detection> detections = episodes.stream()
                .map(e -> new Detection(e.entity(), e.level(), e.kind(), e.startedMs(), e.detectedMs(), e.endedMs()))
                .toList();
        out.println();
        out.println("Against the simulator's ground truth (the detector never sees it):");
        String score = Scorer.score(site, detections).toString();
        out.println(score);
        return score;
    }

    private void printTry() {
        out.println("Try:");
        out.println("  " + cmd + " demo --keep-running   # keep InfluxDB and the daemon up, and explore them");
        if (days < 28) {
            out.println("  " + cmd + " demo --days 28        # four weeks of history: the baselines learn more");
        } else {
            out.println("  " + cmd + " demo --dir wg-demo    # keep its data in ./wg-demo after it ends");
        }
    }

    /** This month's report (the simulated days of it, and the live minutes), where it outlives the demo's folder. */
    private void printReport(Settings settings, Clock clock, Path home) throws IOException {
        java.time.ZoneId zone = settings.schedule().zone();
        io.wattguard.report.ReportMonth month = io.wattguard.report.ReportMonth.parse(
                java.time.YearMonth.now(clock.withZone(zone)).toString(), zone);
        Path outDir = dir != null
                ? home.resolve("report")
                : Path.of(System.getProperty("java.io.tmpdir"), "wattguard-demo-report");
        Progress bar = new Progress(spec.commandLine().getErr(), "report", io.wattguard.report.ReportReader.STEPS + 1);
        io.wattguard.report.MonthlyReport report;
        try (io.wattguard.report.ReportReader reader = new io.wattguard.report.ReportReader(
                settings.influx(),
                settings.analysis().settings().tariff(),
                clock::millis,
                settings.topology().site())) {
            report = reader.read(month, (step, of, what) -> bar.update(step, what));
        }
        if (dir == null && Files.isDirectory(outDir)) {
            PrivateInfluxd.deleteTree(outDir); // the last run's report: this one replaces it
        }
        List<Path> files = io.wattguard.report.Reports.write(
                report, "en", new java.util.LinkedHashSet<>(io.wattguard.report.Reports.FORMATS), outDir, null);
        bar.done(report.episodes().size() + " episodes, " + files.size() + " files");
        out.println();
        out.println("The monthly report for " + month + " (what '" + cmd + " report --month " + month
                + "' writes; the daemon writes last month's on the 1st with a report: section):");
        files.forEach(f -> out.println("  " + f));
    }
}

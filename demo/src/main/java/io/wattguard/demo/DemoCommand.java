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
import org.influxdb.dto.QueryResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "The whole pipeline on this machine, nothing to install or configure by hand.",
            "",
            "Starts a private InfluxDB (loopback, free port, its own folder) and writes",
            "a simulated site for the last --days days at 1-minute resolution: 12 hosts",
            "of three hardware models in two racks with PDUs, business load, backups,",
            "holidays, and one episode of each mining scenario. The points go through",
            "the real batcher, spool and InfluxDB sink. Then it runs the detection and",
            "prints the episodes found next to the simulator's ground truth.",
            "",
            "When it ends (or on Ctrl-C) it stops its InfluxDB and removes its folder,",
            "unless --dir names one to keep. With --keep-running the daemon analyses",
            "the store live, serving /health and /metrics and taking business load on",
            "POST /api/v1/business-load, until Ctrl-C.",
            "",
            "Memory: the default heap (256 MB) is enough; WATTGUARD_JAVA_OPTS sets another."
        },
        footer = {
            "",
            "Examples:",
            "  wattguard demo",
            "  wattguard demo --days 28 --keep-running",
            "  wattguard demo --dir /tmp/wg-demo"
        })
final class DemoCommand implements java.util.concurrent.Callable<Integer> {
    @Option(
            names = "--days",
            defaultValue = "14",
            paramLabel = "N",
            description = "days of simulated history to write and analyse (default: ${DEFAULT-VALUE})")
    int days;

    @Option(names = "--keep-running", description = "afterwards, keep the daemon analysing live until Ctrl-C")
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
            Path config = Files.writeString(
                    home.resolve("wattguard.yaml"),
                    DemoSite.config(
                            site,
                            influxd.url().toString(),
                            home.resolve("spool").toString(),
                            "127.0.0.1:" + httpPort));
            Settings settings = Settings.load(config);
            Clock clock = Clock.systemUTC();
            SyntheticSite simulated = new SyntheticSite(site);
            long points = backfill(settings, clock, simulated);
            List<Episode> episodes = analyse(settings, site);
            printSummary(home, influxd, config, settings, site, points, episodes.size());
            printEpisodes(simulated, episodes, settings);
            if (keepRunning) {
                runLive(settings, clock, cleanup, config, site.hosts().get(0).name());
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
    private static final class Cleanup implements Runnable {
        private final Path temporary;
        volatile PrivateInfluxd influxd;
        volatile Daemon daemon;
        private boolean done;

        Cleanup(Path temporary) {
            this.temporary = temporary;
        }

        @Override
        public synchronized void run() {
            if (done) {
                return;
            }
            done = true;
            if (daemon != null) {
                daemon.close();
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

    private long backfill(Settings settings, Clock clock, SyntheticSite site) throws Exception {
        SiteSpec s = site.spec();
        java.time.ZoneId zone = settings.schedule().zone();
        InfluxSink sink = new InfluxSink(new InfluxWriter(settings.influx()), settings.spool(), clock);
        sink.start();
        long[] count = {0};
        Progress bar = new Progress(spec.commandLine().getErr(), "history", s.endMs() - s.startMs());
        try (Batcher batcher = new Batcher(settings.topology(), sink, settings.batch(), f -> {})) {
            List<Sample> batch = new ArrayList<>(CHUNK);
            long[] hour = {Long.MIN_VALUE};
            AckPacer pacer = new AckPacer(sink);
            site.run(p -> {
                batch.add(DemoSite.sample(p));
                count[0]++;
                if (batch.size() == CHUNK) {
                    batcher.add(batch);
                    batch.clear();
                    pacer.await(count[0] - UNACKED);
                }
                if (p.timeMs() / 3_600_000 != hour[0]) {
                    hour[0] = p.timeMs() / 3_600_000;
                    bar.update(
                            p.timeMs() - s.startMs(),
                            LocalDate.ofInstant(Instant.ofEpochMilli(p.timeMs()), zone) + "  "
                                    + String.format("%,d", count[0]) + " points");
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
        bar.done(String.format("%,d points written", sink.stats().pointsWritten.get()));
        return count[0];
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
    private List<Episode> analyse(Settings settings, SiteSpec site) throws IOException {
        Progress bar = new Progress(spec.commandLine().getErr(), "analysis", site.endMs() - site.startMs());
        AnalyzeCommand.Outcome done = AnalyzeCommand.analyse(
                settings, settings.analysis().withWarmup(Duration.ZERO), site.startMs(), site.endMs(), true, bar);
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
            long points,
            int episodes) {
        java.time.ZoneId zone = settings.schedule().zone();
        java.time.format.DateTimeFormatter when = java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");
        String range = "time >= " + site.startMs() + "ms AND time < " + site.endMs() + "ms";
        out.println();
        out.println("wattguard demo" + (dir == null ? " (its folder is removed when it ends; --dir keeps one)" : ""));
        out.println("  InfluxDB     " + influxd.url() + "  database 'wattguard'  (data in " + influxd.dir() + ")");
        out.println("  config       " + config);
        out.println("  spool        " + settings.spool().dir());
        out.println("  history      "
                + when.format(Instant.ofEpochMilli(site.startMs()).atZone(zone)) + " to "
                + when.format(Instant.ofEpochMilli(site.endMs()).atZone(zone)) + " " + zone + ", "
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

    private void printEpisodes(SyntheticSite site, List<Episode> episodes, Settings settings) {
        out.println();
        out.println("Episodes found by the detection (what '" + cmd + " analyze' prints):");
        AnalyzeCommand.printTable(out, episodes, settings.schedule().zone());
        List<Detection> detections = episodes.stream()
                .map(e -> new Detection(e.entity(), e.level(), e.kind(), e.startedMs(), e.detectedMs(), e.endedMs()))
                .toList();
        out.println();
        out.println("Against the simulator's ground truth (the detector never sees it):");
        out.println(Scorer.score(site, detections));
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

    /** How to look at the demo's InfluxDB with the dashboards of grafana/ (grafana/README.md). */
    private void printGrafana(String influxUrl) {
        out.println("Grafana, with this repository's dashboards (grafana/README.md): install");
        out.println(
                "  grafana/provisioning/datasources/wattguard.yaml and grafana/provisioning/dashboards/wattguard.yaml");
        out.println(
                "  under /etc/grafana/provisioning/, grafana/dashboards/*.json in /var/lib/grafana/dashboards/wattguard/,");
        out.println("  and start Grafana on this machine with");
        out.println("  WATTGUARD_INFLUX_URL=" + influxUrl + " WATTGUARD_INFLUX_USER= WATTGUARD_INFLUX_PASSWORD=");
        out.println("  (the demo's site ends at midnight: set the time range to the history above)");
    }

    private void runLive(Settings settings, Clock clock, Cleanup cleanup, Path config, String host) throws Exception {
        Daemon daemon = new Daemon(settings, clock);
        cleanup.daemon = daemon;
        daemon.start();
        var addr = daemon.http().address();
        String base = "http://127.0.0.1:" + addr.getPort();
        out.println("Analysing live until Ctrl-C. Meanwhile, in another terminal, try:");
        // Every query we suggest is bounded on both sides: an open-ended GROUP BY time() can exhaust influxd's memory.
        out.println("  " + cmd + " analyze --config " + config + " --from now-" + days + "d --to now --dry-run");
        out.println("  " + cmd + " check-config --config " + config);
        out.println("  curl -sS " + base + "/health");
        out.println("  curl -sS " + base + "/metrics | grep wattguard_points_written");
        out.println("  curl -sS -X POST " + base + "/api/v1/business-load --data-binary " + "'business_load,entity="
                + host + ",level=host value=0.8'");
        printGrafana(settings.influx().url().toString());
        out.flush();
        Batcher.Failed f = daemon.failed().get(); // only a failure returns; Ctrl-C ends the JVM through the hook
        throw new Failure("demo: the daemon stopped: " + f.getMessage());
    }
}

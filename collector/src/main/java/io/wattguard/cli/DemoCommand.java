package io.wattguard.cli;

import io.wattguard.analytics.Episode;
import io.wattguard.core.Sample;
import io.wattguard.daemon.Batcher;
import io.wattguard.daemon.Daemon;
import io.wattguard.daemon.Settings;
import io.wattguard.simulator.site.Detection;
import io.wattguard.simulator.site.Scorer;
import io.wattguard.simulator.site.SiteSpec;
import io.wattguard.simulator.site.SyntheticSite;
import io.wattguard.influx.PrivateInfluxd;
import io.wattguard.sink.InfluxSink;
import io.wattguard.sink.InfluxWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.influxdb.dto.QueryResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The whole pipeline on this machine, with nothing to install or configure by hand.",
                "",
                "Starts a private InfluxDB (loopback, free port, its own folder), writes a simulated site",
                "(12 hosts of three hardware models in two racks with PDUs, business load, backups, holidays,",
                "and one episode of each mining scenario) for the last --days days at 1-minute resolution",
                "through the real batcher, spool and InfluxDB sink, runs the detection over it, and prints the",
                "episodes it found next to the simulator's ground truth, and where everything is. With",
                "--keep-running the daemon goes on analysing the store live, serving /health and /metrics and",
                "taking business load on POST /api/v1/business-load, until Ctrl-C."},
        footer = {"", "Examples:", "  wattguard demo", "  wattguard demo --days 28 --keep-running",
                "  wattguard demo --dir /tmp/wg-demo"})
final class DemoCommand implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--days", defaultValue = "14", paramLabel = "N",
            description = "days of simulated history to write and analyse (default: ${DEFAULT-VALUE})")
    int days;

    @Option(names = "--keep-running", description = "afterwards, keep the daemon analysing live until Ctrl-C")
    boolean keepRunning;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "where the demo keeps InfluxDB's data, the spool and its config (default: a new temporary folder)")
    Path dir;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private java.io.PrintWriter out;

    @Override
    public Integer call() throws Exception {
        out = spec.commandLine().getOut();
        if (days < 1 || days > 366) {
            throw new UserError("demo: --days must be from 1 to 366, found " + days);
        }
        Path home = dir != null ? Files.createDirectories(dir) : Files.createTempDirectory("wattguard-demo-");
        PrivateInfluxd influxd;
        try {
            influxd = PrivateInfluxd.startIn(home.resolve("influxdb"));
        } catch (IllegalStateException e) {
            throw new UserError("demo: " + e.getMessage());
        }
        try {
            int httpPort = PrivateInfluxd.freePort();
            SiteSpec site = DemoSite.spec(days);
            Path config = Files.writeString(home.resolve("wattguard.yaml"), DemoSite.config(site,
                    influxd.url().toString(), home.resolve("spool").toString(), "127.0.0.1:" + httpPort));
            Settings settings = Settings.load(config);
            Clock clock = Clock.systemUTC();
            SyntheticSite simulated = new SyntheticSite(site);
            long points = backfill(settings, clock, simulated);
            List<Episode> episodes = analyse(settings, site);
            printSummary(home, influxd, config, settings, site, points);
            printEpisodes(simulated, episodes, settings);
            if (keepRunning) {
                runLive(settings, clock, influxd);
            }
            return 0;
        } finally {
            influxd.close();
        }
    }

    private long backfill(Settings settings, Clock clock, SyntheticSite site) throws Exception {
        SiteSpec s = site.spec();
        InfluxSink sink = new InfluxSink(new InfluxWriter(settings.influx()), settings.spool(), clock);
        sink.start();
        long[] count = {0};
        Progress bar = new Progress(spec.commandLine().getErr(), "history", s.endMs() - s.startMs());
        try (Batcher batcher = new Batcher(settings.topology(), sink, settings.batch().maxPoints(), Duration.ofSeconds(1))) {
            List<Sample> batch = new ArrayList<>(5000);
            long[] day = {Long.MIN_VALUE};
            site.run(p -> {
                batch.add(DemoSite.sample(p));
                if (batch.size() == 5000) {
                    batcher.add(List.copyOf(batch));
                    batch.clear();
                    awaitRoom(sink, settings.spool().maxBytes() / 4);
                }
                count[0]++;
                if (p.timeMs() / 3_600_000 != day[0]) {
                    day[0] = p.timeMs() / 3_600_000;
                    bar.update(p.timeMs() - s.startMs(), Instant.ofEpochMilli(p.timeMs()).toString().substring(0, 10)
                            + "  " + String.format("%,d", count[0]) + " points");
                }
            });
            batcher.add(List.copyOf(batch));
        }
        if (!sink.flush(Duration.ofMinutes(5))) {
            sink.close();
            throw new IOException("InfluxDB did not take the demo's history within 5 minutes: "
                    + sink.stats().lastError);
        }
        bar.done(String.format("%,d points written", sink.stats().pointsWritten.get()));
        sink.close();
        return count[0];
    }

    /**
     * The simulator writes weeks in seconds, far faster than InfluxDB takes them: wait while the spool holds
     * more than a quarter of its cap, or its size cap would drop the oldest history (the daemon's sources
     * cannot outrun the sink like this; a backfill can).
     */
    private static void awaitRoom(InfluxSink sink, long bytes) {
        while (sink.spoolBytes() > bytes) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** The same analysis as {@code wattguard analyze} over the whole history, writing its points back. */
    private List<Episode> analyse(Settings settings, SiteSpec site) throws IOException {
        Progress bar = new Progress(spec.commandLine().getErr(), "analysis", site.endMs() - site.startMs());
        AnalyzeCommand.Outcome done = AnalyzeCommand.analyse(settings, settings.analysis().withWarmup(Duration.ZERO),
                site.startMs(), site.endMs(), true, bar);
        bar.done(String.format("%,d rows read, %,d baseline and anomaly points written", done.rows(), done.written()));
        return done.episodes();
    }

    private void printSummary(Path home, PrivateInfluxd influxd, Path config, Settings settings, SiteSpec site,
            long points) {
        String range = "time >= " + site.startMs() + "ms AND time < " + site.endMs() + "ms";
        out.println();
        out.println("wattguard demo");
        out.println("  InfluxDB     " + influxd.url() + "  database 'wattguard'  (data in " + influxd.dir() + ")");
        out.println("  config       " + config);
        out.println("  spool        " + settings.spool().dir());
        out.println("  history      " + Instant.ofEpochMilli(site.startMs()) + " .. " + Instant.ofEpochMilli(site.endMs())
                + ", " + String.format("%,d", points) + " points, " + site.hosts().size() + " hosts in "
                + site.racks().size() + " racks");
        try (InfluxWriter w = new InfluxWriter(settings.influx())) {
            for (String m : List.of("gpu", "host", "meter", "business_load", "baseline", "anomaly")) {
                QueryResult r = w.query("SELECT count(*) FROM \"" + m + "\" WHERE " + range);
                out.printf("  %-12s %s%n", m, counts(r));
            }
        }
    }

    private void printEpisodes(SyntheticSite site, List<Episode> episodes, Settings settings) {
        out.println();
        out.println("Episodes found by the detection (what 'wattguard analyze' prints):");
        AnalyzeCommand.printTable(out, episodes, settings.schedule().zone());
        List<Detection> detections = episodes.stream().map(e -> new Detection(e.entity(), e.level(), e.kind(),
                e.startedMs(), e.detectedMs(), e.endedMs())).toList();
        out.println();
        out.println("Against the simulator's ground truth (the detector never sees it):");
        out.println(Scorer.score(site, detections));
        out.println("Try (the demo's influxd runs until this command ends; use --keep-running to explore):");
        // Every query we suggest is bounded on both sides: an open-ended GROUP BY time() can exhaust influxd's memory.
        out.println("  wattguard analyze --config " + settings.file() + " --from now-" + days + "d --to now --dry-run");
        out.println("  wattguard demo --keep-running      # then the daemon analyses live; see /health and /metrics");
    }

    private static String counts(QueryResult r) {
        if (r.hasError() || r.getResults().isEmpty() || r.getResults().get(0).getSeries() == null) {
            return "no points";
        }
        var series = r.getResults().get(0).getSeries().get(0);
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < series.getColumns().size() && i <= 4; i++) {
            Object v = series.getValues().get(0).get(i);
            sb.append(series.getColumns().get(i).replace("count_", "")).append('=')
                    .append(v instanceof Number n ? String.format("%,d", n.longValue()) : v).append("  ");
        }
        return sb.toString().trim();
    }

    private void runLive(Settings settings, Clock clock, PrivateInfluxd influxd) throws Exception {
        Daemon daemon = new Daemon(settings, clock);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            daemon.close();
            influxd.close(); // the JVM may halt before the main thread's finally runs
            stop.countDown();
        }, "wattguard-demo-shutdown"));
        daemon.start();
        var addr = daemon.http().address();
        String base = "http://127.0.0.1:" + addr.getPort();
        out.println();
        out.println("Analysing live. Health: " + base + "/health   metrics: " + base + "/metrics   Ctrl-C to stop.");
        out.println("Push business load:  curl -X POST " + base + "/api/v1/business-load --data-binary "
                + "'business_load,entity=gpu-001,level=host value=0.8'");
        stop.await();
    }
}

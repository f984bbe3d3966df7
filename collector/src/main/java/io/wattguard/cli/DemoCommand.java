package io.wattguard.cli;

import io.wattguard.core.SourceSpec;
import io.wattguard.daemon.Batcher;
import io.wattguard.daemon.Daemon;
import io.wattguard.daemon.Replay;
import io.wattguard.daemon.Settings;
import io.wattguard.influx.PrivateInfluxd;
import io.wattguard.sink.InfluxSink;
import io.wattguard.sink.InfluxWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.influxdb.dto.QueryResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The whole pipeline on this machine, with nothing to install or configure by hand.",
                "",
                "Starts a private InfluxDB (loopback, free port, its own folder), writes a simulated site",
                "(2 halls, 3 racks, 12 hosts, GPUs, rack PDUs) for the last --days days at 1-minute resolution",
                "through the real batcher, spool and InfluxDB sink, then prints where everything is and what",
                "was stored. With --keep-running it goes on collecting live, serving /health and /metrics,",
                "until Ctrl-C."},
        footer = {"", "Examples:", "  wattguard demo", "  wattguard demo --days 28 --keep-running",
                "  wattguard demo --dir /tmp/wg-demo"})
final class DemoCommand implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--days", defaultValue = "14", paramLabel = "N",
            description = "days of simulated history to write (default: ${DEFAULT-VALUE})")
    int days;

    @Option(names = "--keep-running", description = "after the history, keep collecting live until Ctrl-C")
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
        if (days < 0 || days > 366) {
            throw new UserError("demo: --days must be from 0 to 366, found " + days);
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
            Path config = writeConfig(home, influxd, httpPort);
            Settings settings = Settings.load(config);
            Clock clock = Clock.systemUTC();
            long to = Instant.now(clock).truncatedTo(ChronoUnit.MINUTES).toEpochMilli();
            long from = to - Duration.ofDays(days).toMillis();
            long points = backfill(settings, clock, from, to);
            printSummary(home, influxd, config, settings, from, to, points);
            if (keepRunning) {
                runLive(settings, clock, influxd);
            }
            return 0;
        } finally {
            influxd.close();
        }
    }

    private static Path writeConfig(Path home, PrivateInfluxd influxd, int httpPort) throws IOException {
        String template;
        try (InputStream in = DemoCommand.class.getResourceAsStream("/io/wattguard/demo/site.yaml")) {
            template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String yaml = template.replace("${INFLUX_URL}", influxd.url().toString())
                .replace("${SPOOL_DIR}", home.resolve("spool").toString())
                .replace("${HTTP_LISTEN}", "127.0.0.1:" + httpPort);
        return Files.writeString(home.resolve("wattguard.yaml"), yaml);
    }

    private static long backfill(Settings settings, Clock clock, long from, long to) throws Exception {
        if (to <= from) {
            return 0;
        }
        InfluxSink sink = new InfluxSink(new InfluxWriter(settings.influx()), settings.spool(), clock);
        sink.start();
        long points;
        Progress bar = new Progress(System.err, "history", to - from);
        try (Batcher batcher = new Batcher(settings.topology(), sink, settings.batch().maxPoints(), Duration.ofSeconds(1))) {
            long[] count = {0};
            points = Replay.run(settings.sources(), Replay.context(settings, clock), from, to, Duration.ofMinutes(1),
                    b -> {
                        count[0] += b.size();
                        batcher.add(b);
                    },
                    t -> bar.update(t - from, Instant.ofEpochMilli(t).truncatedTo(ChronoUnit.DAYS).toString()
                            .substring(0, 10) + "  " + String.format("%,d", count[0]) + " points"));
        }
        if (!sink.flush(Duration.ofMinutes(5))) {
            sink.close();
            throw new IOException("InfluxDB did not take the demo's history within 5 minutes: "
                    + sink.stats().lastError);
        }
        bar.done(String.format("%,d points written", sink.stats().pointsWritten.get()));
        sink.close();
        return points;
    }

    private void printSummary(Path home, PrivateInfluxd influxd, Path config, Settings settings, long from,
            long to, long points) {
        String range = "time >= " + from + "ms AND time < " + to + "ms";
        out.println();
        out.println("wattguard demo");
        out.println("  InfluxDB     " + influxd.url() + "  database 'wattguard'  (data in " + influxd.dir() + ")");
        out.println("  config       " + config);
        out.println("  spool        " + settings.spool().dir());
        out.println("  history      " + Instant.ofEpochMilli(from) + " .. " + Instant.ofEpochMilli(to) + ", "
                + String.format("%,d", points) + " points");
        try (InfluxWriter w = new InfluxWriter(settings.influx())) {
            for (String m : List.of("gpu", "host", "meter")) {
                QueryResult r = w.query("SELECT count(*) FROM \"" + m + "\" WHERE " + range);
                out.printf("  %-12s %s%n", m, counts(r));
            }
        }
        out.println();
        out.println("Try (the demo's influxd runs until this command ends; use --keep-running to explore):");
        out.println("  influx -host 127.0.0.1 -port " + influxd.port() + " -database wattguard -precision rfc3339 \\");
        // Every query we suggest is bounded on both sides: an open-ended GROUP BY time() can exhaust influxd's memory.
        out.println("    -execute \"SELECT mean(power_w) FROM gpu WHERE time > now() - 1d AND time <= now() GROUP BY time(1h), host\"");
        out.println("  wattguard demo --keep-running      # the same site, then live collection with /health and /metrics");
    }

    private static String counts(QueryResult r) {
        if (r.hasError() || r.getResults().isEmpty() || r.getResults().get(0).getSeries() == null) {
            return "no points";
        }
        var series = r.getResults().get(0).getSeries().get(0);
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i < series.getColumns().size(); i++) {
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
        out.println();
        out.println("Collecting live. Health: http://127.0.0.1:" + addr.getPort() + "/health   metrics: http://127.0.0.1:"
                + addr.getPort() + "/metrics   Ctrl-C to stop.");
        stop.await();
    }
}

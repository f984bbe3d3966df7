package io.wattguard.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wattguard.analytics.Episode;
import io.wattguard.cli.Failure;
import io.wattguard.core.Sample;
import io.wattguard.daemon.Batcher;
import io.wattguard.daemon.Daemon;
import io.wattguard.daemon.Settings;
import io.wattguard.detect.AnalysisService;
import io.wattguard.store.write.InfluxSink;
import io.wattguard.store.write.InfluxWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The demo's live part: the real daemon ({@code wattguard run}'s) collecting the {@link LiveSite} over Modbus, OPC
 * UA, NVML and the push endpoint and analysing it at 10-second steps; a line per step for the audience; a miner
 * started on one GPU host once the analysis is live; its alert, as the JSON-lines output writes it.
 */
final class LiveRun {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A miner on every GPU of a host, posing as nothing in particular, talking to a pool. */
    private static final int MINER_PID = 48213;

    private final PrintWriter out;
    private final PrintWriter err;
    private final Path home;
    private final Settings settings;
    private final Clock clock;
    private final LiveSite live;
    private final DemoCommand.Cleanup cleanup;
    private final DateTimeFormatter hms;
    private final ZoneId zone;
    /** What the daemon's sources collected most recently: room meter, PDU inlets, GPU power. */
    private final Map<String, Double> roomW = new ConcurrentHashMap<>();

    private final Map<String, Double> pduW = new ConcurrentHashMap<>();
    private final Map<String, Double> gpuW = new ConcurrentHashMap<>();
    private Daemon daemon;
    private long alertsRead;

    /** What the live minutes showed. */
    record Result(LiveSite.Miner miner, List<JsonNode> opened) {
        boolean found() {
            return !opened.isEmpty();
        }
    }

    LiveRun(
            PrintWriter out,
            PrintWriter err,
            Path home,
            Settings settings,
            Clock clock,
            LiveSite live,
            DemoCommand.Cleanup cleanup) {
        this.out = out;
        this.err = err;
        this.home = home;
        this.settings = settings;
        this.clock = clock;
        this.live = live;
        this.cleanup = cleanup;
        this.zone = settings.schedule().zone();
        this.hms = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(zone);
    }

    Result run(Duration liveFor) throws Exception {
        // The other hosts' agents write straight to InfluxDB, through a spool of their own.
        InfluxSink agentSink = new InfluxSink(
                new InfluxWriter(settings.influx()), settings.spool().withDir(home.resolve("agents-spool")), clock);
        agentSink.start();
        Batcher agents = new Batcher(settings.topology(), agentSink, settings.batch(), f -> {});
        cleanup.agents = () -> {
            agents.close();
            agentSink.close();
        };
        daemon = new Daemon(settings, clock, this::tap);
        cleanup.daemon = daemon;
        daemon.start();
        URI base = URI.create("http://127.0.0.1:" + daemon.http().address().getPort());
        live.start(base.resolve("/api/v1/business-load"), agents::add);
        out.println();
        out.println("Live: the daemon (the code of 'wattguard run') collects the site in real time:");
        out.println("  Modbus TCP   each rack's PDU (per-outlet power and energy)");
        out.println("  OPC UA       the room's main meter, Basic256Sha256 SignAndEncrypt, user " + LiveSite.METER_USER
                + " (password from meter.password)");
        out.println("  NVML         " + live.gpuHosts().size()
                + " GPU hosts, each through its own copy of the NVML test double");
        out.println("  push         the scheduler's business load, POST " + base.resolve("/api/v1/business-load"));
        out.flush();
        trustMeter();
        AnalysisService analysis = daemon.analysis();
        waitForLive(analysis);
        if (liveFor.isZero()) {
            return new Result(null, List.of());
        }
        long startedMs = clock.millis();
        long endMs = startedMs + liveFor.toMillis();
        String host = live.minerHost();
        LiveSite.Miner miner = new LiveSite.Miner(
                host,
                LiveSite.tickStart(startedMs) + LiveSite.TICK_MS,
                MINER_PID,
                "lolMiner",
                "nobody",
                "/tmp/.cache/lolMiner",
                "203.0.113.50:4444");
        List<JsonNode> opened = new ArrayList<>();
        out.println();
        out.println("  (times in " + zone + ")");
        out.println("  time      site (OPC UA)  PDUs (Modbus)  GPUs (NVML)  unexplained  open episodes");
        long tick = LiveSite.tickStart(startedMs);
        boolean announced = false;
        int shown = 0;
        while (true) {
            tick += LiveSite.TICK_MS;
            // A few seconds after the tick: the polls of that tick have landed.
            sleepUntil(tick + 3_000);
            if (!announced && clock.millis() >= miner.startMs()) {
                live.startMiner(miner);
                announced = true;
                out.println("  >> " + hms.format(Instant.ofEpochMilli(miner.startMs())) + " a miner starts on every GPU"
                        + " of " + host + ": process " + miner.process() + " (pid " + miner.pid() + ", user "
                        + miner.user() + "), connected to " + miner.connection());
            }
            line(analysis);
            for (JsonNode alert : newAlerts()) {
                // The first line as the JSON-lines output wrote it; the rest in a line each.
                out.println(
                        shown++ == 0
                                ? "  alert (alerts.jsonl): " + abbreviate(alert.toString(), 220)
                                : String.format(
                                        Locale.ROOT,
                                        "  alert: %-9s %-18s %-8s %s",
                                        alert.path("event").asText(),
                                        alert.path("kind").asText(),
                                        alert.path("severity").asText(),
                                        abbreviate(alert.path("title").asText(), 90)));
                if ("opened".equals(alert.path("event").asText())
                        && alert.path("entity").asText().startsWith(host)) {
                    if (opened.isEmpty()) {
                        long delay = alert.path("detected_ms").asLong() - miner.startMs();
                        out.println("  >> found " + Math.round(delay / 1000.0) + " s after the miner started: "
                                + alert.path("title").asText());
                        printEvidence(alert.path("evidence"));
                    }
                    opened.add(alert);
                }
            }
            out.flush();
            if (clock.millis() >= endMs) {
                break;
            }
        }
        live.stopMiner();
        return new Result(miner, opened);
    }

    /** The daemon's sources' samples, as they come: the live line's figures. */
    private void tap(List<Sample> samples) {
        for (Sample s : samples) {
            if (s.measurement().equals("meter") && s.field("power_w") instanceof Number w) {
                if ("inlet".equals(s.tag("kind"))) {
                    pduW.put(s.tag("device"), w.doubleValue());
                } else if (LiveSite.ROOM_CHANNEL.equals(s.tag("channel"))) {
                    roomW.put(s.tag("device"), w.doubleValue());
                }
            } else if (s.measurement().equals("gpu") && s.field("power_w") instanceof Number w) {
                gpuW.put(s.tag("host") + ":" + s.tag("gpu"), w.doubleValue());
            }
        }
    }

    private void line(AnalysisService analysis) {
        List<Episode> open = analysis.openEpisodeList();
        // Host-level excess only: a host's excess also shows in its rack's and room's, and would count twice.
        double unexplained = open.stream()
                .filter(e -> e.level().equals("host"))
                .mapToDouble(Episode::excessW)
                .filter(Double::isFinite)
                .sum();
        out.println(String.format(
                Locale.ROOT,
                "  %s  %9s  %13s  %11s  %11s  %d",
                hms.format(Instant.ofEpochMilli(LiveSite.tickStart(clock.millis()))),
                kw(roomW),
                kw(pduW),
                kw(gpuW),
                String.format(Locale.ROOT, "%,.0f W", unexplained),
                open.size()));
    }

    private static String kw(Map<String, Double> latest) {
        return latest.isEmpty()
                ? "-"
                : String.format(
                        Locale.ROOT,
                        "%.1f kW",
                        latest.values().stream()
                                        .mapToDouble(Double::doubleValue)
                                        .sum()
                                / 1000);
    }

    private void printEvidence(JsonNode evidence) {
        for (String key : List.of("gpus", "processes", "connections", "outlets", "findings")) {
            JsonNode v = evidence.path(key);
            if (!v.isMissingNode() && !(v.isContainerNode() && v.isEmpty())) {
                out.println(String.format(Locale.ROOT, "     %-12s %s", key, abbreviate(v.toString(), 160)));
            }
        }
    }

    /**
     * The documented way to trust an OPC UA server: its first connection is refused and its certificate saved in
     * {@code pki/rejected/}; the operator checks it and moves it to {@code pki/trusted/certs/}.
     */
    private void trustMeter() throws IOException {
        Path rejected = home.resolve("pki/rejected");
        Path trusted = home.resolve("pki/trusted/certs");
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Path cert = null;
        while (cert == null && System.nanoTime() < until) {
            if (Files.isDirectory(rejected)) {
                try (Stream<Path> files = Files.list(rejected)) {
                    cert = files.filter(f -> f.toString().endsWith(".der"))
                            .findFirst()
                            .orElse(null);
                }
            }
            if (cert == null) {
                sleep(200);
            }
        }
        if (cert == null) {
            throw new Failure("demo: the OPC UA meter's certificate never reached " + rejected
                    + ": the room-meter source did not connect (see the log above)");
        }
        out.println("  The meter's certificate was refused, as an untrusted one must be, and saved in pki/rejected/."
                + " Trusting it (docs/configuration.md, \"Trusting an OPC UA server\"):");
        out.println("    mv " + home.relativize(cert) + " " + home.relativize(trusted) + "/");
        Files.createDirectories(trusted);
        Files.move(cert, trusted.resolve(cert.getFileName()), StandardCopyOption.ATOMIC_MOVE);
        out.flush();
    }

    private void waitForLive(AnalysisService analysis) {
        long until = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        String last = "";
        while (!"ok".equals(analysis.state())) {
            if (!analysis.state().equals(last)) {
                last = analysis.state();
                if (last.equals("warming_up")) {
                    out.println("  The analysis replays the history (its warm-up) before its first live step ...");
                    out.flush();
                }
            }
            if (System.nanoTime() > until) {
                throw new Failure("demo: the daemon's analysis did not go live within 5 minutes: " + analysis.state()
                        + " " + analysis.health().lastError());
            }
            sleep(250);
        }
    }

    /** Lines the JSON-lines output appended since the last call. */
    private List<JsonNode> newAlerts() throws IOException {
        Path file = home.resolve("alerts.jsonl");
        List<JsonNode> lines = new ArrayList<>();
        if (!Files.exists(file)) {
            return lines;
        }
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
            if (f.length() <= alertsRead) {
                return lines;
            }
            f.seek(alertsRead);
            byte[] b = new byte[(int) (f.length() - alertsRead)];
            f.readFully(b);
            String text = new String(b, StandardCharsets.UTF_8);
            int end = text.lastIndexOf('\n');
            if (end < 0) {
                return lines;
            }
            alertsRead += text.substring(0, end + 1).getBytes(StandardCharsets.UTF_8).length;
            for (String l : text.substring(0, end).split("\n")) {
                if (!l.isBlank()) {
                    lines.add(JSON.readTree(l));
                }
            }
        }
        return lines;
    }

    void printEnd(Result r) throws Exception {
        if (r.miner() != null) {
            if (r.found()) {
                out.println("The live miner on " + r.miner().host() + " started "
                        + hms.format(Instant.ofEpochMilli(r.miner().startMs())) + " (" + zone + "); episodes opened:");
                for (JsonNode e : r.opened()) {
                    out.println(String.format(
                            Locale.ROOT,
                            "  %s  after %3d s  %-18s %-8s %s",
                            hms.format(
                                    Instant.ofEpochMilli(e.path("detected_ms").asLong())),
                            Math.round(
                                    (e.path("detected_ms").asLong() - r.miner().startMs()) / 1000.0),
                            e.path("kind").asText(),
                            e.path("severity").asText(),
                            e.path("entity").asText()));
                }
                out.println("Every alert is in " + home.resolve("alerts.jsonl") + " (alerts: jsonl: in the config"
                        + (cleanup.removesFolder() ? "; the folder goes when the demo ends, --dir keeps one)." : ")."));
            } else {
                out.println("The live miner on " + r.miner().host() + " was NOT found within the live minutes;"
                        + " try a longer --live (a loaded machine delays the analysis).");
            }
        }
        URI base = URI.create("http://127.0.0.1:" + daemon.http().address().getPort());
        HttpClient http = HttpClient.newHttpClient();
        String health = get(http, base.resolve("/health"));
        JsonNode h = JSON.readTree(health);
        out.println();
        out.println("The daemon's health, " + base.resolve("/health") + ": status "
                + h.path("status").asText() + ", " + h.path("sources").size() + " sources");
        for (JsonNode s : h.path("sources")) {
            out.println(String.format(
                    Locale.ROOT,
                    "  %-22s %-8s %s",
                    s.path("name").asText(),
                    s.path("type").asText(),
                    s.path("state").asText()));
        }
        out.println("Its metrics, " + base.resolve("/metrics") + " (Prometheus), for example:");
        get(http, base.resolve("/metrics"))
                .lines()
                .filter(l -> l.startsWith("wattguard_points_written")
                        || l.startsWith("wattguard_analysis_open_episodes")
                        || l.startsWith("wattguard_analysis_lag_seconds")
                        || l.startsWith("wattguard_alerts_total")
                        || (l.startsWith("wattguard_polls_total")
                                && (l.contains("\"pdus\"") || l.contains("\"room-meter\""))))
                .limit(10)
                .forEach(l -> out.println("  " + l));
        printGrafana(settings.influx().url().toString());
        out.flush();
    }

    private static String get(HttpClient http, URI uri) throws IOException {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** How to look at the demo's InfluxDB with the dashboards of grafana/ (grafana/README.md). */
    private void printGrafana(String influxUrl) {
        out.println();
        out.println("Grafana, with this repository's dashboards (grafana/README.md): install");
        out.println(
                "  grafana/provisioning/datasources/wattguard.yaml and grafana/provisioning/dashboards/wattguard.yaml");
        out.println(
                "  under /etc/grafana/provisioning/, grafana/dashboards/*.json in /var/lib/grafana/dashboards/wattguard/,");
        out.println("  and start Grafana on this machine, while 'demo --keep-running' runs, with");
        out.println("  WATTGUARD_INFLUX_URL=" + influxUrl + " WATTGUARD_INFLUX_USER= WATTGUARD_INFLUX_PASSWORD=");
    }

    /** Until Ctrl-C (the shutdown hook stops everything) or the daemon's failure. */
    void keepRunning(String cmd, Path config, int days) throws Exception {
        String base = "http://127.0.0.1:" + daemon.http().address().getPort();
        out.println();
        out.println("Running in real time until Ctrl-C. Meanwhile, in another terminal, try:");
        // Every query we suggest is bounded on both sides: an open-ended GROUP BY time() can exhaust influxd's memory.
        out.println("  " + cmd + " analyze --config " + config + " --from now-" + days + "d --to now --dry-run");
        out.println("  " + cmd + " check-config --config " + config);
        out.println("  tail -f " + home.resolve("alerts.jsonl"));
        out.println("  curl -sS " + base + "/health");
        out.println("  curl -sS -X POST " + base + "/api/v1/business-load -H 'Content-Type: application/json' -d "
                + "'{\"entity\": \"" + live.gpuHosts().get(0) + "\", \"level\": \"host\", \"value\": 0.8}'");
        out.flush();
        Batcher.Failed f = daemon.failed().get(); // only a failure returns; Ctrl-C ends the JVM through the hook
        throw new Failure("demo: the daemon stopped: " + f.getMessage());
    }

    private void sleepUntil(long ms) {
        sleep(Math.max(0, ms - clock.millis()));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failure("demo: interrupted");
        }
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max - 3) + "...";
    }
}

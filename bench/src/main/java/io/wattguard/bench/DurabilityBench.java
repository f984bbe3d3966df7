package io.wattguard.bench;

import io.wattguard.influx.PrivateInfluxd;
import io.wattguard.store.spool.FsyncPolicy;
import io.wattguard.store.spool.Spool;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * DESIGN.md's durability target: InfluxDB down for a while, the collector SIGKILLed N times meanwhile, then
 * InfluxDB back: every point that reached the spool must be in InfluxDB. Runs the real jar as a subprocess.
 * Usage: DurabilityBench [kills=20] [seconds-between-kills=5] [jar]
 */
public final class DurabilityBench {
    private static final Pattern LINE = Pattern.compile("^gpu,(?:.*,)?host=([^, ]+).* power_w=([^, ]+).* (\\d+)$");

    public static void main(String[] args) throws Exception {
        int kills = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int every = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        String jar = args.length > 2 ? args[2] : "collector/target/wattguard.jar";
        Path dir = Files.createTempDirectory("wattguard-durability");
        try (PrivateInfluxd influxd = PrivateInfluxd.startTemporary()) {
            Path spool = dir.resolve("spool");
            Path cfg = Files.writeString(dir.resolve("wattguard.yaml"), """
                    instance: durability
                    influxdb: {url: %s, database: killed, timeout: 2s}
                    batch: {max_points: 1000, max_delay: 200ms}
                    spool: {dir: %s}
                    http: {enabled: false}
                    self_interval: 1h
                    sources:
                      - name: steady
                        type: synthetic
                        interval: 100ms
                        series:
                          - measurement: gpu
                            repeat: 50
                            tags: {host: "h{i:02}", gpu: "0"}
                            fields:
                              power_w: {sine: {mean: 300, amplitude: 120, period: 7m}}
                    """.formatted(influxd.url(), spool));
            influxd.stop();
            long downSince = System.nanoTime();
            for (int k = 0; k < kills; k++) {
                Process p = start(jar, cfg, dir.resolve("run-" + k + ".log"));
                p.waitFor(every, TimeUnit.SECONDS);
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                System.out.printf("kill %d/%d: %,d bytes spooled%n", k + 1, kills, segBytes(spool));
            }
            long downSeconds = (System.nanoTime() - downSince) / 1_000_000_000L;
            Set<String> spooled = spooled(spool, dir.resolve("copy"));
            influxd.start();
            Process p = start(jar, cfg, dir.resolve("final.log"));
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
            Set<String> stored = Set.of();
            while (System.nanoTime() < deadline) {
                stored = stored(influxd.url());
                if (stored.containsAll(spooled)) {
                    break;
                }
                p.waitFor(1, TimeUnit.SECONDS);
            }
            p.destroy();
            p.waitFor(20, TimeUnit.SECONDS);
            Set<String> lost = new HashSet<>(spooled);
            lost.removeAll(stored);
            System.out.printf(
                    "DURABILITY InfluxDB down %d s, collector SIGKILLed %d times: %,d points spooled, "
                            + "%,d in InfluxDB afterwards, %,d spooled points lost (target 0)%n",
                    downSeconds, kills, spooled.size(), stored.size(), lost.size());
        }
    }

    static Process start(String jar, Path cfg, Path log) throws java.io.IOException {
        return new ProcessBuilder("java", "-Xmx64m", "-jar", jar, "run", "--config", cfg.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    static long segBytes(Path spool) throws java.io.IOException {
        try (var s = Files.list(spool)) {
            return s.filter(p -> p.toString().endsWith(".seg"))
                    .mapToLong(p -> p.toFile().length())
                    .sum();
        }
    }

    static Set<String> spooled(Path spool, Path copy) throws Exception {
        Files.createDirectories(copy);
        try (var s = Files.list(spool)) {
            for (Path p : s.toList()) {
                if (Files.isRegularFile(p)) {
                    Files.copy(p, copy.resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        Set<String> out = new HashSet<>();
        try (Spool s = new Spool(copy, Long.MAX_VALUE, 1 << 24, FsyncPolicy.NEVER, 1000, Clock.systemUTC())) {
            Spool.Entry e;
            while ((e = s.peek()) != null) {
                for (String line : e.text().split("\n")) {
                    Matcher m = LINE.matcher(line);
                    if (m.matches()) {
                        out.add(m.group(1) + " " + m.group(3) + " " + Double.parseDouble(m.group(2)));
                    }
                }
                s.ack(e);
            }
        }
        return out;
    }

    static Set<String> stored(URI url) throws Exception {
        String q = URLEncoder.encode(
                "SELECT power_w, host FROM gpu WHERE time >= 0 AND time <= now()", StandardCharsets.UTF_8);
        String body = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(url.resolve("/query?db=killed&epoch=ms&q=" + q))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .body();
        Set<String> out = new HashSet<>();
        Matcher m = Pattern.compile("\\[(\\d+),([-0-9.eE]+),\"([^\"]+)\"]").matcher(body);
        while (m.find()) {
            out.add(m.group(3) + " " + m.group(1) + " " + Double.parseDouble(m.group(2)));
        }
        return out;
    }
}

package io.wattguard.bench;

import io.wattguard.influx.PrivateInfluxd;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Resident memory of {@code wattguard run} under {@code -Xmx64m} with a synthetic config of 1,000 series at 1 s,
 * writing to a private influxd: peak and final VmRSS from /proc, and what the daemon itself reports.
 */
public final class FootprintBench {
    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        String jar = args.length > 1 ? args[1] : "collector/target/wattguard.jar";
        try (PrivateInfluxd influxd = PrivateInfluxd.startTemporary()) {
            Path dir = Files.createTempDirectory("wattguard-footprint");
            int port = PrivateInfluxd.freePort();
            Path cfg = Files.writeString(
                    dir.resolve("wattguard.yaml"), """
                    instance: footprint
                    influxdb: {url: %s}
                    spool: {dir: %s}
                    http: {listen: "127.0.0.1:%d"}
                    sources:
                      - name: gpus
                        type: synthetic
                        interval: 1s
                        series:
                          - measurement: gpu
                            repeat: 1000
                            tags: {host: "gpu-{i:04}", gpu: "0", model: "NVIDIA H100 80GB HBM3"}
                            fields:
                              util_pct: {sine: {mean: 50, amplitude: 40, period: 1h}}
                              power_w: {sine: {mean: 400, amplitude: 200, period: 1h}}
                              temp_c: {random_walk: {start: 55, step: 0.5, min: 30, max: 85}}
                              energy_j: {counter: {rate: 400}}
                              mem_used_bytes: {constant: 40000000000}
                    """.formatted(influxd.url(), dir.resolve("spool"), port));
            Process p = new ProcessBuilder("java", "-Xmx64m", "-jar", jar, "run", "--config", cfg.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("run.log").toFile())
                    .start();
            long peak = 0;
            long last = 0;
            for (int s = 0; s < seconds && p.isAlive(); s++) {
                p.waitFor(1, TimeUnit.SECONDS);
                last = rssKb(p.pid());
                peak = Math.max(peak, last);
            }
            String metrics = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            String written = metrics.lines()
                    .filter(l -> l.startsWith("wattguard_points_written_total"))
                    .findFirst()
                    .orElse("?");
            String overruns = metrics.lines()
                    .filter(l -> l.startsWith("wattguard_poll_overruns_total{source=\"gpus\"}"))
                    .findFirst()
                    .orElse("?");
            p.destroy();
            p.waitFor(20, TimeUnit.SECONDS);
            System.out.printf(
                    "FOOTPRINT run -Xmx64m, 1,000 series x 5 fields at 1 s, %d s: peak RSS %,d KiB (%.0f MiB), "
                            + "final %,d KiB; %s; %s (target RSS < 160 MB)%n",
                    seconds, peak, peak / 1024.0, last, written, overruns);
        }
    }

    static long rssKb(long pid) throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (l.startsWith("VmRSS:")) {
                return Long.parseLong(l.replaceAll("\\D+", ""));
            }
        }
        return 0;
    }
}

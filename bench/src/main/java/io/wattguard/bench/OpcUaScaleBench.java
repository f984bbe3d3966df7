package io.wattguard.bench;

import com.sun.management.OperatingSystemMXBean;
import io.wattguard.daemon.Daemon;
import io.wattguard.daemon.Settings;
import io.wattguard.daemon.SourceStatus;
import io.wattguard.influx.PrivateInfluxd;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * DESIGN.md section 6, the OPC UA half of "scale on 2 cores": 10,000 monitored items at 1 s from the meter
 * simulator (in another JVM) through the collector's opcua source, inside a real {@link Daemon}, into a private
 * influxd. Over a measured window it reports this JVM's CPU (percent of one core: the daemon, its OPC UA
 * clients, the sink) and the scheduler's poll lateness and latency as written in the {@code collector}
 * measurement, plus how many meter points reached InfluxDB.
 *
 * <pre>OpcUaScaleBench [seconds=60] [devices=10] [channels=1000] [fields=10] [policy=none]</pre>
 *
 * The items are spread over {@code devices} sessions to the one simulator ({@code channels / devices} channels
 * each), as a room poller reads several meters; {@code policy} basic256sha256 signs and encrypts every message.
 */
public final class OpcUaScaleBench {
    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        int devices = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int channels = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        int fields = args.length > 3 ? Integer.parseInt(args[3]) : 10;
        String policy = args.length > 4 ? args[4] : "none";
        int items = channels * fields;

        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process sim = new ProcessBuilder(
                        javaBin,
                        "-cp",
                        System.getProperty("java.class.path"),
                        OpcUaSimulatorProcess.class.getName(),
                        String.valueOf(channels),
                        String.valueOf(fields))
                .redirectError(ProcessBuilder.Redirect.DISCARD)
                .start();
        try (PrivateInfluxd influxd = PrivateInfluxd.startTemporary()) {
            BufferedReader simOut =
                    new BufferedReader(new InputStreamReader(sim.getInputStream(), StandardCharsets.UTF_8));
            String ready = null;
            for (String line; (line = simOut.readLine()) != null; ) {
                if (line.startsWith("READY ")) {
                    ready = line;
                    break;
                }
            }
            if (ready == null) {
                throw new IllegalStateException("the simulator did not start");
            }
            String endpoint = ready.split(" ")[1];
            int ns = Integer.parseInt(ready.split(" ")[2]);
            Path dir = Files.createTempDirectory("wattguard-opcua-bench");
            Path pki = dir.resolve("pki");
            if (!policy.equals("none")) {
                trustSimulator(endpoint, pki);
            }
            Path cfg = Files.writeString(
                    dir.resolve("wattguard.yaml"),
                    config(influxd.url(), dir, pki, endpoint, ns, devices, channels, fields, policy));
            Settings settings = Settings.load(cfg);
            OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            try (Daemon daemon = new Daemon(settings, Clock.systemUTC())) {
                daemon.start();
                SourceStatus st = daemon.scheduler().statuses().get(0);
                // Warm up until every channel arrives in one poll, then 10 s more (JIT, first subscriptions).
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
                long lastSamples = 0;
                long full = 0;
                while (full < 10 && System.nanoTime() < deadline) {
                    Thread.sleep(1000);
                    long now = st.samples.get();
                    full = now - lastSamples >= channels ? full + 1 : 0;
                    lastSamples = now;
                }
                if (full < 10) {
                    throw new IllegalStateException("the " + items + " items never all arrived: " + st.samples.get()
                            + " points, last error: " + st.lastError);
                }
                long startMs = System.currentTimeMillis();
                long cpu0 = os.getProcessCpuTime();
                long wall0 = System.nanoTime();
                long polls0 = st.polls.get();
                long errors0 = st.errors.get();
                long overruns0 = st.overruns.get();
                Thread.sleep(seconds * 1000L);
                double cpuS = (os.getProcessCpuTime() - cpu0) / 1e9;
                double wallS = (System.nanoTime() - wall0) / 1e9;
                long endMs = System.currentTimeMillis();
                long polls = st.polls.get() - polls0;
                long errors = st.errors.get() - errors0;
                long overruns = st.overruns.get() - overruns0;
                daemon.sink().flush(java.time.Duration.ofSeconds(30));
                Thread.sleep(2000); // the self source's last rows
                List<Double> lateness = column(
                        influxd.url(),
                        "SELECT lateness_ms FROM collector WHERE source = 'meters' AND time >= " + startMs
                                + "ms AND time <= " + endMs + "ms");
                List<Double> latency = column(
                        influxd.url(),
                        "SELECT latency_ms FROM collector WHERE source = 'meters' AND time >= " + startMs
                                + "ms AND time <= " + endMs + "ms");
                List<Double> points = column(
                        influxd.url(),
                        "SELECT count(power_w) FROM meter WHERE time >= " + startMs + "ms AND time < " + endMs + "ms");
                double stored = points.isEmpty() ? 0 : points.get(0);
                // Held values are repeated at every poll, so a full count alone would not show that notifications
                // flow: every value changes each second, so a channel's distinct values count the fresh ones.
                List<Double> fresh = column(
                        influxd.url(),
                        "SELECT count(distinct(power_w)) FROM meter WHERE channel = '"
                                + OpcUaSimulatorProcess.channels(channels).get(channels - 1) + "' AND time >= "
                                + startMs
                                + "ms AND time < " + endMs + "ms");
                double expected = channels * Math.floor((endMs - startMs) / 1000.0);
                System.out.printf(
                        "OPCUA-SCALE %,d monitored items (%d devices x %d channels x %d fields, policy %s) at 1 s, "
                                + "%.0f s window on %d cores:%n",
                        items,
                        devices,
                        channels / devices,
                        fields,
                        policy,
                        wallS,
                        Runtime.getRuntime().availableProcessors());
                System.out.printf(
                        "  collector JVM CPU %.1f%% of one core (%.1f CPU s in %.1f s); target < 50%% "
                                + "(for this and 1,000 Modbus devices together)%n",
                        100 * cpuS / wallS, cpuS, wallS);
                System.out.printf(
                        "  poll lateness p50 %.0f ms, p99 %.0f ms, max %.0f ms over %d samples; target p99 < 100 ms%n",
                        pct(lateness, 50), pct(lateness, 99), pct(lateness, 100), lateness.size());
                System.out.printf(
                        "  poll latency (drain + grouping) p50 %.0f ms, p99 %.0f ms%n",
                        pct(latency, 50), pct(latency, 99));
                System.out.printf(
                        "  polls %d, errors %d, overruns %d; meter points stored %,.0f of %,.0f expected (%.1f%%), "
                                + "%,.0f values/s%n",
                        polls, errors, overruns, stored, expected, 100 * stored / expected, stored * fields / wallS);
                System.out.printf(
                        "  fresh values: the last channel's power_w took %.0f distinct values in %.0f polls%n",
                        fresh.isEmpty() ? 0 : fresh.get(0), Math.floor((endMs - startMs) / 1000.0));
            }
        } finally {
            sim.getOutputStream().close();
            if (!sim.waitFor(30, TimeUnit.SECONDS)) {
                sim.destroyForcibly();
            }
        }
    }

    /** The operator's trust step, done ahead: the simulator's certificate from a discovery, into trusted/certs. */
    private static void trustSimulator(String endpoint, Path pki) throws Exception {
        var endpoints = org.eclipse.milo.opcua.sdk.client.DiscoveryClient.getEndpoints(endpoint)
                .get(30, TimeUnit.SECONDS);
        byte[] der = endpoints.get(0).getServerCertificate().bytesOrEmpty();
        Path trusted = Files.createDirectories(pki.resolve("trusted").resolve("certs"));
        Files.write(trusted.resolve("simulator.der"), der);
    }

    static String config(
            URI influx,
            Path dir,
            Path pki,
            String endpoint,
            int ns,
            int devices,
            int channels,
            int fields,
            String policy) {
        StringBuilder sb = new StringBuilder();
        sb.append("""
                instance: opcua-bench
                influxdb: {url: %s, database: bench}
                spool: {dir: %s}
                http: {enabled: false}
                self_interval: 1s
                sources:
                  - name: meters
                    type: opcua
                    interval: 1s
                    pki_dir: %s
                    devices:
                """.formatted(influx, dir.resolve("spool"), pki));
        List<String> chans = OpcUaSimulatorProcess.channels(channels);
        List<String> fs = OpcUaSimulatorProcess.fields(fields);
        int per = channels / devices;
        for (int d = 0; d < devices; d++) {
            sb.append("      - name: meter-")
                    .append(String.format("%02d", d + 1))
                    .append('\n');
            sb.append("        endpoint: ").append(endpoint).append('\n');
            if (!policy.equals("none")) {
                sb.append("        security: {policy: ").append(policy).append(", mode: signandencrypt}\n");
            }
            sb.append("        sampling_interval: 1s\n");
            sb.append("        items:\n");
            for (String c : chans.subList(d * per, (d + 1) * per)) {
                for (String f : fs) {
                    sb.append("          - {node: \"ns=")
                            .append(ns)
                            .append(";s=Meter.")
                            .append(c)
                            .append('.')
                            .append(f)
                            .append("\", channel: ")
                            .append(c)
                            .append(", kind: outlet, field: ")
                            .append(f)
                            .append("}\n");
                }
            }
        }
        return sb.toString();
    }

    private static List<Double> column(URI url, String q) throws Exception {
        String uri = url + "/query?db=bench&epoch=ms&q=" + URLEncoder.encode(q, StandardCharsets.UTF_8);
        String body = HttpClient.newHttpClient()
                .send(HttpRequest.newBuilder(URI.create(uri)).build(), HttpResponse.BodyHandlers.ofString())
                .body();
        // Rows look like [time, value]; the value is the last number of each row.
        List<Double> out = new ArrayList<>();
        Matcher m = Pattern.compile("\\[\\d+,(-?[0-9.eE+]+)]").matcher(body.replace("\"", ""));
        while (m.find()) {
            out.add(Double.parseDouble(m.group(1)));
        }
        return out;
    }

    private static double pct(List<Double> values, double p) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = new ArrayList<>(values);
        Collections.sort(s);
        int i = (int) Math.ceil(p / 100 * s.size()) - 1;
        return s.get(Math.max(0, Math.min(s.size() - 1, i)));
    }
}

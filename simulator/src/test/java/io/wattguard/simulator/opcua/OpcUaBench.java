package io.wattguard.simulator.opcua;

import com.sun.management.OperatingSystemMXBean;
import io.wattguard.meters.opcua.ClientPki;
import io.wattguard.meters.opcua.OpcUaEndpointConfig;
import io.wattguard.meters.opcua.OpcUaMeterClient;
import io.wattguard.meters.opcua.OpcUaMeterConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;

/**
 * Benchmark, not a test: N monitored items at 1 s from the Milo meter simulator into one meter client, the way
 * the collector runs it (a drain every second). Server and client run in separate JVMs
 * ({@code meters/scripts/bench-opcua.sh}), so the client's process CPU is measured alone.
 *
 * <pre>
 *   OpcUaBench server CHANNELS FIELDS          prints "READY port nsIndex", serves until stdin closes
 *   OpcUaBench client PORT NS CHANNELS FIELDS WARMUP_S MEASURE_S POLICY
 * </pre>
 *
 * Lateness is the arrival time of a notification minus the source timestamp the server gave the value: the
 * time from a meter value changing to the collector holding it. With a 1 s publishing interval it includes
 * up to one publishing cycle by design; the drain lateness (how late each 1 s drain finished) is reported too.
 */
public final class OpcUaBench {
    private static final List<String> ALL_FIELDS =
            List.of("power_w", "energy_kwh", "voltage_v", "current_a", "pf", "frequency_hz");

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("server")) {
            server(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
        } else if (args.length > 0 && args[0].equals("client")) {
            client(
                    Integer.parseInt(args[1]),
                    Integer.parseInt(args[2]),
                    Integer.parseInt(args[3]),
                    Integer.parseInt(args[4]),
                    Integer.parseInt(args[5]),
                    Integer.parseInt(args[6]),
                    args[7]);
        } else {
            System.err.println(
                    "usage: OpcUaBench server CHANNELS FIELDS | client PORT NS CHANNELS FIELDS WARMUP_S MEASURE_S POLICY");
            System.exit(2);
        }
    }

    private static List<String> channels(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("C" + i);
        }
        return out;
    }

    private static void server(int channels, int fields) throws Exception {
        try (OpcUaMeterSimulator sim = OpcUaMeterSimulator.builder()
                .channels(channels(channels))
                .fields(ALL_FIELDS.subList(0, fields))
                .policies(SecurityPolicy.None, SecurityPolicy.Basic256Sha256)
                .updateInterval(Duration.ofSeconds(1))
                .start()) {
            System.out.println("READY " + sim.port() + " " + sim.namespaceIndex());
            System.out.flush();
            try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in))) {
                while (in.readLine() != null) {
                    // Serve until the script closes stdin.
                }
            }
            System.out.println("server monitored items at the end: " + sim.monitoredItems());
        }
    }

    private static void client(int port, int ns, int channels, int fields, int warmupS, int measureS, String policy)
            throws Exception {
        Path pkiDir = Files.createTempDirectory("opcua-bench-pki");
        OpcUaEndpointConfig.Policy p = OpcUaEndpointConfig.Policy.valueOf(policy);
        OpcUaEndpointConfig.Mode mode = p == OpcUaEndpointConfig.Policy.None
                ? OpcUaEndpointConfig.Mode.None
                : OpcUaEndpointConfig.Mode.SignAndEncrypt;
        List<OpcUaMeterConfig.Item> items = new ArrayList<>();
        for (String c : channels(channels)) {
            for (String f : ALL_FIELDS.subList(0, fields)) {
                items.add(OpcUaMeterConfig.Item.node("ns=" + ns + ";s=Meter." + c + "." + f, c, f));
            }
        }
        OpcUaEndpointConfig endpoint = OpcUaEndpointConfig.of(
                "opc.tcp://127.0.0.1:" + port + OpcUaMeterSimulator.PATH,
                p,
                mode,
                pkiDir,
                OpcUaEndpointConfig.Identity.anonymous());
        int n = items.size();
        long[] lateness = new long[4_000_000];
        AtomicInteger count = new AtomicInteger();
        AtomicLong measuring = new AtomicLong();

        try (ClientPki pki = ClientPki.open(pkiDir);
                OpcUaMeterClient client =
                        new OpcUaMeterClient(OpcUaMeterConfig.of("bench", endpoint, items), pki, Clock.systemUTC())) {
            if (p != OpcUaEndpointConfig.Policy.None) {
                trustAll(pki, port);
            }
            client.setObserver((reading, sourceMs, arrivalMs) -> {
                if (measuring.get() != 0) {
                    int i = count.getAndIncrement();
                    if (i < lateness.length) {
                        lateness[i] = arrivalMs - sourceMs;
                    }
                }
            });
            long t0 = System.nanoTime();
            client.start();
            while (!client.isConnected()) {
                if (System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(120)) {
                    throw new IllegalStateException("not connected: " + client.lastError());
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
            double setupS = (System.nanoTime() - t0) / 1e9;

            // The collector's rhythm: a drain at every whole second.
            ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
            long[] drainLate = new long[100_000];
            AtomicInteger drains = new AtomicInteger();
            AtomicLong drained = new AtomicLong();
            long period = 1000;
            long first = period - System.currentTimeMillis() % period;
            long start = System.currentTimeMillis() + first;
            scheduler.scheduleAtFixedRate(
                    () -> {
                        int k = drains.getAndIncrement();
                        AtomicInteger got = new AtomicInteger();
                        client.drain(r -> got.incrementAndGet());
                        long due = start + k * period;
                        if (measuring.get() != 0 && k < drainLate.length) {
                            drainLate[k] = System.currentTimeMillis() - due;
                            drained.addAndGet(got.get());
                        }
                    },
                    first,
                    period,
                    TimeUnit.MILLISECONDS);

            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(warmupS));
            OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            int drainsBefore = drains.get();
            long cpu0 = os.getProcessCpuTime();
            long wall0 = System.nanoTime();
            measuring.set(1);
            LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(measureS));
            measuring.set(0);
            long cpu1 = os.getProcessCpuTime();
            long wall1 = System.nanoTime();
            int drainsAfter = drains.get();
            scheduler.shutdownNow();

            int m = Math.min(count.get(), lateness.length);
            long[] l = Arrays.copyOf(lateness, m);
            Arrays.sort(l);
            long[] d = Arrays.copyOfRange(drainLate, drainsBefore, Math.min(drainsAfter, drainLate.length));
            Arrays.sort(d);
            double wallS = (wall1 - wall0) / 1e9;
            System.out.printf("items=%d policy=%s setup_s=%.1f measure_s=%.0f%n", n, policy, setupS, wallS);
            System.out.printf(
                    "client_cpu_pct_of_one_core=%.1f (process CPU %.2f s over %.1f s wall, %d cores)%n",
                    100.0 * (cpu1 - cpu0) / (wall1 - wall0), (cpu1 - cpu0) / 1e9, wallS, os.getAvailableProcessors());
            System.out.printf("notifications=%d (%.0f/s, expected ~%d/s)%n", m, m / wallS, n);
            if (m > 0) {
                System.out.printf(
                        "notification_lateness_ms p50=%d p90=%d p99=%d max=%d%n",
                        l[m / 2], l[(int) (m * 0.9)], l[Math.min(m - 1, (int) (m * 0.99))], l[m - 1]);
            }
            if (d.length > 0) {
                System.out.printf(
                        "drains=%d readings_per_drain=%.0f drain_lateness_ms p50=%d p99=%d max=%d%n",
                        d.length,
                        drained.get() / (double) d.length,
                        d[d.length / 2],
                        d[Math.min(d.length - 1, (int) (d.length * 0.99))],
                        d[d.length - 1]);
            }
        }
    }

    /** The benchmark trusts the simulator it started itself: fetch its certificate the operator's way. */
    private static void trustAll(ClientPki pki, int port) throws Exception {
        var endpoints = org.eclipse.milo.opcua.sdk.client.DiscoveryClient.getEndpoints(
                        "opc.tcp://127.0.0.1:" + port + OpcUaMeterSimulator.PATH)
                .get(30, TimeUnit.SECONDS);
        byte[] der = endpoints.get(0).getServerCertificate().bytesOrEmpty();
        Files.write(pki.trustedDir().resolve("simulator.der"), der);
    }
}

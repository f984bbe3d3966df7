package io.wattguard.bench;

import io.wattguard.core.Source;
import io.wattguard.core.SourceSpec;
import io.wattguard.core.Topology;
import io.wattguard.daemon.Scheduler;
import io.wattguard.daemon.Settings;
import io.wattguard.simulator.modbus.ModbusDeviceSimulator;
import io.wattguard.simulator.modbus.ModbusPduSimulator;
import io.wattguard.simulator.modbus.PduState;
import io.wattguard.source.modbus.ModbusSource;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * DESIGN.md section 6, the Modbus half of "1,000 Modbus devices + 10,000 OPC UA items at 1 s on 2 cores":
 * N simulated {@code generic-pdu} PDUs polled at 1 s through the collector's modbus source and scheduler,
 * exactly as the daemon runs them, for a measured window after a warm-up. The PDUs are j2mod slaves in a
 * child JVM (several ports, the devices spread over them), so the CPU figure is the collector's alone.
 *
 * <p>Prints the collector's process CPU as % of one core, the simulator's for context, and per device poll
 * the lateness of its start after its scheduled start (the tick plus the device's phase within the interval,
 * see the source's {@code spread}) and of its answer (p50, p99, max). The sink is not included (SinkBench
 * measures it). {@code spread} is the source's key as written in the config ({@code 50%}, {@code 0} for every
 * device at the tick); {@code default} leaves it out.
 *
 * <pre>java -cp ... io.wattguard.bench.ModbusScaleBench [devices=1000] [seconds=60] [outlets=24] [ports=10] [concurrency=16] [spread=default]</pre>
 */
public final class ModbusScaleBench {
    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("serve")) {
            serve(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
            return;
        }
        int devices = arg(args, 0, 1000);
        int seconds = arg(args, 1, 60);
        int outlets = arg(args, 2, 24);
        int ports = arg(args, 3, 10);
        int concurrency = arg(args, 4, 16);
        String spread = args.length > 5 && !args[5].equals("default") ? args[5] : null;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process sim = new ProcessBuilder(
                        java,
                        "-Xss256k",
                        "-cp",
                        System.getProperty("java.class.path"),
                        ModbusScaleBench.class.getName(),
                        "serve",
                        Integer.toString(ports),
                        Integer.toString(outlets))
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try {
            BufferedReader r = new BufferedReader(new InputStreamReader(sim.getInputStream(), StandardCharsets.UTF_8));
            String line = r.readLine();
            if (line == null || !line.startsWith("PORTS ")) {
                throw new IllegalStateException("simulator did not start: " + line);
            }
            int[] portList = Arrays.stream(line.substring(6).trim().split(","))
                    .mapToInt(Integer::parseInt)
                    .toArray();
            run(devices, seconds, outlets, concurrency, spread, portList, sim.pid());
        } finally {
            sim.getOutputStream().close();
            sim.destroy();
            sim.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static int arg(String[] a, int i, int def) {
        return a.length > i ? Integer.parseInt(a[i]) : def;
    }

    /** Child side: PDUs on {@code ports} loopback ports until stdin closes. */
    private static void serve(int ports, int outlets) throws Exception {
        List<PduState.Outlet> list = new ArrayList<>();
        for (int n = 1; n <= outlets; n++) {
            list.add(new PduState.Outlet(true, 0.4 * n, 0.97, 90.0 * n + 0.5, 1000.0 + n));
        }
        PduState state = new PduState(230.0, 50.0, list);
        List<ModbusDeviceSimulator> sims = new ArrayList<>();
        StringBuilder sb = new StringBuilder("PORTS ");
        for (int i = 0; i < ports; i++) {
            ModbusDeviceSimulator s = ModbusPduSimulator.start(outlets, () -> state, 0);
            sims.add(s);
            sb.append(i == 0 ? "" : ",").append(s.port());
        }
        System.out.println(sb);
        System.out.flush();
        while (System.in.read() >= 0) {
            // until the parent closes our stdin
        }
        sims.forEach(ModbusDeviceSimulator::close);
    }

    private static void run(
            int devices, int seconds, int outlets, int concurrency, String spread, int[] ports, long simPid)
            throws Exception {
        StringBuilder yaml = new StringBuilder("""
                http: {enabled: false}
                sources:
                  - name: pdus
                    type: modbus
                    interval: 1s
                    concurrency: %d
                """.formatted(concurrency));
        if (spread != null) {
            yaml.append("    spread: \"").append(spread).append("\"\n");
        }
        yaml.append("    devices:\n");
        for (int i = 0; i < devices; i++) {
            yaml.append("      - {name: pdu-")
                    .append(String.format("%04d", i + 1))
                    .append(", host: 127.0.0.1, port: ")
                    .append(ports[i % ports.length])
                    .append(", profile: generic-pdu, outlets: ")
                    .append(outlets)
                    .append("}\n");
        }
        Path dir = Files.createTempDirectory("wattguard-modbus-bench");
        Path cfg = Files.writeString(dir.resolve("wattguard.yaml"), yaml.toString());
        Settings settings = Settings.load(cfg);
        SourceSpec spec = settings.sources().get(0);
        ModbusSource source =
                (ModbusSource) spec.create(new SourceSpec.Context(Clock.systemUTC(), Topology.empty(), "bench"));

        long[] startLate = new long[devices * (seconds + 30)];
        long[] doneLate = new long[startLate.length];
        AtomicLong n = new AtomicLong();
        // The earliest device start of each tick after the tick: how late the scheduler handed the tick over at
        // all (the first device's phase is 0).
        java.util.concurrent.ConcurrentHashMap<Long, Long> firstStart = new java.util.concurrent.ConcurrentHashMap<>();
        AtomicLong failed = new AtomicLong();
        java.util.concurrent.atomic.AtomicBoolean measuring = new java.util.concurrent.atomic.AtomicBoolean();
        source.observe((device, tick, scheduled, started, finished, ok) -> {
            if (!measuring.get()) {
                return;
            }
            firstStart.merge(tick, started - tick, Math::min);
            int i = (int) n.getAndIncrement();
            if (i < startLate.length) {
                startLate[i] = started - scheduled;
                doneLate[i] = finished - scheduled;
            }
            if (!ok) {
                failed.incrementAndGet();
            }
        });
        AtomicLong points = new AtomicLong();
        Scheduler scheduler =
                new Scheduler(List.<Source>of(source), batch -> points.addAndGet(batch.size()), Clock.systemUTC(), 4);
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        try {
            scheduler.start();
            Thread.sleep(10_000); // warm-up: connections, JIT
            long cpu0 = os.getProcessCpuTime();
            long sim0 = cpuTicks(simPid);
            long points0 = points.get();
            var st = scheduler.statuses().get(0);
            long errors0 = st.errors.get();
            long overruns0 = st.overruns.get();
            long wall0 = System.nanoTime();
            measuring.set(true);
            Thread.sleep(seconds * 1000L);
            measuring.set(false);
            long wall = System.nanoTime() - wall0;
            long cpu = os.getProcessCpuTime() - cpu0;
            long simTicks = cpuTicks(simPid) - sim0;
            long pts = points.get() - points0;
            int count = (int) Math.min(n.get(), startLate.length);
            long[] s = Arrays.copyOf(startLate, count);
            long[] d = Arrays.copyOf(doneLate, count);
            Arrays.sort(s);
            Arrays.sort(d);
            double secs = wall / 1e9;
            System.out.printf(
                    "MODBUS %d generic-pdu devices (%d outlets, %d reads a poll) on %d simulator ports, "
                            + "1 s interval, concurrency %d, spread %s, %d s measured after 10 s warm-up on %d cores (load "
                            + "average %.1f at the end: other processes share them)%n",
                    devices,
                    outlets,
                    readsPerPoll(outlets),
                    ports.length,
                    concurrency,
                    String.format("%.0f%%", 100 * source.spread()),
                    seconds,
                    Runtime.getRuntime().availableProcessors(),
                    os.getSystemLoadAverage());
            System.out.printf(
                    "  collector CPU %.1f%% of one core (target < 50%% with 10,000 OPC UA items as well); "
                            + "simulator JVM %.1f%% (not counted)%n",
                    100.0 * cpu / wall, 100.0 * simTicks / 100.0 / secs);
            System.out.printf(
                    "  device polls %,d (%.0f/s of %d expected), failed %d, points %,d (%.0f/s), source "
                            + "overruns %d, errors %d%n",
                    count,
                    count / secs,
                    devices,
                    failed.get(),
                    pts,
                    pts / secs,
                    st.overruns.get() - overruns0,
                    st.errors.get() - errors0);
            if (st.errors.get() > errors0) {
                System.out.println("  last error: " + st.lastError);
            }
            System.out.printf(
                    "  lateness of a device poll's start after its scheduled start (tick + phase): p50 %d ms, "
                            + "p99 %d ms, max %d ms (target p99 < 100 ms)%n",
                    pct(s, 50), pct(s, 99), pct(s, 100));
            long[] h = firstStart.values().stream()
                    .mapToLong(Long::longValue)
                    .sorted()
                    .toArray();
            System.out.printf(
                    "  lateness of the first device start of each tick after the tick: p50 %d ms, p99 %d ms, "
                            + "max %d ms (the scheduler's hand-over, before any device)%n",
                    pct(h, 50), pct(h, 99), pct(h, 100));
            System.out.printf(
                    "  its answer after its scheduled start: p50 %d ms, p99 %d ms, max %d ms%n",
                    pct(d, 50), pct(d, 99), pct(d, 100));
        } finally {
            scheduler.close();
        }
    }

    private static int readsPerPoll(int outlets) {
        return io.wattguard.meters.modbus.RequestPlanner.plan(
                        ModbusPduSimulator.map(outlets), io.wattguard.meters.modbus.RequestPlanner.Options.DEFAULT)
                .size();
    }

    private static long pct(long[] sorted, int p) {
        if (sorted.length == 0) {
            return -1;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    /** utime + stime of a process in clock ticks (USER_HZ, 100 on Linux). */
    private static long cpuTicks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (java.io.IOException | RuntimeException e) {
            return 0;
        }
    }
}

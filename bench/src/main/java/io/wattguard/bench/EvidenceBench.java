package io.wattguard.bench;

import io.wattguard.source.host.EvidenceScan;
import io.wattguard.source.host.EvidenceScanner;
import io.wattguard.source.host.Signatures;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Cost of one evidence scan on a busy host: spawns N idle processes (default 2,000 {@code sleep}) and a helper
 * holding S loopback TCP sockets (default 5,000: half client ends, half accepted ends), then times scans of the
 * live /proc. Reports wall time and the scanning thread's CPU time per scan, median of the repeats:
 * <ul>
 *   <li>steady: what runs every {@code evidence_interval} (processes, sockets, hidden-pid probes; file scans are
 *       every {@code files_interval} and reported apart);</li>
 *   <li>worst: every client socket goes to a pool port and loopback counts, so every socket is a suspect and the
 *       fd walk over all processes runs.</li>
 * </ul>
 * Everything it starts is killed before it exits. Usage: {@code EvidenceBench [processes] [sockets] [repeats]}.
 */
public final class EvidenceBench {
    public static void main(String[] args) throws Exception {
        int processes = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int sockets = args.length > 1 ? Integer.parseInt(args[1]) : 5000;
        int repeats = args.length > 2 ? Integer.parseInt(args[2]) : 15;
        List<Process> started = new ArrayList<>();
        try {
            Process spawner = new ProcessBuilder(
                            "bash", "-c", "for i in $(seq " + processes + "); do sleep 900 & done; wait")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            started.add(spawner);
            waitFor("the sleep processes", () -> spawner.descendants().count() >= processes);
            runScenario("steady", sockets, 4000, false, repeats, started);
            runScenario("worst", sockets, 3333, true, repeats, started);
        } finally {
            for (Process p : started) {
                List<ProcessHandle> children = p.descendants().toList();
                children.forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
                waitFor("the sleep processes to exit", () -> children.stream().noneMatch(ProcessHandle::isAlive));
            }
        }
    }

    private static void runScenario(
            String name, int sockets, int port, boolean loopback, int repeats, List<Process> started) throws Exception {
        Path ready = Files.createTempFile("wattguard-bench", ".ready");
        Files.delete(ready);
        int pairs = sockets / 2;
        Process helper = new ProcessBuilder("/usr/bin/python3", "-c", """
                import resource, socket, sys, time
                soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
                resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
                srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                srv.bind(('127.0.0.1', %d)); srv.listen(4096)
                keep = []
                for i in range(%d):
                    c = socket.create_connection(('127.0.0.1', %d)); a, _ = srv.accept(); keep += [c, a]
                open('%s', 'w').close()
                time.sleep(3600)
                """.formatted(port, pairs, port, ready))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .start();
        started.add(helper);
        try {
            waitFor("the helper's sockets", () -> Files.exists(ready) || !helper.isAlive());
            if (!helper.isAlive()) {
                throw new IllegalStateException("the socket helper died");
            }
            for (int probe : new int[] {0, 4096}) {
                EvidenceScanner.Options d = EvidenceScanner.Options.defaults();
                EvidenceScanner.Options o = new EvidenceScanner.Options(
                        Path.of("/"),
                        loopback,
                        false,
                        List.of(),
                        d.poolResolveInterval(),
                        List.of(),
                        false,
                        d.busyCpuPct(),
                        probe,
                        Duration.ofDays(1));
                ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
                try (EvidenceScanner s = new EvidenceScanner(o, Signatures.builtIn(), Clock.systemUTC())) {
                    long c0 = cpu.getCurrentThreadCpuTime();
                    EvidenceScan first = s.scan(); // includes the file scans (services, cron, installed programs)
                    long firstCpu = cpu.getCurrentThreadCpuTime() - c0;
                    for (int i = 0; i < 5; i++) {
                        s.scan(); // warm-up
                    }
                    long[] wall = new long[repeats];
                    long[] cpus = new long[repeats];
                    EvidenceScan last = null;
                    for (int i = 0; i < repeats; i++) {
                        long t0 = System.nanoTime();
                        long cc = cpu.getCurrentThreadCpuTime();
                        last = s.scan();
                        cpus[i] = cpu.getCurrentThreadCpuTime() - cc;
                        wall[i] = System.nanoTime() - t0;
                    }
                    java.util.Arrays.sort(wall);
                    java.util.Arrays.sort(cpus);
                    System.out.printf(
                            Locale.ROOT,
                            "EVIDENCE %-6s probe_pids %4d: %,d processes, %,d TCP sockets, %d findings "
                                    + "(%s); scan median wall %.1f ms, CPU %.1f ms (max wall %.1f ms); first scan with files "
                                    + "%.1f ms wall, %.1f ms CPU; at a 30 s interval: %.2f%% of one core%n",
                            name,
                            probe,
                            last.processes(),
                            last.sockets(),
                            last.findings().size(),
                            last.findings().isEmpty()
                                    ? "-"
                                    : last.findings().get(0).kind() + " "
                                            + last.findings().get(0).detail().replaceAll(" \\(and .*", ""),
                            wall[repeats / 2] / 1e6,
                            cpus[repeats / 2] / 1e6,
                            wall[repeats - 1] / 1e6,
                            first.nanos() / 1e6,
                            firstCpu / 1e6,
                            100.0 * cpus[repeats / 2] / 1e9 / 30);
                }
            }
        } finally {
            helper.destroyForcibly();
            helper.waitFor(30, TimeUnit.SECONDS);
            Files.deleteIfExists(ready);
        }
    }

    private static void waitFor(String what, java.util.function.BooleanSupplier ok) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!ok.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new IllegalStateException("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }
}

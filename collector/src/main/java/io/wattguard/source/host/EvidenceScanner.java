package io.wattguard.source.host;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Looks for what an incident responder looks for first on a host suspected of mining: miner programs, their
 * command lines, connections to pools, miner APIs, hiding tricks and persistence. One scan reads each
 * process's {@code stat}, {@code cmdline} and {@code exe} once, parses the TCP tables once and maps socket
 * inodes to processes only when a socket is suspicious; files (services, cron, installed programs, web roots)
 * are re-read only every {@link Options#filesInterval()}. Nothing here spawns a process or resolves a name:
 * pool domains are resolved on a background thread.
 *
 * <p>This class is the driver: {@link ProcessScan}, {@link ConnectionScan} and {@link FileScan} each own one
 * kind of evidence and the state it keeps between scans; {@link #scan} runs them in a fixed order and joins
 * their findings, which is the order a report lists them in.
 *
 * <p>Use from one thread at a time ({@link #scan} keeps state between scans to tell busy processes).
 */
public final class EvidenceScanner implements AutoCloseable {
    /** What to scan and how; see {@code docs/configuration.md}, {@code type: host}. */
    public record Options(
            Path root,
            boolean includeLoopback,
            boolean includePrivate,
            List<String> poolDomains,
            Duration poolResolveInterval,
            List<Path> webRoots,
            boolean storeCommandLines,
            double busyCpuPct,
            int probePids,
            Duration filesInterval) {
        public static Options defaults() {
            return new Options(
                    Path.of("/"),
                    false,
                    false,
                    List.of(),
                    Duration.ofMinutes(10),
                    List.of(),
                    false,
                    50,
                    4096,
                    Duration.ofMinutes(10));
        }

        public Options withRoot(Path r) {
            return new Options(
                    r,
                    includeLoopback,
                    includePrivate,
                    poolDomains,
                    poolResolveInterval,
                    webRoots,
                    storeCommandLines,
                    busyCpuPct,
                    probePids,
                    filesInterval);
        }
    }

    private final HostFs fs;
    private final Options options;
    private final Signatures signatures;
    private final Clock clock;
    private final ProcessScan processes;
    private final ConnectionScan connections;
    private final FileScan files;
    private ScheduledExecutorService resolving;
    private boolean closed;

    public EvidenceScanner(Options options, Signatures signatures, Clock clock) {
        this(options, signatures, clock, EvidenceScanner::resolve);
    }

    /** {@code resolver} turns a pool domain into its addresses; it runs on the background thread only. */
    public EvidenceScanner(
            Options options, Signatures signatures, Clock clock, Function<String, List<InetAddress>> resolver) {
        this.fs = new HostFs(options.root());
        this.options = options;
        this.signatures = signatures;
        this.clock = clock;
        this.processes = new ProcessScan(fs, options, signatures);
        this.connections = new ConnectionScan(fs, options, signatures, resolver);
        this.files = new FileScan(fs, options, signatures);
    }

    private static List<InetAddress> resolve(String domain) {
        try {
            return List.of(InetAddress.getAllByName(domain));
        } catch (UnknownHostException e) {
            return List.of();
        }
    }

    /** Starts resolving the pool domains now and every {@code poolResolveInterval}; nothing when there are none. */
    public synchronized void start() {
        if (closed || resolving != null || options.poolDomains().isEmpty()) {
            return;
        }
        resolving = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "wattguard-pool-resolver");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(1000, options.poolResolveInterval().toMillis());
        resolving.scheduleWithFixedDelay(this::resolvePoolDomains, 0, every, TimeUnit.MILLISECONDS);
    }

    /**
     * Resolves every pool domain once, on the caller's thread (the CLI's one-shot scan; the daemon uses
     * {@link #start()}). An address that no longer resolves drops out; a domain that fails keeps its last answer.
     */
    public void resolvePoolDomains() {
        connections.resolvePoolDomains();
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (resolving != null) {
            resolving.shutdownNow();
            resolving = null;
        }
    }

    /** One scan of this host. */
    public EvidenceScan scan() {
        return scan(List.of());
    }

    /**
     * One scan; {@code knownPids} are pids another source saw (NVML's GPU processes): any of them that
     * {@code /proc/PID} answers for but the listing of {@code /proc} lacks is a hidden process.
     */
    public EvidenceScan scan(Collection<Integer> knownPids) {
        long t0 = System.nanoTime();
        long nowMs = clock.millis();
        List<Finding> out = new ArrayList<>();
        Path proc = fs.path("/proc");
        // Processes first: the connection scan attributes sockets to them and the file scan skips what runs.
        Map<Integer, Proc> procs = processes.read(proc, knownPids, out);
        processes.check(proc, procs.values(), nowMs, out);
        int sockets = connections.check(proc, procs, out);
        checkHost(out);
        out.addAll(files.findings(procs.values(), nowMs));
        out.removeIf(f -> f.score() <= 0);
        return new EvidenceScan(out, procs.size(), sockets, System.nanoTime() - t0);
    }

    // ---- the host: two files, read every scan, too few to be a scan of their own ----

    private void checkHost(List<Finding> out) {
        String preload = fs.text("/etc/ld.so.preload");
        if (preload != null) {
            List<String> libs = preload.lines()
                    .map(String::strip)
                    .filter(l -> !l.isEmpty() && !l.startsWith("#"))
                    .toList();
            if (!libs.isEmpty()) {
                out.add(new Finding(
                        Finding.LD_SO_PRELOAD,
                        0,
                        "ld.so.preload",
                        signatures.weight(Signatures.LD_SO_PRELOAD),
                        "/etc/ld.so.preload loads " + String.join(", ", libs) + " into every program",
                        Signatures.LD_SO_PRELOAD));
            }
        }
        String meminfo = fs.text("/proc/meminfo");
        long huge = 0;
        if (meminfo != null) {
            for (String line : meminfo.split("\n")) {
                if (line.startsWith("HugePages_Total:")) {
                    huge = HostMetrics.kb(line);
                }
            }
        }
        if (huge > 0 && msrLoaded()) {
            out.add(new Finding(
                    Finding.RANDOMX_TUNING,
                    0,
                    "hugepages",
                    signatures.weight(Signatures.RANDOMX_TUNING),
                    huge + " hugepages reserved and the msr module loaded, as RandomX miners set a host up",
                    Signatures.RANDOMX_TUNING));
        }
    }

    private boolean msrLoaded() {
        if (fs.exists(fs.path("/sys/module/msr"))) {
            return true;
        }
        String modules = fs.text("/proc/modules");
        return modules != null && modules.lines().anyMatch(l -> l.startsWith("msr "));
    }
}

package io.wattguard.source.host;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Looks for what an incident responder looks for first on a host suspected of mining: miner programs, their
 * command lines, connections to pools, miner APIs, hiding tricks and persistence. One scan reads each
 * process's {@code stat}, {@code cmdline} and {@code exe} once, parses the TCP tables once and maps socket
 * inodes to processes only when a socket is suspicious; files (services, cron, installed programs, web roots)
 * are re-read only every {@link Options#filesInterval()}. Nothing here spawns a process or resolves a name:
 * pool domains are resolved on a background thread.
 *
 * <p>Use from one thread at a time ({@link #scan} keeps state between scans to tell busy processes).
 */
public final class EvidenceScanner implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EvidenceScanner.class);
    /** USER_HZ: the unit of /proc CPU times on every mainstream Linux architecture. */
    private static final int TICKS_PER_S = 100;
    private static final long PF_KTHREAD = 0x00200000L;
    private static final Pattern KERNEL_THREAD_NAME = Pattern.compile(
            "(?:kworker|ksoftirqd|kswapd|kcompactd|kdevtmpfs|migration/|rcu_|irq/)\\S*|kthreadd|khugepaged|kauditd|kthrotld");
    private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/_-]{16,}={0,2}");
    private static final Pattern TOKEN_SPLIT = Pattern.compile("[\\s'\"=;|&()<>,`]+");
    private static final List<String> TEMP_DIRS = List.of("/tmp/", "/var/tmp/", "/dev/shm/");
    private static final int MAX_WEB_FILES = 20_000;
    private static final int MAX_FILE_BYTES = 4 << 20;

    /** What to scan and how; see {@code docs/configuration.md}, {@code type: host}. */
    public record Options(Path root, boolean includeLoopback, boolean includePrivate, List<String> poolDomains,
            Duration poolResolveInterval, List<Path> webRoots, boolean storeCommandLines, double busyCpuPct,
            int probePids, Duration filesInterval) {
        public static Options defaults() {
            return new Options(Path.of("/"), false, false, List.of(), Duration.ofMinutes(10), List.of(), false, 50,
                    4096, Duration.ofMinutes(10));
        }

        public Options withRoot(Path r) {
            return new Options(r, includeLoopback, includePrivate, poolDomains, poolResolveInterval, webRoots,
                    storeCommandLines, busyCpuPct, probePids, filesInterval);
        }
    }

    /** What one process looked like in this scan. */
    record Proc(int pid, int ppid, String comm, long flags, long cpuTicks, long startTicks, byte[] rawCmdline,
            String cmdline, String argv0, String exe, boolean hidden) {}

    private final HostFs fs;
    private final Options options;
    private final Signatures signatures;
    private final Clock clock;
    private final Function<String, List<InetAddress>> resolver;
    private final AtomicReference<Map<InetAddress, String>> poolAddresses = new AtomicReference<>(Map.of());
    private ScheduledExecutorService resolving;
    private boolean closed;

    private final Map<Integer, long[]> prevCpu = new HashMap<>();
    private long prevScanMs = -1;
    private int probeCursor = 1;
    private long filesDueMs = Long.MIN_VALUE;
    private List<Finding> fileFindings = List.of();

    public EvidenceScanner(Options options, Signatures signatures, Clock clock) {
        this(options, signatures, clock, EvidenceScanner::resolve);
    }

    /** {@code resolver} turns a pool domain into its addresses; it runs on the background thread only. */
    public EvidenceScanner(Options options, Signatures signatures, Clock clock, Function<String, List<InetAddress>> resolver) {
        this.fs = new HostFs(options.root());
        this.options = options;
        this.signatures = signatures;
        this.clock = clock;
        this.resolver = resolver;
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
        Map<InetAddress, String> old = poolAddresses.get();
        Map<InetAddress, String> next = new HashMap<>();
        for (String d : options.poolDomains()) {
            List<InetAddress> addrs;
            try {
                addrs = resolver.apply(d);
            } catch (RuntimeException e) {
                addrs = List.of();
            }
            if (addrs.isEmpty()) {
                old.forEach((a, dom) -> {
                    if (dom.equals(d)) {
                        next.put(a, dom);
                    }
                });
                log.debug("pool domain {} did not resolve; keeping its last addresses", d);
            }
            addrs.forEach(a -> next.putIfAbsent(a, d));
        }
        poolAddresses.set(Map.copyOf(next));
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
        Set<Integer> listed = listPids(proc);
        Map<Integer, Proc> procs = new LinkedHashMap<>();
        for (int pid : listed) {
            Proc p = readProc(proc, pid, false);
            if (p != null) {
                procs.put(pid, p);
            }
        }
        for (Proc p : findHidden(proc, listed, procs, knownPids)) {
            procs.put(p.pid(), p);
            out.add(finding(Finding.HIDDEN_PROCESS, p, Signatures.HIDDEN,
                    "/proc/" + p.pid() + " answers but the /proc listing hides it" + describeExe(p)));
        }
        double uptimeS = uptimeSeconds();
        for (Proc p : procs.values()) {
            checkProcess(p, out);
            if (isBusy(p, nowMs, uptimeS)) {
                checkPreloadEnv(proc, p, out);
            }
        }
        rememberCpu(procs.values(), nowMs);
        int sockets = checkNetwork(proc, procs, out);
        checkHost(out);
        if (nowMs >= filesDueMs) {
            fileFindings = scanFiles(procs.values());
            filesDueMs = nowMs + options.filesInterval().toMillis();
        }
        out.addAll(fileFindings);
        out.removeIf(f -> f.score() <= 0);
        return new EvidenceScan(out, procs.size(), sockets, System.nanoTime() - t0);
    }

    // ---- processes ----

    private Set<Integer> listPids(Path proc) {
        Set<Integer> pids = new HashSet<>();
        for (String name : fs.list(proc)) {
            int pid = pidOf(name);
            if (pid > 0) {
                pids.add(pid);
            }
        }
        return pids;
    }

    private static int pidOf(String name) {
        if (name.isEmpty() || name.length() > 9) {
            return -1;
        }
        int n = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    /** Null when the process is gone or is not a process (a thread's /proc/TID). */
    private Proc readProc(Path proc, int pid, boolean hidden) {
        Path dir = proc.resolve(Integer.toString(pid));
        String stat = fs.text(dir.resolve("stat"), 4096);
        if (stat == null) {
            return null;
        }
        // pid (comm) state ppid ...: comm may hold spaces and parentheses, so it ends at the last ')'.
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        if (open < 0 || close < open) {
            return null;
        }
        String comm = stat.substring(open + 1, close);
        String[] f = stat.substring(close + 2).trim().split(" ");
        if (f.length < 20) {
            return null;
        }
        int ppid = (int) HostFs.parseLong(f[1], 0);
        long flags = HostFs.parseLong(f[6], 0);
        long cpu = HostFs.parseLong(f[11], 0) + HostFs.parseLong(f[12], 0);
        long start = HostFs.parseLong(f[19], 0);
        byte[] raw = fs.bytes(dir.resolve("cmdline"), 64 * 1024);
        String cmdline = "";
        String argv0 = "";
        if (raw != null && raw.length > 0) {
            int end = raw.length;
            while (end > 0 && raw[end - 1] == 0) {
                end--;
            }
            int firstNul = 0;
            while (firstNul < end && raw[firstNul] != 0) {
                firstNul++;
            }
            argv0 = new String(raw, 0, firstNul, StandardCharsets.UTF_8);
            cmdline = new String(raw, 0, end, StandardCharsets.UTF_8);
        }
        String exe = fs.link(dir.resolve("exe"));
        return new Proc(pid, ppid, comm, flags, cpu, start, raw, cmdline, argv0, exe, hidden);
    }

    /**
     * Pids that answer at /proc/PID but that the listing lacks, as a libc-level rootkit (an LD_PRELOAD or
     * ld.so.preload library filtering readdir) makes them. Probes, each a single stat: pids another source
     * knows, parents of listed processes, the pids around the newest listed one (where a new process lands)
     * and a rotating slice of the whole pid range, so every pid is probed within a few scans. A thread's
     * /proc/TID also answers without being listed, so only thread-group leaders count, and a pid that turns
     * up in a second listing merely started during the scan.
     */
    private List<Proc> findHidden(Path proc, Set<Integer> listed, Map<Integer, Proc> procs, Collection<Integer> known) {
        int budget = Math.max(0, options.probePids());
        int pidMax = (int) HostFs.parseLong(orEmpty(fs.text(fs.path("/proc/sys/kernel/pid_max"), 64)), 32768);
        Set<Integer> candidates = new HashSet<>(known);
        procs.values().forEach(p -> candidates.add(p.ppid()));
        if (budget > 0 && !listed.isEmpty()) {
            int newest = listed.stream().mapToInt(Integer::intValue).max().orElse(1);
            int window = budget / 2;
            for (int pid = Math.max(1, newest - window + 64); pid <= Math.min(pidMax, newest + 64); pid++) {
                candidates.add(pid);
            }
            int sweep = budget - window;
            for (int i = 0; i < sweep; i++) {
                candidates.add(probeCursor);
                probeCursor = probeCursor >= pidMax ? 1 : probeCursor + 1;
            }
        }
        List<Integer> suspects = new ArrayList<>();
        for (int pid : candidates) {
            if (pid > 0 && !listed.contains(pid) && fs.probe(proc.resolve(Integer.toString(pid)))
                    && isThreadGroupLeader(proc, pid)) {
                suspects.add(pid);
            }
        }
        if (suspects.isEmpty()) {
            return List.of();
        }
        Set<Integer> again = listPids(proc);
        List<Proc> hidden = new ArrayList<>();
        for (int pid : suspects) {
            if (!again.contains(pid)) {
                Proc p = readProc(proc, pid, true);
                if (p != null) {
                    hidden.add(p);
                }
            }
        }
        return hidden;
    }

    private boolean isThreadGroupLeader(Path proc, int pid) {
        String status = fs.text(proc.resolve(Integer.toString(pid)).resolve("status"), 4096);
        if (status == null) {
            return false;
        }
        for (String line : status.split("\n")) {
            if (line.startsWith("Tgid:")) {
                return HostFs.parseLong(line.substring(5), -1) == pid;
            }
        }
        return false;
    }

    private void checkProcess(Proc p, List<Finding> out) {
        if (p.exe() == null && p.cmdline().isEmpty()) {
            return; // a kernel thread (or a zombie): nothing of its own to judge
        }
        // Names: the kernel's comm (15 characters), argv[0] and the executable's file name.
        Signatures.Signature miner = firstNonNull(signatures.miner(p.comm()), signatures.miner(firstWord(p.argv0())),
                signatures.miner(exePath(p)));
        if (miner != null) {
            out.add(finding(Finding.MINER_PROCESS, p, miner, miner.description() + describeExe(p)));
        } else {
            Signatures.Signature wallet = firstNonNull(signatures.wallet(p.comm()),
                    signatures.wallet(firstWord(p.argv0())), signatures.wallet(exePath(p)));
            if (wallet != null) {
                out.add(finding(Finding.WALLET, p, wallet, wallet.description() + " running" + describeExe(p)));
            }
        }
        if (!p.cmdline().isEmpty()) {
            checkCommandLine(p, out);
        }
        String argv0 = stripBrackets(firstWord(p.argv0()));
        boolean bracketed = p.argv0().startsWith("[") && p.argv0().endsWith("]");
        if (p.exe() != null && (p.flags() & PF_KTHREAD) == 0
                && (bracketed || KERNEL_THREAD_NAME.matcher(p.comm()).matches()
                        || KERNEL_THREAD_NAME.matcher(argv0).matches())) {
            out.add(finding(Finding.FAKE_KERNEL_THREAD, p, Signatures.FAKE_KERNEL_THREAD,
                    "named '" + (bracketed ? p.argv0() : p.comm()) + "' like a kernel thread, runs " + exePath(p)));
        }
        String exe = p.exe();
        // A memfd executable is anonymous memory, not a deleted file; runc and sandboxes run sealed copies of
        // themselves this way, so it is not judged here (a miner run so still shows by name, arguments, sockets).
        if (exe != null && exe.endsWith(" (deleted)") && !exe.startsWith("/memfd:")) {
            out.add(finding(Finding.DELETED_EXECUTABLE, p, Signatures.DELETED_EXE, "runs " + exe));
        }
        if (exe != null && TEMP_DIRS.stream().anyMatch(exe::startsWith)) {
            out.add(finding(Finding.TEMP_EXECUTABLE, p, Signatures.TEMP_EXE, "runs " + exePath(p)));
        }
    }

    private void checkCommandLine(Proc p, List<Finding> out) {
        String text = p.cmdline().replace('\0', ' ');
        Set<String> seen = new HashSet<>();
        for (Signatures.Signature s : signatures.commandLines()) {
            Matcher m = s.pattern().matcher(text);
            if (m.find() && seen.add(s.id())) {
                out.add(finding(Finding.MINER_COMMAND_LINE, p, s, commandLineDetail(s, m.group(), p, false)));
            }
        }
        // Droppers hide the pool URL from a glance at ps with base64 (echo ... | base64 -d | sh, or a miner's
        // config passed inline): decode long base64-looking tokens and look again.
        int decoded = 0;
        for (String token : TOKEN_SPLIT.split(text)) {
            if (decoded >= 32 || token.length() < 16 || !BASE64.matcher(token).matches()) {
                continue;
            }
            String plain = decodeBase64(token);
            decoded++;
            if (plain == null) {
                continue;
            }
            for (Signatures.Signature s : signatures.commandLines()) {
                Matcher m = s.pattern().matcher(plain);
                if (m.find() && seen.add(s.id())) {
                    out.add(finding(Finding.MINER_COMMAND_LINE, p, s, commandLineDetail(s, m.group(), p, true)));
                }
            }
        }
    }

    static String decodeBase64(String token) {
        String t = token.replace('-', '+').replace('_', '/');
        int pad = t.indexOf('=');
        if (pad >= 0) {
            t = t.substring(0, pad);
        }
        // Lenient: a token cut out of a longer string may not end on a 4-character boundary.
        t = t.substring(0, t.length() - (t.length() % 4 == 1 ? 1 : 0));
        byte[] b;
        try {
            b = Base64.getDecoder().decode(t + "==".substring(0, (4 - t.length() % 4) % 4));
        } catch (IllegalArgumentException e) {
            return null;
        }
        int printable = 0;
        for (byte x : b) {
            if (x >= 0x20 && x < 0x7f || x == '\n' || x == '\t') {
                printable++;
            }
        }
        return b.length > 0 && printable >= b.length * 0.9 ? new String(b, StandardCharsets.ISO_8859_1) : null;
    }

    private String commandLineDetail(Signatures.Signature s, String matched, Proc p, boolean base64) {
        StringBuilder d = new StringBuilder();
        if (s.secret()) {
            d.append(s.description()).append(" (").append(matched.length()).append(" characters, not stored)");
        } else {
            String m = matched.strip();
            d.append("marker '").append(m.length() > 48 ? m.substring(0, 48) + "…" : m).append("'");
        }
        if (base64) {
            d.append(" in base64");
        }
        d.append("; command line sha256:").append(sha256(p.rawCmdline()));
        if (options.storeCommandLines()) {
            String c = p.cmdline().replace('\0', ' ');
            d.append("; command line: ").append(c.length() > 2000 ? c.substring(0, 2000) + "…" : c);
        }
        return d.toString();
    }

    /**
     * The first 16 hex digits of the SHA-256 of {@code /proc/PID/cmdline} as the kernel gives it (NUL-separated):
     * enough to match it with another record ({@code sha256sum /proc/PID/cmdline}), not to read it.
     */
    static String sha256(byte[] cmdline) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(cmdline);
            return HexFormat.of().formatHex(h, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** CPU share since the last scan (or since the process started, the first time it is seen) at or above the threshold. */
    private boolean isBusy(Proc p, long nowMs, double uptimeS) {
        long[] prev = prevCpu.get(p.pid());
        double pct;
        if (prev != null && prev[0] == p.startTicks() && prevScanMs >= 0 && nowMs > prevScanMs) {
            pct = 100.0 * (p.cpuTicks() - prev[1]) / TICKS_PER_S / ((nowMs - prevScanMs) / 1000.0);
        } else {
            double ageS = uptimeS - (double) p.startTicks() / TICKS_PER_S;
            pct = ageS > 1 ? 100.0 * p.cpuTicks() / TICKS_PER_S / ageS : 0;
        }
        return pct >= options.busyCpuPct();
    }

    private void rememberCpu(Collection<Proc> procs, long nowMs) {
        prevCpu.clear();
        procs.forEach(p -> prevCpu.put(p.pid(), new long[] {p.startTicks(), p.cpuTicks()}));
        prevScanMs = nowMs;
    }

    private double uptimeSeconds() {
        String u = fs.text("/proc/uptime");
        if (u == null || u.isBlank()) {
            return 0;
        }
        try {
            return Double.parseDouble(u.trim().split("\\s+")[0]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private void checkPreloadEnv(Path proc, Proc p, List<Finding> out) {
        byte[] env = fs.bytes(proc.resolve(Integer.toString(p.pid())).resolve("environ"), 256 * 1024);
        if (env == null) {
            return;
        }
        int start = 0;
        for (int i = 0; i <= env.length; i++) {
            if (i == env.length || env[i] == 0) {
                if (i - start > 11 && startsWith(env, start, "LD_PRELOAD=")) {
                    String libs = new String(env, start + 11, i - start - 11, StandardCharsets.UTF_8).strip();
                    if (!libs.isEmpty()) {
                        out.add(finding(Finding.LD_PRELOAD, p, Signatures.LD_PRELOAD,
                                "busy, and runs with LD_PRELOAD=" + libs));
                    }
                    return;
                }
                start = i + 1;
            }
        }
    }

    private static boolean startsWith(byte[] b, int at, String prefix) {
        for (int i = 0; i < prefix.length(); i++) {
            if (b[at + i] != prefix.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    // ---- network ----

    /** One TCP socket worth telling about, before we know its process. */
    private record Suspect(String kind, Signatures.Signature signature, double weight, String detail) {}

    /** An established or connecting socket that may be a pool connection, judged once every listener is known. */
    private record Outbound(int localPort, String remote, int remotePort, boolean connecting, long inode) {}

    /**
     * Streams {@code /proc/net/tcp} and {@code tcp6} line by line, keeping only listeners and the connections
     * that could matter, so a host with 100,000 sockets costs no more memory than one with 100.
     */
    private int checkNetwork(Path proc, Map<Integer, Proc> procs, List<Finding> out) {
        Set<Integer> listening = new HashSet<>();
        List<Outbound> outbound = new ArrayList<>();
        Map<Inode, Suspect> suspects = new HashMap<>();
        Map<InetAddress, String> pools = poolAddresses.get();
        int rows = 0;
        String[] f = new String[10];
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(Files.newInputStream(fs.path(table)),
                    StandardCharsets.ISO_8859_1), 1 << 16)) {
                r.readLine(); // the header
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    if (!fields(line, f)) {
                        continue;
                    }
                    rows++;
                    String state = f[3];
                    if ("0A".equals(state)) {
                        int port = port(f[1]);
                        listening.add(port);
                        Signatures.Signature api = signatures.apiPort(port);
                        long inode = HostFs.parseLong(f[9], 0);
                        if (api != null && inode != 0) {
                            suspects.put(new Inode(inode), new Suspect(Finding.MINER_API, api, api.weight(),
                                    api.description() + ": listening on " + endpoint(f[1])));
                        }
                    } else if ("01".equals(state) || "02".equals(state)) {
                        int rport = port(f[2]);
                        if (signatures.poolPort(rport) != null || !pools.isEmpty()) {
                            outbound.add(new Outbound(port(f[1]), f[2], rport, "02".equals(state), HostFs.parseLong(f[9], 0)));
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // no such table (no IPv6, an image without /proc) or a line we cannot read: what was read counts
            }
        }
        for (Outbound o : outbound) {
            // Not accepted by one of our own listeners: a connection this host opened.
            if (o.inode() == 0 || listening.contains(o.localPort())) {
                continue;
            }
            InetAddress remote = address(o.remote());
            if (remote == null || !countable(remote)) {
                continue;
            }
            String domain = pools.get(remote);
            if (domain != null) {
                suspects.put(new Inode(o.inode()), new Suspect(Finding.POOL_CONNECTION, null,
                        signatures.weight(Signatures.POOL_DOMAIN), "connected to pool domain " + domain + " ("
                        + remote.getHostAddress() + ":" + o.remotePort() + ")" + (o.connecting() ? ", connecting" : "")));
                continue;
            }
            Signatures.Signature pool = signatures.poolPort(o.remotePort());
            if (pool != null) {
                suspects.put(new Inode(o.inode()), new Suspect(Finding.POOL_CONNECTION, pool, pool.weight(),
                        "connected to " + remote.getHostAddress() + ":" + o.remotePort() + ", " + pool.description()
                                + (o.connecting() ? " (connecting)" : "")));
            }
        }
        if (!suspects.isEmpty()) {
            attribute(proc, procs, suspects, out);
        }
        return rows;
    }

    /** The first ten space-separated fields of a /proc/net/tcp line (sl, local, remote, st, ..., inode). */
    static boolean fields(String line, String[] f) {
        int n = 0;
        int i = 0;
        int len = line.length();
        while (n < f.length) {
            while (i < len && line.charAt(i) == ' ') {
                i++;
            }
            if (i >= len) {
                return false;
            }
            int start = i;
            while (i < len && line.charAt(i) != ' ') {
                i++;
            }
            f[n++] = line.substring(start, i);
        }
        return true;
    }

    /** A socket inode, boxed once so the fd walk can look up without parsing twice. */
    private record Inode(long value) {}

    /**
     * Maps the suspicious sockets to their processes through the {@code socket:[INODE]} links in
     * {@code /proc/PID/fd}: one walk per scan, only when there is something to map, stopping once every
     * suspect has an owner. Findings are per process and kind: a miner with 40 pool connections is one finding.
     */
    private void attribute(Path proc, Map<Integer, Proc> procs, Map<Inode, Suspect> suspects, List<Finding> out) {
        Map<String, Finding> perProcess = new LinkedHashMap<>();
        Map<String, Integer> counts = new HashMap<>();
        Set<Inode> left = new HashSet<>(suspects.keySet());
        for (Proc p : procs.values()) {
            if (left.isEmpty()) {
                break;
            }
            Path fd = proc.resolve(Integer.toString(p.pid())).resolve("fd");
            for (String n : fs.list(fd)) {
                String target = fs.link(fd.resolve(n));
                if (target == null || !target.startsWith("socket:[")) {
                    continue;
                }
                Inode inode = new Inode(HostFs.parseLong(target.substring(8, target.length() - 1), 0));
                Suspect s = suspects.get(inode);
                if (s == null) {
                    continue;
                }
                left.remove(inode);
                String key = p.pid() + "/" + s.kind() + "/" + (s.signature() == null ? "domain" : s.signature().id());
                int c = counts.merge(key, 1, Integer::sum);
                if (c == 1) {
                    perProcess.put(key, new Finding(s.kind(), p.pid(), p.comm(), s.weight(), s.detail(),
                            s.signature() == null ? Signatures.POOL_DOMAIN : s.signature().id()));
                }
            }
        }
        for (var e : perProcess.entrySet()) {
            int c = counts.get(e.getKey());
            Finding f = e.getValue();
            out.add(c == 1 ? f : new Finding(f.kind(), f.pid(), f.process(), f.score(),
                    f.detail() + " (and " + (c - 1) + " more such sockets)", f.signature()));
        }
        if (!left.isEmpty()) {
            // Sockets whose owner exited mid-scan, or lives in a process we may not read: still worth telling.
            Map<String, Integer> orphan = new LinkedHashMap<>();
            Map<String, Suspect> first = new HashMap<>();
            for (Inode i : left) {
                Suspect s = suspects.get(i);
                String key = s.kind() + "/" + (s.signature() == null ? "domain" : s.signature().id());
                orphan.merge(key, 1, Integer::sum);
                first.putIfAbsent(key, s);
            }
            orphan.forEach((key, c) -> {
                Suspect s = first.get(key);
                out.add(new Finding(s.kind(), 0, "", s.weight(), s.detail() + (c > 1 ? " (and " + (c - 1)
                        + " more)" : "") + "; no readable process owns it",
                        s.signature() == null ? Signatures.POOL_DOMAIN : s.signature().id()));
            });
        }
    }

    private boolean countable(InetAddress a) {
        if (a.isAnyLocalAddress()) {
            return false;
        }
        if (a.isLoopbackAddress()) {
            return options.includeLoopback();
        }
        if (isPrivate(a)) {
            return options.includePrivate();
        }
        return true;
    }

    static boolean isPrivate(InetAddress a) {
        if (a.isSiteLocalAddress() || a.isLinkLocalAddress()) {
            return true;
        }
        byte[] b = a.getAddress();
        if (b.length == 4) {
            return (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64; // 100.64.0.0/10, carrier-grade NAT
        }
        return (b[0] & 0xfe) == 0xfc; // fc00::/7, unique local
    }

    static int port(String hexEndpoint) {
        int colon = hexEndpoint.lastIndexOf(':');
        return colon < 0 ? -1 : Integer.parseInt(hexEndpoint.substring(colon + 1), 16);
    }

    /** The kernel writes each 32-bit word of the address in host (little-endian) order. */
    static InetAddress address(String hexEndpoint) {
        int colon = hexEndpoint.lastIndexOf(':');
        String hex = hexEndpoint.substring(0, colon);
        if (hex.length() != 8 && hex.length() != 32) {
            return null;
        }
        byte[] b = new byte[hex.length() / 2];
        for (int w = 0; w < b.length / 4; w++) {
            for (int i = 0; i < 4; i++) {
                int at = w * 8 + (3 - i) * 2;
                b[w * 4 + i] = (byte) Integer.parseInt(hex.substring(at, at + 2), 16);
            }
        }
        try {
            return InetAddress.getByAddress(b); // an IPv4-mapped IPv6 address comes back as IPv4
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static String endpoint(String hexEndpoint) {
        InetAddress a = address(hexEndpoint);
        return (a == null ? "?" : a.getHostAddress()) + ":" + port(hexEndpoint);
    }

    // ---- the host ----

    private void checkHost(List<Finding> out) {
        String preload = fs.text("/etc/ld.so.preload");
        if (preload != null) {
            List<String> libs = preload.lines().map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
            if (!libs.isEmpty()) {
                out.add(new Finding(Finding.LD_SO_PRELOAD, 0, "ld.so.preload", signatures.weight(Signatures.LD_SO_PRELOAD),
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
            out.add(new Finding(Finding.RANDOMX_TUNING, 0, "hugepages", signatures.weight(Signatures.RANDOMX_TUNING),
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

    // ---- files: persistence, installed programs, web roots ----

    private List<Finding> scanFiles(Collection<Proc> procs) {
        List<Finding> out = new ArrayList<>();
        Set<String> running = new HashSet<>();
        procs.forEach(p -> {
            if (p.exe() != null) {
                running.add(exePath(p));
            }
        });
        scanPersistence(out);
        scanInstalled(running, out);
        for (Path webRoot : options.webRoots()) {
            scanWebRoot(webRoot, out);
        }
        return out;
    }

    private void scanPersistence(List<Finding> out) {
        List<String> homes = new ArrayList<>(List.of("/root"));
        for (String h : fs.list(fs.path("/home"))) {
            homes.add("/home/" + h);
        }
        List<String> dirs = new ArrayList<>(List.of("/etc/systemd/system", "/etc/systemd/user", "/lib/systemd/system",
                "/usr/lib/systemd/system", "/usr/local/lib/systemd/system", "/run/systemd/system", "/etc/cron.d",
                "/etc/cron.hourly", "/etc/cron.daily", "/etc/cron.weekly", "/etc/cron.monthly", "/var/spool/cron",
                "/var/spool/cron/crontabs", "/etc/init.d", "/etc/rc.d/init.d", "/etc/profile.d"));
        List<String> files = new ArrayList<>(List.of("/etc/crontab", "/etc/rc.local", "/etc/rc.d/rc.local"));
        for (String h : homes) {
            dirs.add(h + "/.config/systemd/user");
            files.add(h + "/.bashrc");
            files.add(h + "/.profile");
            files.add(h + "/.bash_profile");
        }
        for (String d : dirs) {
            Path dir = fs.path(d);
            for (String name : fs.list(dir)) {
                Path f = dir.resolve(name);
                if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                    persistenceFile(d + "/" + name, f, out);
                } else if (name.endsWith(".d") && Files.isDirectory(f, LinkOption.NOFOLLOW_LINKS)) {
                    for (String dropIn : fs.list(f)) {
                        Path g = f.resolve(dropIn);
                        if (Files.isRegularFile(g, LinkOption.NOFOLLOW_LINKS)) {
                            persistenceFile(d + "/" + name + "/" + dropIn, g, out);
                        }
                    }
                }
            }
        }
        for (String name : files) {
            Path f = fs.path(name);
            if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                persistenceFile(name, f, out);
            }
        }
    }

    /** Services, cron lines and start scripts that run a miner by name or carry a miner's command-line markers. */
    private void persistenceFile(String shown, Path f, List<Finding> out) {
        String text = fs.text(f, MAX_FILE_BYTES);
        if (text == null) {
            return;
        }
        double weight = signatures.weight(Signatures.PERSISTENCE);
        String fileName = shown.substring(shown.lastIndexOf('/') + 1);
        int lineNo = 0;
        for (String line : text.split("\n")) {
            lineNo++;
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#") || l.startsWith(";")) {
                continue;
            }
            String why = null;
            for (String token : TOKEN_SPLIT.split(l)) {
                Signatures.Signature m = signatures.miner(token);
                if (m != null) {
                    why = "runs " + token.substring(token.lastIndexOf('/') + 1) + " (" + m.id() + ")";
                    break;
                }
            }
            if (why == null) {
                for (Signatures.Signature s : signatures.commandLines()) {
                    Matcher m = s.pattern().matcher(l);
                    if (m.find()) {
                        why = s.secret() ? "holds " + s.description() : "holds marker '" + m.group().strip() + "' (" + s.id() + ")";
                        break;
                    }
                }
            }
            if (why != null) {
                out.add(new Finding(Finding.PERSISTENCE, 0, fileName, weight, shown + " line " + lineNo + " " + why,
                        Signatures.PERSISTENCE));
                return; // one finding per file says enough
            }
        }
    }

    private void scanInstalled(Set<String> running, List<Finding> out) {
        List<String> flat = new ArrayList<>(List.of("/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/bin",
                "/sbin"));
        List<String> deep = new ArrayList<>(List.of("/opt", "/root", "/tmp", "/var/tmp", "/dev/shm", "/usr/local"));
        for (String h : fs.list(fs.path("/home"))) {
            deep.add("/home/" + h);
        }
        Set<String> seen = new HashSet<>();
        for (String d : flat) {
            for (String name : fs.list(fs.path(d))) {
                installed(d + "/" + name, name, running, seen, out);
            }
        }
        for (String d : deep) {
            walkInstalled(d, 3, running, seen, out, new int[] {20_000});
        }
    }

    private void walkInstalled(String dir, int depth, Set<String> running, Set<String> seen, List<Finding> out,
            int[] budget) {
        for (String name : fs.list(fs.path(dir))) {
            if (--budget[0] < 0) {
                return;
            }
            String shown = dir.equals("/") ? "/" + name : dir + "/" + name;
            Path p = fs.path(shown);
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                if (depth > 1 && !name.startsWith(".cache")) {
                    walkInstalled(shown, depth - 1, running, seen, out, budget);
                }
            } else {
                installed(shown, name, running, seen, out);
            }
        }
    }

    private void installed(String shown, String name, Set<String> running, Set<String> seen, List<Finding> out) {
        Signatures.Signature m = signatures.miner(name);
        Signatures.Signature w = m == null ? signatures.wallet(name) : null;
        if ((m == null && w == null) || running.contains(shown) || !seen.add(shown)) {
            return;
        }
        Path p = fs.path(shown);
        if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
            return; // a config file or a README named after a miner says little
        }
        Signatures.Signature s = m != null ? m : w;
        double weight = Math.min(s.weight(), signatures.weight(Signatures.INSTALLED));
        out.add(new Finding(m != null ? Finding.INSTALLED_MINER : Finding.WALLET, 0, name, weight,
                shown + ": " + s.description() + ", installed, not running", s.id()));
    }

    private void scanWebRoot(Path webRoot, List<Finding> out) {
        Path base = webRoot.isAbsolute() ? fs.path(webRoot.toString()) : webRoot;
        int[] budget = {MAX_WEB_FILES};
        walkWeb(base, webRoot.toString(), 8, budget, out);
    }

    private void walkWeb(Path dir, String shown, int depth, int[] budget, List<Finding> out) {
        for (String name : fs.list(dir)) {
            if (--budget[0] < 0) {
                return;
            }
            Path p = dir.resolve(name);
            String s = shown.endsWith("/") ? shown + name : shown + "/" + name;
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                if (depth > 1 && !name.equals("node_modules") && !name.startsWith(".git")) {
                    walkWeb(p, s, depth - 1, budget, out);
                }
                continue;
            }
            String lower = name.toLowerCase(Locale.ROOT);
            if (!(lower.endsWith(".js") || lower.endsWith(".mjs") || lower.endsWith(".html") || lower.endsWith(".htm")
                    || lower.endsWith(".php") || lower.endsWith(".wasm"))) {
                continue;
            }
            byte[] b = fs.bytes(p, MAX_FILE_BYTES);
            if (b == null) {
                continue;
            }
            // ISO-8859-1 maps every byte to one char, so names inside WebAssembly binaries are searchable too.
            String text = new String(b, StandardCharsets.ISO_8859_1);
            for (Signatures.Signature sig : signatures.browser()) {
                Matcher m = sig.pattern().matcher(text);
                if (m.find()) {
                    out.add(new Finding(Finding.BROWSER_MINER, 0, name, sig.weight(),
                            s + ": " + sig.description() + " ('" + m.group() + "')", sig.id()));
                    break;
                }
            }
        }
    }

    // ---- helpers ----

    private Finding finding(String kind, Proc p, String checkId, String detail) {
        return new Finding(kind, p.pid(), p.comm(), signatures.weight(checkId), detail, checkId);
    }

    private Finding finding(String kind, Proc p, Signatures.Signature s, String detail) {
        return new Finding(kind, p.pid(), p.comm(), s.weight(), detail, s.id());
    }

    private static String describeExe(Proc p) {
        return p.exe() == null ? "" : " (" + p.exe() + ")";
    }

    /** The executable's path without the kernel's " (deleted)" suffix. */
    private static String exePath(Proc p) {
        String e = p.exe();
        if (e == null) {
            return null;
        }
        return e.endsWith(" (deleted)") ? e.substring(0, e.length() - 10) : e;
    }

    private static String firstWord(String s) {
        int sp = s.indexOf(' ');
        return sp < 0 ? s : s.substring(0, sp);
    }

    private static String stripBrackets(String s) {
        return s.startsWith("[") && s.endsWith("]") && s.length() > 2 ? s.substring(1, s.length() - 1) : s;
    }

    @SafeVarargs
    private static <T> T firstNonNull(T... xs) {
        return Arrays.stream(xs).filter(x -> x != null).findFirst().orElse(null);
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}

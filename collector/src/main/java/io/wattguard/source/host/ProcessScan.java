package io.wattguard.source.host;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The process part of an {@link EvidenceScanner} scan: reads each process's {@code stat}, {@code cmdline} and
 * {@code exe} once, finds processes the {@code /proc} listing hides, and judges names, command lines (base64
 * included), fake kernel threads, deleted or temporary executables and, for busy processes, LD_PRELOAD.
 *
 * <p>Keeps state between scans (CPU times, the probe cursor), so use from one thread at a time.
 */
final class ProcessScan {
    /** USER_HZ: the unit of /proc CPU times on every mainstream Linux architecture. */
    private static final int TICKS_PER_S = 100;

    private static final long PF_KTHREAD = 0x00200000L;
    private static final Pattern KERNEL_THREAD_NAME = Pattern.compile(
            "(?:kworker|ksoftirqd|kswapd|kcompactd|kdevtmpfs|migration/|rcu_|irq/)\\S*|kthreadd|khugepaged|kauditd|kthrotld");
    /** Shorter tokens are too often plain words or hashes to be worth decoding. */
    private static final int MIN_BASE64_CHARS = 16;

    private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/_-]{" + MIN_BASE64_CHARS + ",}={0,2}");
    /** How many base64-looking tokens of one command line are decoded, so a huge one costs little. */
    private static final int MAX_BASE64_TOKENS = 32;

    private static final List<String> TEMP_DIRS = List.of("/tmp/", "/var/tmp/", "/dev/shm/");
    private static final int MAX_STAT_BYTES = 4096;
    private static final int MAX_CMDLINE_BYTES = 64 * 1024;
    private static final int MAX_ENVIRON_BYTES = 256 * 1024;
    /** A pid in /proc has at most this many digits (pid_max is at most 2^22). */
    private static final int MAX_PID_DIGITS = 9;
    /** The fields of /proc/PID/stat after "(comm)" that a process must have: up to starttime. */
    private static final int MIN_STAT_FIELDS = 20;
    /** The kernel's default /proc/sys/kernel/pid_max, used when it cannot be read. */
    private static final int DEFAULT_PID_MAX = 32768;
    /** How far beyond the newest listed pid (and this much less below) the window of probes reaches. */
    private static final int NEWEST_PID_MARGIN = 64;

    private static final int MAX_MARKER_CHARS = 48;
    private static final int MAX_STORED_CMDLINE_CHARS = 2000;
    private static final String LD_PRELOAD_VAR = "LD_PRELOAD=";

    private final HostFs fs;
    private final EvidenceScanner.Options options;
    private final Signatures signatures;

    private final Map<Integer, long[]> prevCpu = new HashMap<>();
    private long prevScanMs = -1;
    private int probeCursor = 1;

    ProcessScan(HostFs fs, EvidenceScanner.Options options, Signatures signatures) {
        this.fs = fs;
        this.options = options;
        this.signatures = signatures;
    }

    /**
     * Every listed process, then the hidden ones found among {@code knownPids} and the probes, each hidden one
     * also told in {@code out}.
     */
    Map<Integer, Proc> read(Path proc, Collection<Integer> knownPids, List<Finding> out) {
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
            out.add(p.finding(
                    Finding.HIDDEN_PROCESS,
                    signatures,
                    Signatures.HIDDEN,
                    "/proc/" + p.pid() + " answers but the /proc listing hides it" + p.describeExe()));
        }
        return procs;
    }

    /** Judges every process, the busy ones' environment too, and remembers CPU times for the next scan. */
    void check(Path proc, Collection<Proc> procs, long nowMs, List<Finding> out) {
        double uptimeS = uptimeSeconds();
        for (Proc p : procs) {
            checkProcess(p, out);
            if (isBusy(p, nowMs, uptimeS)) {
                checkPreloadEnv(proc, p, out);
            }
        }
        rememberCpu(procs, nowMs);
    }

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
        if (name.isEmpty() || name.length() > MAX_PID_DIGITS) {
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
        String stat = fs.text(dir.resolve("stat"), MAX_STAT_BYTES);
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
        if (f.length < MIN_STAT_FIELDS) {
            return null;
        }
        int ppid = (int) HostFs.parseLong(f[1], 0);
        long flags = HostFs.parseLong(f[6], 0);
        long cpu = HostFs.parseLong(f[11], 0) + HostFs.parseLong(f[12], 0);
        long start = HostFs.parseLong(f[19], 0);
        byte[] raw = fs.bytes(dir.resolve("cmdline"), MAX_CMDLINE_BYTES);
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
        String pidMaxText = fs.text(fs.path("/proc/sys/kernel/pid_max"), 64);
        int pidMax = (int) HostFs.parseLong(pidMaxText == null ? "" : pidMaxText, DEFAULT_PID_MAX);
        Set<Integer> candidates = new HashSet<>(known);
        procs.values().forEach(p -> candidates.add(p.ppid()));
        if (budget > 0 && !listed.isEmpty()) {
            int newest = listed.stream().mapToInt(Integer::intValue).max().orElse(1);
            int window = budget / 2;
            for (int pid = Math.max(1, newest - window + NEWEST_PID_MARGIN);
                    pid <= Math.min(pidMax, newest + NEWEST_PID_MARGIN);
                    pid++) {
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
            if (pid > 0
                    && !listed.contains(pid)
                    && fs.probe(proc.resolve(Integer.toString(pid)))
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
        String status = fs.text(proc.resolve(Integer.toString(pid)).resolve("status"), MAX_STAT_BYTES);
        if (status == null) {
            return false;
        }
        for (String line : status.split("\n")) {
            if (line.startsWith("Tgid:")) {
                return HostFs.parseLong(line.substring("Tgid:".length()), -1) == pid;
            }
        }
        return false;
    }

    private void checkProcess(Proc p, List<Finding> out) {
        if (p.exe() == null && p.cmdline().isEmpty()) {
            return; // a kernel thread (or a zombie): nothing of its own to judge
        }
        // Names: the kernel's comm (15 characters), argv[0] and the executable's file name.
        Signatures.Signature miner = firstNonNull(
                signatures.miner(p.comm()), signatures.miner(firstWord(p.argv0())), signatures.miner(p.exePath()));
        if (miner != null) {
            out.add(p.finding(Finding.MINER_PROCESS, miner, miner.description() + p.describeExe()));
        } else {
            Signatures.Signature wallet = firstNonNull(
                    signatures.wallet(p.comm()),
                    signatures.wallet(firstWord(p.argv0())),
                    signatures.wallet(p.exePath()));
            if (wallet != null) {
                out.add(p.finding(Finding.WALLET, wallet, wallet.description() + " running" + p.describeExe()));
            }
        }
        if (!p.cmdline().isEmpty()) {
            checkCommandLine(p, out);
        }
        String argv0 = stripBrackets(firstWord(p.argv0()));
        boolean bracketed = p.argv0().startsWith("[") && p.argv0().endsWith("]");
        if (p.exe() != null
                && (p.flags() & PF_KTHREAD) == 0
                && (bracketed
                        || KERNEL_THREAD_NAME.matcher(p.comm()).matches()
                        || KERNEL_THREAD_NAME.matcher(argv0).matches())) {
            out.add(p.finding(
                    Finding.FAKE_KERNEL_THREAD,
                    signatures,
                    Signatures.FAKE_KERNEL_THREAD,
                    "named '" + (bracketed ? p.argv0() : p.comm()) + "' like a kernel thread, runs " + p.exePath()));
        }
        String exe = p.exe();
        // A memfd executable is anonymous memory, not a deleted file; runc and sandboxes run sealed copies of
        // themselves this way, so it is not judged here (a miner run so still shows by name, arguments, sockets).
        if (exe != null && exe.endsWith(Proc.DELETED_SUFFIX) && !exe.startsWith("/memfd:")) {
            out.add(p.finding(Finding.DELETED_EXECUTABLE, signatures, Signatures.DELETED_EXE, "runs " + exe));
        }
        if (exe != null && TEMP_DIRS.stream().anyMatch(exe::startsWith)) {
            out.add(p.finding(Finding.TEMP_EXECUTABLE, signatures, Signatures.TEMP_EXE, "runs " + p.exePath()));
        }
    }

    private void checkCommandLine(Proc p, List<Finding> out) {
        String text = p.cmdline().replace('\0', ' ');
        Set<String> seen = new HashSet<>();
        for (Signatures.Signature s : signatures.commandLines()) {
            Matcher m = s.pattern().matcher(text);
            if (m.find() && seen.add(s.id())) {
                out.add(p.finding(Finding.MINER_COMMAND_LINE, s, commandLineDetail(s, m.group(), p, false)));
            }
        }
        // Droppers hide the pool URL from a glance at ps with base64 (echo ... | base64 -d | sh, or a miner's
        // config passed inline): decode long base64-looking tokens and look again.
        int decoded = 0;
        for (String token : EvidenceText.TOKEN_SPLIT.split(text)) {
            if (decoded >= MAX_BASE64_TOKENS
                    || token.length() < MIN_BASE64_CHARS
                    || !BASE64.matcher(token).matches()) {
                continue;
            }
            String plain = EvidenceText.decodeBase64(token);
            decoded++;
            if (plain == null) {
                continue;
            }
            for (Signatures.Signature s : signatures.commandLines()) {
                Matcher m = s.pattern().matcher(plain);
                if (m.find() && seen.add(s.id())) {
                    out.add(p.finding(Finding.MINER_COMMAND_LINE, s, commandLineDetail(s, m.group(), p, true)));
                }
            }
        }
    }

    private String commandLineDetail(Signatures.Signature s, String matched, Proc p, boolean base64) {
        StringBuilder d = new StringBuilder();
        if (s.secret()) {
            d.append(s.description()).append(" (").append(matched.length()).append(" characters, not stored)");
        } else {
            String m = matched.strip();
            d.append("marker '")
                    .append(m.length() > MAX_MARKER_CHARS ? m.substring(0, MAX_MARKER_CHARS) + "…" : m)
                    .append("'");
        }
        if (base64) {
            d.append(" in base64");
        }
        d.append("; command line sha256:").append(EvidenceText.sha256(p.rawCmdline()));
        if (options.storeCommandLines()) {
            String c = p.cmdline().replace('\0', ' ');
            d.append("; command line: ")
                    .append(c.length() > MAX_STORED_CMDLINE_CHARS ? c.substring(0, MAX_STORED_CMDLINE_CHARS) + "…" : c);
        }
        return d.toString();
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
        byte[] env = fs.bytes(proc.resolve(Integer.toString(p.pid())).resolve("environ"), MAX_ENVIRON_BYTES);
        if (env == null) {
            return;
        }
        int start = 0;
        for (int i = 0; i <= env.length; i++) {
            if (i == env.length || env[i] == 0) {
                if (i - start > LD_PRELOAD_VAR.length() && startsWith(env, start, LD_PRELOAD_VAR)) {
                    String libs = new String(
                                    env,
                                    start + LD_PRELOAD_VAR.length(),
                                    i - start - LD_PRELOAD_VAR.length(),
                                    StandardCharsets.UTF_8)
                            .strip();
                    if (!libs.isEmpty()) {
                        out.add(p.finding(
                                Finding.LD_PRELOAD,
                                signatures,
                                Signatures.LD_PRELOAD,
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
}

package io.wattguard.source.host;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;

/**
 * The file part of an {@link EvidenceScanner} scan: persistence (services, cron, start scripts and shell
 * profiles that run a miner), miners and wallets installed but not running, and browser miners in web roots.
 * These walks cost far more than a /proc read and change rarely, so they run every {@code filesInterval}.
 *
 * <p>Keeps the last findings between scans, so use from one thread at a time.
 */
final class FileScan {
    private static final int MAX_WEB_FILES = 20_000;
    private static final int MAX_FILE_BYTES = 4 << 20;

    private final HostFs fs;
    private final EvidenceScanner.Options options;
    private final Signatures signatures;

    private long dueMs = Long.MIN_VALUE;
    private List<Finding> last = List.of();

    FileScan(HostFs fs, EvidenceScanner.Options options, Signatures signatures) {
        this.fs = fs;
        this.options = options;
        this.signatures = signatures;
    }

    /**
     * This scan's file findings: read afresh when {@code filesInterval} has passed since the last read, else the
     * last read's again, so a scan every few seconds does not walk every service, crontab and web root each time.
     * {@code procs} are this scan's processes: a miner installed and running is told once, by the process scan.
     */
    List<Finding> findings(Collection<Proc> procs, long nowMs) {
        if (nowMs >= dueMs) {
            last = scan(procs);
            dueMs = nowMs + options.filesInterval().toMillis();
        }
        return last;
    }

    private List<Finding> scan(Collection<Proc> procs) {
        List<Finding> out = new ArrayList<>();
        Set<String> running = new HashSet<>();
        procs.forEach(p -> {
            if (p.exe() != null) {
                running.add(p.exePath());
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
        List<String> dirs = new ArrayList<>(List.of(
                "/etc/systemd/system",
                "/etc/systemd/user",
                "/lib/systemd/system",
                "/usr/lib/systemd/system",
                "/usr/local/lib/systemd/system",
                "/run/systemd/system",
                "/etc/cron.d",
                "/etc/cron.hourly",
                "/etc/cron.daily",
                "/etc/cron.weekly",
                "/etc/cron.monthly",
                "/var/spool/cron",
                "/var/spool/cron/crontabs",
                "/etc/init.d",
                "/etc/rc.d/init.d",
                "/etc/profile.d"));
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
            for (String token : EvidenceText.TOKEN_SPLIT.split(l)) {
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
                        why = s.secret()
                                ? "holds " + s.description()
                                : "holds marker '" + m.group().strip() + "' (" + s.id() + ")";
                        break;
                    }
                }
            }
            if (why != null) {
                out.add(new Finding(
                        Finding.PERSISTENCE,
                        0,
                        fileName,
                        weight,
                        shown + " line " + lineNo + " " + why,
                        Signatures.PERSISTENCE));
                return; // one finding per file says enough
            }
        }
    }

    private void scanInstalled(Set<String> running, List<Finding> out) {
        List<String> flat =
                new ArrayList<>(List.of("/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin", "/bin", "/sbin"));
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

    private void walkInstalled(
            String dir, int depth, Set<String> running, Set<String> seen, List<Finding> out, int[] budget) {
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
        out.add(new Finding(
                m != null ? Finding.INSTALLED_MINER : Finding.WALLET,
                0,
                name,
                weight,
                shown + ": " + s.description() + ", installed, not running",
                s.id()));
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
            if (!(lower.endsWith(".js")
                    || lower.endsWith(".mjs")
                    || lower.endsWith(".html")
                    || lower.endsWith(".htm")
                    || lower.endsWith(".php")
                    || lower.endsWith(".wasm"))) {
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
                    out.add(new Finding(
                            Finding.BROWSER_MINER,
                            0,
                            name,
                            sig.weight(),
                            s + ": " + sig.description() + " ('" + m.group() + "')",
                            sig.id()));
                    break;
                }
            }
        }
    }
}

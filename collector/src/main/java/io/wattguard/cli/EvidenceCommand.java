package io.wattguard.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wattguard.config.ConfigException;
import io.wattguard.config.Problems;
import io.wattguard.config.Section;
import io.wattguard.source.host.EvidenceScan;
import io.wattguard.source.host.EvidenceScanner;
import io.wattguard.source.host.Finding;
import io.wattguard.source.host.Signatures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "evidence",
        mixinStandardHelpOptions = true,
        description = {
            "One scan of this host for evidence of cryptocurrency mining.",
            "",
            "Looks for miner programs and command-line markers (also in base64),",
            "outbound connections to pool ports or pool domains, miner API ports,",
            "processes hidden from /proc or named like kernel threads, deleted or",
            "/tmp executables, LD_PRELOAD and /etc/ld.so.preload, hugepages with the",
            "msr module, services, cron entries and start scripts that run a miner,",
            "installed miners and wallets, and in-browser miners in web roots.",
            "Command lines are never printed, only the matched marker and a hash,",
            "unless --store-command-lines is given.",
            "Exit code 0 whether or not evidence is found; 2 for bad options."
        },
        footer = {
            "",
            "Examples:",
            "  wattguard evidence",
            "  wattguard evidence --json --web-root /var/www --pool-domain pool.example.net",
            "",
            "  # A mounted disk image: files only, no processes:",
            "  wattguard evidence --root /mnt/image"
        })
final class EvidenceCommand implements java.util.concurrent.Callable<Integer> {
    @Option(names = "--root", paramLabel = "DIR", description = "read /proc, /sys and /etc under DIR (default: /)")
    Path root = Path.of("/");

    @Option(names = "--json", description = "print the findings as JSON")
    boolean json;

    @Option(
            names = "--web-root",
            paramLabel = "DIR",
            description = "a web root to search for in-browser miners (repeatable)")
    List<Path> webRoots = new ArrayList<>();

    @Option(
            names = "--pool-domain",
            paramLabel = "NAME",
            description = "a mining pool's host name; connections to its addresses are evidence (repeatable)")
    List<String> poolDomains = new ArrayList<>();

    @Option(names = "--include-loopback", description = "count connections to loopback addresses (default: ignored)")
    boolean loopback;

    @Option(names = "--include-private", description = "count connections to private addresses (default: ignored)")
    boolean privateAddresses;

    @Option(
            names = "--store-command-lines",
            description = "show whole command lines in findings (they may hold wallet addresses and pool passwords)")
    boolean storeCommandLines;

    @Option(
            names = "--probe-pids",
            paramLabel = "N",
            description = "pids to probe for processes hidden from the /proc listing (default: ${DEFAULT-VALUE})")
    int probePids = 65_536;

    @Option(names = "--signatures", paramLabel = "FILE", description = "extra signatures, shaped as the built-in ones")
    Path signatures;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        java.io.PrintWriter out = spec.commandLine().getOut();
        if (!Files.isDirectory(root)) {
            throw new UserError("--root " + root + ": no such folder");
        }
        if (probePids < 0) {
            throw new UserError("--probe-pids: expected 0 or more, found " + probePids);
        }
        for (Path w : webRoots) {
            if (!w.isAbsolute()) {
                throw new UserError("--web-root " + w + ": expected an absolute folder");
            }
        }
        Signatures sigs = Signatures.builtIn();
        if (signatures != null) {
            Problems problems = new Problems();
            Section s = Section.load(signatures, Section.Context.of(problems, signatures));
            if (problems.isEmpty()) {
                sigs = Signatures.withExtensions(s);
            }
            try {
                problems.throwIfAny();
            } catch (ConfigException e) {
                throw new UserError(e.getMessage());
            }
        }
        EvidenceScanner.Options options = new EvidenceScanner.Options(
                root,
                loopback,
                privateAddresses,
                List.copyOf(poolDomains),
                Duration.ofMinutes(10),
                List.copyOf(webRoots),
                storeCommandLines,
                50,
                probePids,
                Duration.ofMinutes(10));
        EvidenceScan scan;
        try (EvidenceScanner scanner = new EvidenceScanner(options, sigs, Clock.systemUTC())) {
            scanner.resolvePoolDomains();
            scan = scanner.scan();
        }
        if (json) {
            out.println(toJson(scan));
        } else {
            printTable(out, scan);
        }
        return 0;
    }

    private String toJson(EvidenceScan scan) throws Exception {
        ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = m.createObjectNode();
        root.put("root", this.root.toString())
                .put("processes", scan.processes())
                .put("sockets", scan.sockets())
                .put("scan_ms", Math.round(scan.nanos() / 1e6));
        ArrayNode list = root.putArray("findings");
        for (Finding f : scan.findings()) {
            list.addObject()
                    .put("kind", f.kind())
                    .put("pid", f.pid())
                    .put("process", f.process())
                    .put("score", Math.round(f.score() * 100) / 100.0)
                    .put("miner_score", round(scan.minerScore(f.pid())))
                    .put("signature", f.signature())
                    .put("detail", f.detail());
        }
        return m.writeValueAsString(root);
    }

    private static double round(double d) {
        return Math.round(d * 100) / 100.0;
    }

    private void printTable(java.io.PrintWriter out, EvidenceScan scan) {
        String summary = String.format(
                Locale.ROOT,
                "%d processes and %d TCP sockets scanned in %d ms",
                scan.processes(),
                scan.sockets(),
                Math.round(scan.nanos() / 1e6));
        if (scan.isEmpty()) {
            out.println("no evidence found (" + summary + ")");
            return;
        }
        int kindW = "KIND".length();
        int procW = "PROCESS".length();
        for (Finding f : scan.findings()) {
            kindW = Math.max(kindW, f.kind().length());
            procW = Math.max(procW, Math.min(24, f.process().length()));
        }
        String fmt = "%-" + kindW + "s  %7s  %-" + procW + "s  %5s  %s%n";
        out.printf(Locale.ROOT, fmt, "KIND", "PID", "PROCESS", "SCORE", "DETAIL");
        for (Finding f : scan.findings()) {
            String p = f.process().length() > 24 ? f.process().substring(0, 23) + "…" : f.process();
            out.printf(
                    Locale.ROOT,
                    fmt,
                    f.kind(),
                    f.pid() > 0 ? Integer.toString(f.pid()) : "-",
                    p.isEmpty() ? "-" : p,
                    String.format(Locale.ROOT, "%.2f", f.score()),
                    f.detail());
        }
        out.println();
        out.println(scan.findings().size() + " findings; " + summary);
        scan.minerScores().entrySet().stream()
                .sorted(java.util.Map.Entry.<Integer, Double>comparingByValue().reversed())
                .limit(10)
                .forEach(e -> out.printf(Locale.ROOT, "  pid %d miner score %.2f%n", e.getKey(), e.getValue()));
    }
}

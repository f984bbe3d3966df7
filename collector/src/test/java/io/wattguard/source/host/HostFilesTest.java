package io.wattguard.source.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host image (a test root) set up the way a cryptojacking dropper leaves one: a systemd unit and a cron line
 * that start a miner, a miner installed under /opt, a wallet in /usr/local/bin, a poisoned /etc/ld.so.preload,
 * hugepages with the msr module, and a web root serving an in-browser miner.
 */
class HostFilesTest {
    @TempDir
    Path root;

    private Path write(String path, String content) throws IOException {
        Path p = root.resolve(path.substring(1));
        Files.createDirectories(p.getParent());
        return Files.writeString(p, content);
    }

    private Path executable(String path) throws IOException {
        Path p = write(path, "#!/bin/sh\nexit 0\n");
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        return p;
    }

    private EvidenceScan scan(List<Path> webRoots) {
        EvidenceScanner.Options o = new EvidenceScanner.Options(
                root, false, false, List.of(), Duration.ofMinutes(10), webRoots, false, 50, 0, Duration.ofMinutes(10));
        try (EvidenceScanner s = new EvidenceScanner(o, Signatures.builtIn(), Clock.systemUTC())) {
            return s.scan();
        }
    }

    private static List<String> lines(EvidenceScan scan) {
        return scan.findings().stream()
                .map(f -> f.kind() + " " + f.process() + ": " + f.detail())
                .sorted()
                .toList();
    }

    @Test
    void whatADropperLeavesBehindIsFound() throws IOException {
        write("/etc/systemd/system/system-update.service", """
                [Unit]
                Description=System update helper

                [Service]
                # restarts forever
                ExecStart=/opt/.cache/xmrig --config=/opt/.cache/config.json
                Restart=always

                [Install]
                WantedBy=multi-user.target
                """);
        write("/etc/systemd/system/backup.service", "[Service]\nExecStart=/usr/bin/rsync -a /srv /backup\n");
        write("/var/spool/cron/crontabs/root", """
                # m h dom mon dow command
                0 3 * * * /usr/local/sbin/logrotate-all
                */5 * * * * /tmp/.x/kdevtmpfsi >/dev/null 2>&1
                """);
        write("/etc/rc.local", "#!/bin/sh\nnohup /usr/local/bin/updater -o stratum+tcp://203.0.113.7:3333 &\nexit 0\n");
        write("/etc/crontab", "17 * * * * root cd / && run-parts --report /etc/cron.hourly\n");
        executable("/opt/miners/xmrig-6.21.0/xmrig");
        write("/opt/miners/xmrig-6.21.0/README.md", "xmrig readme");
        executable("/usr/local/bin/monero-wallet-cli");
        executable("/usr/bin/rsync");
        write("/etc/ld.so.preload", "# injected\n/usr/lib/x86_64-linux-gnu/libprocesshider.so\n");
        write(
                "/proc/meminfo",
                "MemTotal: 16000000 kB\nMemAvailable: 8000000 kB\nHugePages_Total:    1168\nHugepagesize: 2048 kB\n");
        Files.createDirectories(root.resolve("sys/module/msr"));
        write("/var/www/html/index.html", """
                <html><head><script src="https://coinhive.com/lib/coinhive.min.js"></script>
                <script>var miner = new CoinHive.Anonymous('SITE-KEY-0123456789', {throttle: 0.3}); miner.start();</script>
                </head><body>welcome</body></html>
                """);
        write("/var/www/html/js/app.js", "document.title = 'internal wiki';\n");
        Path wasm = root.resolve("var/www/html/js/worker.wasm");
        Files.write(wasm, concat(new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0, 7, 20}, "cryptonight_hash".getBytes()));

        EvidenceScan scan = scan(List.of(Path.of("/var/www/html")));
        assertEquals(
                List.of(
                        "browser_miner index.html: /var/www/html/index.html: Coinhive-style in-browser miner loader ('coinhive.com')",
                        "browser_miner worker.wasm: /var/www/html/js/worker.wasm: CryptoNight hashing in JavaScript or WebAssembly "
                                + "('cryptonight_hash')",
                        "installed_miner xmrig: /opt/miners/xmrig-6.21.0/xmrig: XMRig (RandomX, CryptoNight, KawPow; CPU and GPU), "
                                + "installed, not running",
                        "ld_so_preload ld.so.preload: /etc/ld.so.preload loads /usr/lib/x86_64-linux-gnu/libprocesshider.so into every program",
                        "persistence rc.local: /etc/rc.local line 2 holds marker 'stratum+tcp://' (cmd.stratum)",
                        "persistence root: /var/spool/cron/crontabs/root line 3 runs kdevtmpfsi (miner.malware)",
                        "persistence system-update.service: /etc/systemd/system/system-update.service line 6 runs xmrig (miner.xmrig)",
                        "randomx_tuning hugepages: 1168 hugepages reserved and the msr module loaded, as RandomX miners set a host up",
                        "wallet monero-wallet-cli: /usr/local/bin/monero-wallet-cli: Monero node or wallet, installed, not running"),
                lines(scan));
        assertTrue(scan.findings().stream().allMatch(f -> f.pid() == 0 && f.score() > 0 && f.score() <= 1));
        assertEquals(0, scan.processes(), "an image has no processes to judge");
    }

    @Test
    void anEmptyImageHasNoEvidence() {
        assertEquals(List.of(), lines(scan(List.of(Path.of("/var/www")))));
    }

    @Test
    void theOperatorsSignaturesExtendAndTuneTheBuiltInOnes() throws IOException {
        write("/etc/systemd/system/render.service", "[Service]\nExecStart=/srv/bin/hashbox --threads 8\n");
        executable("/opt/tools/xmrig");
        io.wattguard.config.Problems problems = new io.wattguard.config.Problems();
        Path extra = Files.writeString(root.resolve("extra.yaml"), """
                miners:
                  - {id: miner.hashbox, description: "in-house name of a miner we found", weight: 0.8, names: [hashbox]}
                checks:
                  - {id: check.installed, description: "installed, not running", weight: 0}
                """);
        var section = io.wattguard.config.Section.load(extra, io.wattguard.config.Section.Context.of(problems, extra));
        Signatures sigs = Signatures.withExtensions(section);
        assertTrue(problems.isEmpty(), problems.toString());
        EvidenceScanner.Options o = new EvidenceScanner.Options(
                root, false, false, List.of(), Duration.ofMinutes(10), List.of(), false, 50, 0, Duration.ofMinutes(10));
        try (EvidenceScanner s = new EvidenceScanner(o, sigs, Clock.systemUTC())) {
            assertEquals(
                    List.of("persistence render.service: /etc/systemd/system/render.service line 2 runs hashbox "
                            + "(miner.hashbox)"),
                    lines(s.scan()),
                    "the new name is found; installed programs are switched off");
        }
    }

    @Test
    void brokenSignaturesAreReportedWithTheirPlace() throws IOException {
        io.wattguard.config.Problems problems = new io.wattguard.config.Problems();
        Path extra = Files.writeString(root.resolve("bad.yaml"), """
                command_lines:
                  - {id: cmd.mine, weight: 2, pattern: "stratum(("}
                checks:
                  - {id: check.hiden-process, weight: 0.5}
                """);
        Signatures.withExtensions(
                io.wattguard.config.Section.load(extra, io.wattguard.config.Section.Context.of(problems, extra)));
        String all = problems.all().stream().map(Object::toString).collect(Collectors.joining("\n"));
        assertTrue(all.contains("command_lines[0].weight: expected a number from 0 to 1, found 2"), all);
        assertTrue(all.contains("command_lines[0].pattern: not a valid regular expression"), all);
        assertTrue(
                all.contains(
                        "checks[0].id: unknown check 'check.hiden-process' (did you mean 'check.hidden-process'?)"),
                all);
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}

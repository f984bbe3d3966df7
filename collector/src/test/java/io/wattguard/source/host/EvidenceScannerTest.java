package io.wattguard.source.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real processes this test starts, each showing one trick a miner uses; one scan of the live /proc finds each. */
class EvidenceScannerTest {
    @TempDir
    Path tmp;

    private final TestProcesses procs = new TestProcesses();

    @AfterEach
    void stopProcesses() {
        procs.close();
    }

    private static EvidenceScanner.Options live(boolean loopback, boolean storeCommandLines) {
        EvidenceScanner.Options d = EvidenceScanner.Options.defaults();
        return new EvidenceScanner.Options(
                Path.of("/"),
                loopback,
                false,
                List.of(),
                d.poolResolveInterval(),
                List.of(),
                storeCommandLines,
                d.busyCpuPct(),
                4096,
                d.filesInterval());
    }

    private static EvidenceScan scan(EvidenceScanner.Options o) {
        try (EvidenceScanner s = new EvidenceScanner(o, Signatures.builtIn(), Clock.systemUTC())) {
            return s.scan();
        }
    }

    private static List<Finding> about(EvidenceScan scan, long pid) {
        return scan.findings().stream().filter(f -> f.pid() == pid).toList();
    }

    private static Finding only(EvidenceScan scan, long pid, String kind) {
        List<Finding> f =
                about(scan, pid).stream().filter(x -> x.kind().equals(kind)).toList();
        assertEquals(1, f.size(), "one " + kind + " finding for pid " + pid + "; all findings: " + scan.findings());
        return f.get(0);
    }

    private static String kinds(EvidenceScan scan, long pid) {
        return about(scan, pid).stream().map(Finding::kind).sorted().collect(Collectors.joining(","));
    }

    @Test
    void aCopyOfSleepNamedXmrigIsAMinerProcess() {
        Path xmrig = TestProcesses.copyOfSleep(tmp, "xmrig");
        Process p = procs.start(List.of(xmrig.toString(), "60"), c -> c.startsWith(xmrig.toString()));
        EvidenceScan scan = scan(live(false, false));
        Finding f = only(scan, p.pid(), Finding.MINER_PROCESS);
        assertEquals("xmrig", f.process());
        assertEquals("miner.xmrig", f.signature());
        assertTrue(f.detail().contains(xmrig.toString()), f.detail());
        // It also runs from /tmp; together the signs give a score above either alone.
        only(scan, p.pid(), Finding.TEMP_EXECUTABLE);
        assertTrue(scan.minerScore((int) p.pid()) > f.score(), "combined score " + scan.minerScore((int) p.pid()));
    }

    @Test
    void stratumUrlInTheArgumentsIsFoundButNotStored() throws IOException {
        String wallet = "4" + "A".repeat(94);
        String title = "updater -o stratum+tcp://127.0.0.1:3333 -u " + wallet + " -p secretpass";
        Process p =
                procs.start(List.of("bash", "-c", "exec -a '" + title + "' sleep 60"), c -> c.startsWith("updater"));
        EvidenceScan scan = scan(live(false, false));
        Finding f = scan.findings().stream()
                .filter(x -> x.pid() == p.pid() && x.signature().equals("cmd.stratum"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no stratum finding: " + scan.findings()));
        assertEquals(Finding.MINER_COMMAND_LINE, f.kind());
        assertTrue(f.detail().contains("marker 'stratum+tcp://'"), f.detail());
        String hash = EvidenceText.sha256(Files.readAllBytes(Path.of("/proc/" + p.pid() + "/cmdline")));
        assertEquals(
                EvidenceText.sha256((title + "\0" + "60\0").getBytes()), hash, "the kernel's bytes, NULs included");
        assertTrue(f.detail().contains("sha256:" + hash), f.detail() + " should carry " + hash);
        Finding address = scan.findings().stream()
                .filter(x -> x.pid() == p.pid() && x.signature().equals("cmd.monero-address"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no wallet finding: " + scan.findings()));
        for (Finding x : about(scan, p.pid())) {
            assertFalse(
                    x.detail().contains(wallet)
                            || x.detail().contains("secretpass")
                            || x.detail().contains("127.0.0.1"),
                    "secrets stay out of detail: " + x.detail());
        }
        assertTrue(address.detail().contains("not stored"), address.detail());

        EvidenceScan stored = scan(live(false, true));
        assertTrue(
                about(stored, p.pid()).stream().anyMatch(x -> x.detail().contains(wallet)),
                "store_command_lines: true keeps the line: " + about(stored, p.pid()));
    }

    @Test
    void stratumUrlInBase64IsFound() {
        String hidden =
                Base64.getEncoder().encodeToString("-o stratum+ssl://pool.example.net:443 --donate-level 1".getBytes());
        Process p = procs.start(
                List.of("bash", "-c", "exec -a 'sysinfo --config " + hidden + "' sleep 60"),
                c -> c.startsWith("sysinfo"));
        EvidenceScan scan = scan(live(false, false));
        List<Finding> cmd = about(scan, p.pid()).stream()
                .filter(x -> x.kind().equals(Finding.MINER_COMMAND_LINE))
                .toList();
        assertTrue(
                cmd.stream()
                        .anyMatch(x -> x.signature().equals("cmd.stratum")
                                && x.detail().contains("in base64")),
                "found through base64: " + cmd);
        assertTrue(cmd.stream().anyMatch(x -> x.signature().equals("cmd.donate-level")), cmd.toString());
    }

    @Test
    void aConnectionToAPoolPortIsAttributedToItsProcess() throws IOException {
        try (ServerSocket pool = new ServerSocket(3333, 50, InetAddress.getLoopbackAddress())) {
            Process p = procs.start(
                    List.of("bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/3333; exec sleep 60"), c -> c.equals("sleep 60"));
            try (Socket accepted = pool.accept()) {
                EvidenceScan scan = scan(live(true, false));
                Finding f = only(scan, p.pid(), Finding.POOL_CONNECTION);
                assertEquals("sleep", f.process());
                assertTrue(f.detail().contains("127.0.0.1:3333"), f.detail());
                // Our own end of it (the accepted socket on the listening port) is inbound, not a pool connection.
                assertTrue(
                        about(scan, ProcessHandle.current().pid()).isEmpty(),
                        scan.findings().toString());

                EvidenceScan byDefault = scan(live(false, false));
                assertEquals("", kinds(byDefault, p.pid()), "loopback is ignored unless configured");
            }
        }
    }

    @Test
    void aPoolDomainIsMatchedByItsResolvedAddress() throws IOException {
        try (ServerSocket pool = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            int port = pool.getLocalPort();
            Process p = procs.start(
                    List.of("bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + port + "; exec sleep 60"),
                    c -> c.equals("sleep 60"));
            try (Socket accepted = pool.accept()) {
                EvidenceScanner.Options d = live(true, false);
                EvidenceScanner.Options o = new EvidenceScanner.Options(
                        d.root(),
                        true,
                        false,
                        List.of("pool.example.test"),
                        d.poolResolveInterval(),
                        List.of(),
                        false,
                        d.busyCpuPct(),
                        0,
                        d.filesInterval());
                try (EvidenceScanner s = new EvidenceScanner(
                        o,
                        Signatures.builtIn(),
                        Clock.systemUTC(),
                        name -> List.of(InetAddress.getLoopbackAddress()))) {
                    assertEquals("", kinds(s.scan(), p.pid()), "not resolved yet: nothing to match");
                    s.resolvePoolDomains();
                    Finding f = only(s.scan(), p.pid(), Finding.POOL_CONNECTION);
                    assertTrue(f.detail().contains("pool.example.test"), f.detail());
                }
            }
        }
    }

    @Test
    void aListeningMinerApiPortIsFound() {
        Process p = procs.start(
                List.of(
                        "/usr/bin/python3",
                        "-c",
                        "import socket,time\n"
                                + "s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                                + "s.bind(('127.0.0.1', 4028)); s.listen(1); open('" + tmp.resolve("ready")
                                + "','w').close(); time.sleep(60)"),
                c -> Files.exists(tmp.resolve("ready")));
        EvidenceScan scan = scan(live(false, false));
        Finding f = only(scan, p.pid(), Finding.MINER_API);
        assertTrue(f.detail().contains("127.0.0.1:4028"), f.detail());
    }

    @Test
    void anExecutableDeletedAfterStart() throws IOException {
        Path exe = TestProcesses.copyOfSleep(tmp, "updater");
        Process p = procs.start(List.of(exe.toString(), "60"), c -> c.startsWith(exe.toString()));
        Files.delete(exe);
        EvidenceScan scan = scan(live(false, false));
        Finding f = only(scan, p.pid(), Finding.DELETED_EXECUTABLE);
        assertTrue(f.detail().contains(exe + " (deleted)"), f.detail());
    }

    @Test
    void kernelThreadNamesWithAnExecutable() {
        Path kworker = TestProcesses.copyOfSleep(tmp, "kworker");
        Process named = procs.start(List.of(kworker.toString(), "60"), c -> c.startsWith(kworker.toString()));
        Process bracketed = procs.start(
                List.of("bash", "-c", "exec -a '[kworker/0:3-events]' sleep 60"), c -> c.startsWith("[kworker"));
        EvidenceScan scan = scan(live(false, false));
        only(scan, named.pid(), Finding.FAKE_KERNEL_THREAD);
        Finding f = only(scan, bracketed.pid(), Finding.FAKE_KERNEL_THREAD);
        assertTrue(f.detail().contains("[kworker/0:3-events]") && f.detail().contains("/sleep"), f.detail());
        // The real kernel threads of this machine have no executable and are not judged.
        assertTrue(
                scan.findings().stream()
                        .filter(x -> x.kind().equals(Finding.FAKE_KERNEL_THREAD))
                        .allMatch(x -> x.pid() == named.pid() || x.pid() == bracketed.pid()),
                scan.findings().toString());
    }

    @Test
    void addressesAsTheKernelWritesThem() {
        // Each 32-bit word in host (little-endian) order; an IPv4-mapped IPv6 address is the IPv4 address.
        assertEquals("127.0.0.1", EvidenceText.address("0100007F:0D05").getHostAddress());
        assertEquals(3333, EvidenceText.port("0100007F:0D05"));
        assertEquals(
                "127.0.0.1",
                EvidenceText.address("0000000000000000FFFF00000100007F:0D05").getHostAddress());
        assertEquals(
                "0:0:0:0:0:0:0:1",
                EvidenceText.address("00000000000000000000000001000000:0FA0").getHostAddress());
        assertEquals(
                "2001:db8:0:0:0:0:0:7",
                EvidenceText.address("B80D0120000000000000000007000000:115C").getHostAddress());
        assertTrue(EvidenceText.isPrivate(EvidenceText.address("0A00000A:0000"))); // 10.0.0.10
        assertTrue(EvidenceText.isPrivate(EvidenceText.address("01004064:0000"))); // 100.64.0.1
        assertFalse(EvidenceText.isPrivate(EvidenceText.address("071700CB:0000"))); // 203.0.23.7
        String[] f = new String[10];
        assertTrue(EvidenceText.fields(
                "   0: 0100007F:83F5 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 326449 1 0 100 0 0 10 0",
                f));
        assertEquals("0A", f[3]);
        assertEquals("326449", f[9]);
        assertFalse(EvidenceText.fields("  sl  local_address", f));
    }
}

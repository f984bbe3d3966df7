package io.wattguard.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wattguard.source.host.EvidenceScan;
import io.wattguard.source.host.EvidenceScanner;
import io.wattguard.source.host.Signatures;
import io.wattguard.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code wattguard evidence} as an operator runs it. */
class EvidenceCommandTest {
    @TempDir
    Path tmp;

    /**
     * This machine runs no miner: its own processes (this test JVM, Maven, the shells around them, the kernel
     * threads) must give no finding at all. A false positive here is a bug.
     */
    @Test
    void thisMachineIsClean() {
        Cli.Result r = Cli.run("evidence");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("no evidence found ("), r.out());
        assertTrue(
                r.out()
                        .matches(
                                "(?s)no evidence found \\(\\d+ processes and \\d+ TCP sockets scanned in \\d+ ms\\)\\s*"),
                r.out());
    }

    @Test
    void thisMachineIsCleanOverSeveralScansToo() {
        // Later scans judge busy processes by their CPU since the scan before, and sweep more of the pid range.
        try (EvidenceScanner s =
                new EvidenceScanner(EvidenceScanner.Options.defaults(), Signatures.builtIn(), Clock.systemUTC())) {
            for (int i = 0; i < 4; i++) {
                EvidenceScan scan = s.scan();
                assertEquals(java.util.List.of(), scan.findings(), "scan " + i);
                assertTrue(scan.processes() > 10, "it saw this machine's processes: " + scan.processes());
            }
        }
    }

    private Path dropperImage() throws IOException {
        Path root = tmp.resolve("image");
        Path unit = root.resolve("etc/systemd/system/update.service");
        Files.createDirectories(unit.getParent());
        Files.writeString(
                unit, "[Service]\nExecStart=/usr/local/bin/xmrig --donate-level 1 -o pool.example.net:3333\n");
        Path web = root.resolve("srv/www/index.html");
        Files.createDirectories(web.getParent());
        Files.writeString(web, "<script src=\"/js/coinhive.min.js\"></script>");
        return root;
    }

    @Test
    void aMountedImageAsATable() throws IOException {
        Path root = dropperImage();
        Cli.Result r = Cli.run("evidence", "--root", root.toString(), "--web-root", "/srv/www");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().split("\n");
        assertTrue(lines[0].matches("KIND\\s+PID\\s+PROCESS\\s+SCORE\\s+DETAIL"), lines[0]);
        assertTrue(
                r.out()
                        .contains(
                                "browser_miner        -  index.html       0.90  /srv/www/index.html: Coinhive-style in-browser miner loader ('coinhive.min.js')"),
                r.out());
        assertTrue(
                r.out()
                        .contains(
                                "persistence          -  update.service   0.60  /etc/systemd/system/update.service line 2 runs xmrig (miner.xmrig)"),
                r.out());
        assertTrue(r.out().contains("2 findings; 0 processes and 0 TCP sockets scanned in"), r.out());
    }

    @Test
    void aMountedImageAsJson() throws IOException {
        Cli.Result r = Cli.run("evidence", "--root", dropperImage().toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode root = new ObjectMapper().readTree(r.out());
        assertEquals(1, root.path("findings").size(), r.out());
        JsonNode f = root.path("findings").get(0);
        assertEquals("persistence", f.path("kind").asText());
        assertEquals(0, f.path("pid").asInt());
        assertEquals("update.service", f.path("process").asText());
        assertEquals(0.6, f.path("score").asDouble());
        assertEquals("check.persistence", f.path("signature").asText());
    }

    @Test
    void badInputExitsTwoWithoutAStackTrace() throws IOException {
        Cli.Result r = Cli.run("evidence", "--root", tmp.resolve("nowhere").toString());
        assertEquals(2, r.code());
        assertEquals("--root " + tmp.resolve("nowhere") + ": no such folder\n", r.err());

        Path sigs =
                Files.writeString(tmp.resolve("sigs.yaml"), "miners:\n  - {id: miner.x, weight: 1.5, names: [x]}\n");
        r = Cli.run("evidence", "--signatures", sigs.toString());
        assertEquals(2, r.code());
        assertTrue(
                r.err().contains(sigs + ":2:")
                        && r.err().contains("miners[0].weight: expected a number from 0 to 1, found 1.5"),
                r.err());
        assertTrue(!r.err().contains("\tat "), r.err());
    }
}

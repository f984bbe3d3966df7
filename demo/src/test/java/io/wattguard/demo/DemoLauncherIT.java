package io.wattguard.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command as a newcomer runs it: {@code ./wattguard demo} through the launcher, at the
 * launcher's default heap, in a process of its own. It must succeed every time, find the simulator's miners
 * and nothing else, and leave no influxd and no folder behind, also when it is stopped or killed midway.
 */
class DemoLauncherIT {
    private static final Path TOP = Path.of(System.getProperty("user.dir")).getParent();

    @TempDir
    Path tmp;

    /** The folder under the temporary one where the demo leaves this month's report. */
    private static final String REPORT = "wattguard-demo-report";

    private Process demo(Path temp, String name) throws IOException {
        Path launcher = TOP.resolve("wattguard");
        assertTrue(Files.isExecutable(launcher), "no launcher at " + launcher);
        Files.createDirectories(temp);
        // One live minute: the live part's servers, daemon and miner start and stop; DemoTest checks what they find.
        ProcessBuilder pb = new ProcessBuilder(launcher.toString(), "demo", "--days", "3", "--live", "1")
                .redirectOutput(tmp.resolve(name + ".out").toFile())
                .redirectError(tmp.resolve(name + ".err").toFile());
        // Only the temporary folder moves, so that what it leaves can be seen; the heap stays the launcher's.
        pb.environment().put("WATTGUARD_JAVA_OPTS", "-Djava.io.tmpdir=" + temp);
        return pb.start();
    }

    @Test
    void threeDemosInARowAtTheDefaultHeapSucceedAndLeaveNothingBehind() throws Exception {
        for (int run = 1; run <= 3; run++) {
            Path temp = tmp.resolve("tmp-" + run);
            long t0 = System.nanoTime();
            Process p = demo(temp, "run-" + run);
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), "demo run " + run + " did not end within 5 minutes");
            String out = Files.readString(tmp.resolve("run-" + run + ".out"));
            String err = Files.readString(tmp.resolve("run-" + run + ".err"));
            System.out.printf("run %d: exit %d in %.1f s%n", run, p.exitValue(), (System.nanoTime() - t0) / 1e9);
            assertEquals(0, p.exitValue(), "run " + run + ":\n" + out + err);
            assertTrue(!err.contains("Exception") && !err.contains("[warning]"), "run " + run + " stderr:\n" + err);

            Matcher overall =
                    Pattern.compile("overall +mining +(\\d+) +(\\d+) ").matcher(out);
            assertTrue(overall.find(), out);
            // The site ends today, so its episodes change from day to day: allow one miss, never a false episode.
            assertTrue(Integer.parseInt(overall.group(2)) >= Integer.parseInt(overall.group(1)) - 1, overall.group());
            assertTrue(out.contains("true " + out.replaceAll("(?s).*detections (\\d+):.*", "$1") + ", false 0 "), out);
            // The lines it suggests are the launcher's own, and work as printed (the demo's are checked in DemoTest).
            assertTrue(out.contains("\n  " + TOP.resolve("wattguard") + " demo --keep-running"), out);

            assertEquals(List.of(), leftIn(temp), "run " + run + " left files behind");
            assertEquals(List.of(), processesMentioning(temp), "run " + run + " left processes behind");
            // What it leaves on purpose: this month's report, replaced by each run.
            try (Stream<Path> report = Files.list(temp.resolve(REPORT))) {
                assertEquals(4, report.count(), "HTML, PDF and two CSV files in " + temp.resolve(REPORT));
            }
            assertTrue(out.contains(temp.resolve(REPORT).toString()), out);
        }
    }

    @Test
    void sigtermMidwayStopsInfluxdAndRemovesTheFolder() throws Exception {
        Path temp = tmp.resolve("tmp-term");
        Process p = demo(temp, "term");
        awaitHistory(p, "term");
        assertTrue(!processesMentioning(temp).isEmpty(), "influxd runs while the demo writes");
        p.destroy(); // SIGTERM, as systemd or Ctrl-C's cousin sends it
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the demo did not stop on SIGTERM");
        assertEquals(143, p.exitValue());
        assertEquals(List.of(), processesMentioning(temp), "influxd outlived the demo");
        assertEquals(List.of(), leftIn(temp), "the temporary folder outlived the demo");
    }

    @Test
    void killedWithSigkillItsInfluxdDiesToo() throws Exception {
        Path temp = tmp.resolve("tmp-kill");
        Process p = demo(temp, "kill");
        awaitHistory(p, "kill");
        p.destroyForcibly(); // SIGKILL: no shutdown hook runs; the kernel's parent-death signal must do it
        p.waitFor(30, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!processesMentioning(temp).isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertEquals(List.of(), processesMentioning(temp), "influxd outlived a killed demo");
    }

    private void awaitHistory(Process p, String name) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!Files.readString(tmp.resolve(name + ".err")).contains("history ")) {
            assertTrue(
                    p.isAlive(),
                    "the demo ended before writing history: " + Files.readString(tmp.resolve(name + ".err")));
            assertTrue(System.nanoTime() < deadline, "no history progress within 3 minutes");
            Thread.sleep(100);
        }
    }

    private static List<Path> leftIn(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> !f.getFileName().toString().startsWith("hsperfdata"))
                    .filter(f -> !f.getFileName().toString().equals(REPORT))
                    .toList();
        }
    }

    /** Command lines of live processes that name {@code dir}: the demo's influxd names its config there. */
    private static List<String> processesMentioning(Path dir) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(d -> d.getFileName().toString().matches("\\d+"))
                    .toList()) {
                try {
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8)
                            .replace('\0', ' ');
                    if (cmd.contains(dir.toString()) && !cmd.contains("java.io.tmpdir=" + dir)) {
                        found.add(p.getFileName() + ": " + cmd.trim());
                    }
                } catch (IOException e) {
                    // the process ended while we looked
                }
            }
        }
        return found;
    }
}

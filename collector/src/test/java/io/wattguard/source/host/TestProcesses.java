package io.wattguard.source.host;

import io.wattguard.testing.InfluxdTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Real processes a test starts and always stops: every one is killed and reaped in {@link #close()}, so a
 * failing test leaves nothing running on a machine other engineers share.
 */
final class TestProcesses implements AutoCloseable {
    private final List<Process> started = new ArrayList<>();

    /** Starts a command and waits until the kernel shows it as the program it execs into (not our spawn helper). */
    Process start(List<String> command, Predicate<String> cmdlineReady) {
        return start(new ProcessBuilder(command), cmdlineReady);
    }

    Process start(ProcessBuilder pb, Predicate<String> cmdlineReady) {
        try {
            Process p = pb.redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            started.add(p);
            InfluxdTest.await(
                    Duration.ofSeconds(10),
                    "process " + pb.command() + " to be running",
                    () -> p.isAlive() && cmdlineReady.test(cmdline(p.pid())));
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A copy of /bin/sleep under another name: a program the kernel and ps show by that name. */
    static Path copyOfSleep(Path dir, String name) {
        try {
            Path p = dir.resolve(name);
            Files.createDirectories(p.getParent());
            Files.copy(Path.of("/bin/sleep"), p);
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The process's arguments joined by spaces, or "" when gone. */
    static String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8)
                    .replace('\0', ' ')
                    .strip();
        } catch (IOException e) {
            return "";
        }
    }

    @Override
    public void close() {
        for (Process p : started) {
            p.destroyForcibly();
        }
        for (Process p : started) {
            try {
                p.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        started.clear();
    }
}

package io.wattguard.meters.modbus;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Real Modbus peers the tests talk to (pymodbus, socat), started as processes. A missing tool fails the
 * test with the command that installs it: these tests are never skipped.
 */
final class Peers {
    static final String PYTHON = "/usr/bin/python3";
    static final Path SERVER_SCRIPT =
            Path.of("src/test/python/modbus_server.py").toAbsolutePath();

    private Peers() {}

    static void require(String what, boolean present) {
        if (!present) {
            fail(what + " is missing: run scripts/setup.sh test (it installs python3-pymodbus, "
                    + "python3-serial, python3-serial-asyncio, mbpoll and socat)");
        }
    }

    static void requirePymodbus() {
        require(PYTHON, Files.isExecutable(Path.of(PYTHON)));
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import pymodbus, serial, serial_asyncio")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            require(
                    "pymodbus, serial and serial_asyncio (Debian python3-pymodbus, python3-serial, python3-serial-asyncio) ["
                            + out.strip() + "]",
                    p.waitFor() == 0);
        } catch (IOException e) {
            fail("cannot run " + PYTHON + ": " + e + "; run scripts/setup.sh test");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
    }

    static void requireTool(String path) {
        require(path, Files.isExecutable(Path.of(path)));
    }

    /** A started process whose stdout lines can be awaited with a deadline. */
    static final class Proc implements AutoCloseable {
        final Process process;
        private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        private final List<String> all = new ArrayList<>();

        Proc(List<String> command) throws IOException {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
            Thread reader = new Thread(
                    () -> {
                        try (BufferedReader r = new BufferedReader(
                                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                            String line;
                            while ((line = r.readLine()) != null) {
                                synchronized (all) {
                                    all.add(line);
                                }
                                lines.add(line);
                            }
                        } catch (IOException ignored) {
                            // process ended
                        }
                    },
                    "peer-output");
            reader.setDaemon(true);
            reader.start();
        }

        /** The first line containing {@code text}, waiting at most {@code seconds}. */
        String await(String text, long seconds) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            while (true) {
                long left = deadline - System.nanoTime();
                String line = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
                if (line == null) {
                    fail("no '" + text + "' from "
                            + process.info().commandLine().orElse("peer") + " within " + seconds + " s; its output: "
                            + output());
                }
                if (line.contains(text)) {
                    return line;
                }
            }
        }

        String output() {
            synchronized (all) {
                return String.join("\n", all);
            }
        }

        @Override
        public void close() {
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The pymodbus server of {@code modbus_server.py}: mode tcp or rtu-over-tcp; returns it and its port. */
    static Proc pymodbus(String mode) throws IOException {
        requirePymodbus();
        return new Proc(List.of(PYTHON, SERVER_SCRIPT.toString(), mode));
    }

    static int port(Proc p) throws InterruptedException {
        String line = p.await("PORT ", 20);
        return Integer.parseInt(line.substring(line.indexOf("PORT ") + 5).trim());
    }
}

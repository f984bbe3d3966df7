package io.wattguard.source.modbus;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The pymodbus 3.0 server of the meters module's interop tests ({@code meters/src/test/python/modbus_server.py},
 * Debian {@code python3-pymodbus}): a Modbus device nobody here wrote. Missing: the test fails, never skips.
 */
final class Pymodbus implements AutoCloseable {
    static final String PYTHON = "/usr/bin/python3";
    static final Path SCRIPT = Path.of("../meters/src/test/python/modbus_server.py")
            .toAbsolutePath()
            .normalize();

    final Process process;
    final int port;
    private final StringBuilder output = new StringBuilder();

    private Pymodbus(Process process) throws IOException, InterruptedException {
        this.process = process;
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader r = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = r.readLine()) != null) {
                            synchronized (output) {
                                output.append(line).append('\n');
                            }
                            if (line.startsWith("PORT ")) {
                                port.complete(Integer.parseInt(line.substring(5).trim()));
                            }
                        }
                    } catch (IOException | NumberFormatException e) {
                        port.completeExceptionally(e);
                    }
                    port.complete(-1);
                },
                "pymodbus-output");
        reader.setDaemon(true);
        reader.start();
        int p;
        try {
            p = port.get(20, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | TimeoutException e) {
            p = -1;
        }
        if (p <= 0) {
            close();
            synchronized (output) {
                throw new AssertionError("pymodbus did not start (run scripts/setup.sh test): " + output);
            }
        }
        this.port = p;
    }

    static Pymodbus start() throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of(PYTHON)) || !Files.isRegularFile(SCRIPT)) {
            throw new AssertionError(PYTHON + " or " + SCRIPT + " is missing: run scripts/setup.sh test");
        }
        Process check = new ProcessBuilder(PYTHON, "-c", "import pymodbus")
                .redirectErrorStream(true)
                .start();
        String out = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (check.waitFor() != 0) {
            throw new AssertionError(
                    "pymodbus (Debian python3-pymodbus) is missing: run scripts/setup.sh test [" + out.strip() + "]");
        }
        return new Pymodbus(new ProcessBuilder(PYTHON, SCRIPT.toString(), "tcp")
                .redirectErrorStream(true)
                .start());
    }

    @Override
    public void close() {
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

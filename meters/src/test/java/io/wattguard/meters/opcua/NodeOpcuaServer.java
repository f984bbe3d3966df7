package io.wattguard.meters.opcua;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * node-opcua-server ({@code interop/node-opcua/meter-server.js}) as a child process on loopback: an OPC UA peer
 * nobody here wrote, with Basic256Sha256 SignAndEncrypt and a user name. It prints {@code READY} once listening,
 * and takes status commands on stdin. Shared by the meters interop test and the collector's source test (through
 * the meters test jar). A missing node or npm module fails the test and names {@code scripts/setup.sh test}.
 */
public final class NodeOpcuaServer implements AutoCloseable {
    /** From a module's folder, where Maven runs the tests. */
    public static final Path INTEROP =
            Path.of("..", "interop", "node-opcua").toAbsolutePath().normalize();

    private final Process process;
    private final Writer in;
    private final List<String> out = new CopyOnWriteArrayList<>();

    private NodeOpcuaServer(Process process) {
        this.process = process;
        this.in = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader r = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line; (line = r.readLine()) != null; ) {
                            out.add(line);
                        }
                    } catch (IOException ignored) {
                        // the process was stopped
                    }
                },
                "node-opcua-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts the server and waits until it listens on {@code port}; its certificate is kept in {@code pki}. */
    public static NodeOpcuaServer start(int port, Path pki, String user, String password, Duration wait)
            throws InterruptedException {
        if (!Files.isDirectory(INTEROP.resolve("node_modules/node-opcua-server"))) {
            fail("node-opcua-server is not installed in " + INTEROP + ": run scripts/setup.sh test");
        }
        Process p = null;
        try {
            p = new ProcessBuilder(
                            "node",
                            "meter-server.js",
                            "--port",
                            String.valueOf(port),
                            "--pki",
                            pki.toString(),
                            "--user",
                            user,
                            "--password",
                            password)
                    .directory(INTEROP.toFile())
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            fail("cannot start node (" + e.getMessage() + "): run scripts/setup.sh test");
        }
        NodeOpcuaServer s = new NodeOpcuaServer(p);
        long deadline = System.nanoTime() + wait.toNanos();
        while (s.out.stream().noneMatch(l -> l.startsWith("READY") || l.startsWith("FAILED")) && p.isAlive()) {
            if (System.nanoTime() > deadline) {
                s.close();
                fail("node-opcua did not listen on " + port + " within " + wait.toSeconds() + " s: " + s.outputText());
            }
            p.waitFor(50, TimeUnit.MILLISECONDS);
        }
        if (!p.isAlive() || s.out.stream().anyMatch(l -> l.startsWith("FAILED"))) {
            s.close();
            fail("node-opcua failed to start: " + s.outputText());
        }
        return s;
    }

    /** Everything the server printed so far. */
    public List<String> output() {
        return out;
    }

    public String outputText() {
        return String.join("\n", out);
    }

    /** One command line on the server's stdin (see meter-server.js). */
    public void send(String line) throws IOException {
        in.write(line + "\n");
        in.flush();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL, as a crashing server would go. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new AssertionError("node-opcua did not die within 30 s");
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            kill();
        }
    }
}

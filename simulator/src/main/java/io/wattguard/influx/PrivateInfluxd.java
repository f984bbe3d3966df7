package io.wattguard.influx;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An {@code influxd} of our own, for the demo and the tests: a temporary config bound to loopback on a free
 * port, data in a folder we own, usage reporting off. {@link #stop()} and {@link #start()} keep the same
 * port and data, so tests can take InfluxDB away and bring it back.
 */
public final class PrivateInfluxd implements AutoCloseable {
    private final Path dir;
    private final boolean deleteOnClose;
    private final int port;
    private final Path binary;
    private static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    private static final Path SETSID = Path.of("/usr/bin/setsid");
    private long maxBodyBytes;
    private boolean dieWithParent;
    private boolean authEnabled;
    private Process process;
    private boolean closed;

    private PrivateInfluxd(Path dir, boolean deleteOnClose, int port, Path binary) {
        this.dir = dir;
        this.deleteOnClose = deleteOnClose;
        this.port = port;
        this.binary = binary;
    }

    /** Starts a fresh influxd in a new temporary folder, removed on close. */
    public static PrivateInfluxd startTemporary() throws IOException {
        PrivateInfluxd i =
                new PrivateInfluxd(Files.createTempDirectory("wattguard-influxd-"), true, freePort(), locate());
        i.start();
        return i;
    }

    /** As {@link #startTemporary()} with influxd refusing bodies over {@code maxBodyBytes} with 413 (for split tests). */
    public static PrivateInfluxd startTemporary(long maxBodyBytes) throws IOException {
        PrivateInfluxd i =
                new PrivateInfluxd(Files.createTempDirectory("wattguard-influxd-"), true, freePort(), locate());
        i.maxBodyBytes = maxBodyBytes;
        i.start();
        return i;
    }

    /**
     * As {@link #startTemporary()} with authentication on and one admin user, {@code user} with {@code password}
     * (for tests of what wattguard says when InfluxDB refuses its credentials).
     */
    public static PrivateInfluxd startTemporaryWithAuth(String user, String password) throws IOException {
        PrivateInfluxd i =
                new PrivateInfluxd(Files.createTempDirectory("wattguard-influxd-"), true, freePort(), locate());
        i.start();
        // influxd lets the first admin user be created without credentials, and then asks for them
        i.adminStatement("CREATE USER \"" + user + "\" WITH PASSWORD '" + password.replace("'", "\\'")
                + "' WITH ALL PRIVILEGES");
        i.authEnabled = true;
        i.stop();
        i.start();
        return i;
    }

    private void adminStatement(String q) throws IOException {
        try {
            HttpResponse<String> r = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(url().resolve("/query"))
                                    .header("Content-Type", "application/x-www-form-urlencoded")
                                    .POST(HttpRequest.BodyPublishers.ofString(
                                            "q=" + java.net.URLEncoder.encode(q, StandardCharsets.UTF_8)))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200 || r.body().contains("\"error\"")) {
                throw new IOException("influxd refused '" + q + "': " + r.body());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /**
     * Starts influxd with its data in {@code dir} (kept on close), on a free port. It is tied to the calling
     * thread: when that thread ends, or this JVM is killed with -9, the kernel kills influxd too (util-linux's
     * {@code setpriv --pdeathsig}, where installed), so a demo never leaves an orphan behind.
     */
    public static PrivateInfluxd startIn(Path dir) throws IOException {
        Files.createDirectories(dir);
        PrivateInfluxd i = new PrivateInfluxd(dir, false, freePort(), locate());
        i.dieWithParent = Files.isExecutable(SETPRIV);
        i.start();
        return i;
    }

    static Path locate() {
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
        for (String d : (path + ":/usr/bin:/usr/local/bin").split(":")) {
            Path p = Path.of(d, "influxd");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw new IllegalStateException("influxd is not installed (looked on PATH and in /usr/bin, /usr/local/bin): "
                + "install Debian's influxdb package, e.g. 'apt-get install influxdb' or 'scripts/setup.sh demo'");
    }

    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    public synchronized void start() throws IOException {
        if (process != null && process.isAlive()) {
            return;
        }
        Path conf = dir.resolve("influxd.conf");
        int rpcPort = freePort();
        String d = dir.toAbsolutePath().toString();
        Files.writeString(
                conf, """
                reporting-disabled = true
                bind-address = "127.0.0.1:%d"
                [meta]
                  dir = "%s/meta"
                [data]
                  dir = "%s/data"
                  wal-dir = "%s/wal"
                  query-log-enabled = false
                [http]
                  bind-address = "127.0.0.1:%d"
                  log-enabled = false
                  max-body-size = %d
                  auth-enabled = %b
                [monitor]
                  store-enabled = false
                [continuous_queries]
                  enabled = false
                [subscriber]
                  enabled = false
                [logging]
                  level = "warn"
                """.formatted(rpcPort, d, d, d, port, maxBodyBytes, authEnabled), StandardCharsets.UTF_8);
        List<String> command = new ArrayList<>();
        if (dieWithParent) {
            // A session of its own: Ctrl-C in the terminal reaches only the JVM, whose shutdown stops its users
            // (a daemon flushing its last batches) before it stops influxd. setsid execs in place (the child of a
            // JVM is no group leader), so the parent-death signal still ties influxd to this JVM.
            if (Files.isExecutable(SETSID)) {
                command.add(SETSID.toString());
            }
            command.addAll(List.of(SETPRIV.toString(), "--pdeathsig", "KILL", "--"));
        }
        command.addAll(List.of(binary.toString(), "-config", conf.toString()));
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        dir.resolve("influxd.log").toFile()))
                .start();
        waitForPing(Duration.ofSeconds(60));
    }

    private void waitForPing(Duration max) throws IOException {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("influxd exited with code " + process.exitValue() + " at start; see "
                        + dir.resolve("influxd.log"));
            }
            try {
                HttpResponse<Void> r = http.send(
                        HttpRequest.newBuilder(url().resolve("/ping"))
                                .timeout(Duration.ofSeconds(1))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 204) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for influxd", e);
            }
            try {
                process.waitFor(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for influxd", e);
            }
        }
        throw new IOException(
                "influxd did not answer /ping within " + max.toSeconds() + " s; see " + dir.resolve("influxd.log"));
    }

    /** Stops influxd (SIGTERM, then SIGKILL after 15 s), keeping its data and port for {@link #start()}. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + port);
    }

    public int port() {
        return port;
    }

    public Path dir() {
        return dir;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        stop();
        if (deleteOnClose) {
            try {
                deleteTree(dir);
            } catch (IOException e) {
                // a temp folder left behind is harmless
            }
        }
    }

    /** Removes a folder and everything in it, deepest first. */
    public static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}

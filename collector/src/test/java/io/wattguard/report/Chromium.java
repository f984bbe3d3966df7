package io.wattguard.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Debian's {@code chromium}, headless, driven over the Chrome DevTools Protocol on a WebSocket (the JDK's): one
 * page target, its commands answered in order, its events kept for the test to read.
 */
final class Chromium implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final List<JsonNode> events = new ArrayList<>();

    private Chromium(Process process, WebSocket socket, Listener listener) {
        this.process = process;
        this.socket = socket;
        listener.owner = this;
    }

    /** The browser's binary, or a failure that says how to install it: the test never skips for want of it. */
    static Path binary() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            Path p = Path.of(dir, "chromium");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        throw new AssertionError("Debian's chromium is not installed: scripts/setup.sh test installs it"
                + " (apt-get install -y chromium)");
    }

    /** Starts the browser with its own profile in {@code profile}, and attaches to its blank page. */
    static Chromium launch(Path profile) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(
                binary().toString(),
                "--headless",
                "--remote-debugging-port=0",
                "--user-data-dir=" + profile,
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-gpu",
                "--hide-scrollbars",
                "--window-size=1280,1000"));
        // Chromium refuses to start as root with its sandbox on ("Running as root without --no-sandbox is not
        // supported"); the tests run as root in CI and here, so only then is the sandbox turned off.
        if ("root".equals(System.getProperty("user.name"))) {
            cmd.add("--no-sandbox");
        }
        cmd.add("about:blank");
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(
                        profile.resolveSibling(profile.getFileName() + ".log").toFile())
                .start();
        try {
            Path active = profile.resolve("DevToolsActivePort");
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            List<String> lines = List.of();
            while (lines.size() < 2) {
                if (!p.isAlive()) {
                    throw new AssertionError("chromium exited " + p.exitValue() + ": "
                            + Files.readString(profile.resolveSibling(profile.getFileName() + ".log")));
                }
                if (System.nanoTime() > end) {
                    throw new AssertionError("chromium wrote no DevToolsActivePort in 60 s");
                }
                Thread.sleep(100);
                if (Files.exists(active)) {
                    lines = Files.readAllLines(active);
                }
            }
            int port = Integer.parseInt(lines.get(0).trim());
            HttpClient http = HttpClient.newHttpClient();
            String page = null;
            for (JsonNode t : JSON.readTree(http.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body())) {
                if (t.path("type").asText().equals("page")) {
                    page = t.path("webSocketDebuggerUrl").asText();
                    break;
                }
            }
            if (page == null) {
                throw new AssertionError("chromium has no page target on port " + port);
            }
            Listener listener = new Listener();
            WebSocket ws = http.newWebSocketBuilder()
                    .buildAsync(URI.create(page), listener)
                    .get(30, TimeUnit.SECONDS);
            return new Chromium(p, ws, listener);
        } catch (Throwable t) {
            p.destroyForcibly();
            throw t;
        }
    }

    /** Sends a command and waits for its result (an error answer fails). */
    JsonNode call(String method, Map<String, ?> params) throws Exception {
        int id = ids.incrementAndGet();
        ObjectNode msg = JSON.createObjectNode();
        msg.put("id", id);
        msg.put("method", method);
        msg.set("params", JSON.valueToTree(params));
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        socket.sendText(JSON.writeValueAsString(msg), true).get(30, TimeUnit.SECONDS);
        JsonNode r = answer.get(120, TimeUnit.SECONDS);
        if (r.has("error")) {
            throw new AssertionError(method + ": " + r.get("error"));
        }
        return r.path("result");
    }

    JsonNode call(String method) throws Exception {
        return call(method, Map.of());
    }

    /** The events received so far named {@code method}. */
    List<JsonNode> events(String method) {
        synchronized (events) {
            return events.stream()
                    .filter(e -> e.path("method").asText().equals(method))
                    .map(e -> e.path("params"))
                    .toList();
        }
    }

    void clearEvents() {
        synchronized (events) {
            events.clear();
        }
    }

    /** Waits until an event {@code method} whose params match has arrived. */
    void await(String method, Predicate<JsonNode> match, long seconds) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        synchronized (events) {
            while (events(method).stream().noneMatch(match)) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("no " + method + " from chromium in " + seconds + " s");
                }
                events.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
        }
    }

    /** The value of a JavaScript expression, returned by value; an exception in it fails. */
    JsonNode evaluate(String expression) throws Exception {
        JsonNode r = call("Runtime.evaluate", Map.of("expression", expression, "returnByValue", true));
        if (r.has("exceptionDetails")) {
            throw new AssertionError("script failed: " + r.get("exceptionDetails"));
        }
        return r.path("result").path("value");
    }

    @Override
    public void close() {
        try {
            socket.abort();
        } finally {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    private void received(String text) {
        JsonNode msg;
        try {
            msg = JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON from chromium: " + text, e);
        }
        if (msg.has("id")) {
            CompletableFuture<JsonNode> f = pending.remove(msg.get("id").asInt());
            if (f != null) {
                f.complete(msg);
            }
        } else {
            synchronized (events) {
                events.add(msg);
                events.notifyAll();
            }
        }
    }

    /** Joins a message's frames (a screenshot comes in many), then hands it on. */
    private static final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();
        private volatile Chromium owner;
        private final List<String> early = new ArrayList<>();

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                String m = text.toString();
                text.setLength(0);
                Chromium o = owner;
                if (o == null) {
                    early.add(m);
                } else {
                    early.forEach(o::received);
                    early.clear();
                    o.received(m);
                }
            }
            ws.request(1);
            return null;
        }
    }
}

package io.wattguard.alert;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.wattguard.analytics.Episode;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends anomaly episodes, and the monthly report, to the outputs of the {@code alerts:} section. The analysis engine calls
 * {@link #publish} at every step while an episode is open and once when it closes; each output turns that into
 * opened / escalated / closed messages above its minimum severity, on its own queue and thread, so a publish
 * never waits for I/O. Events published before {@link #start()} wait in the queues.
 */
public final class Alerts implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Alerts.class);

    private final List<QueuedOutput> outputs;
    private final Clock clock;
    private final Duration drain;
    private boolean started;
    private boolean closed;

    private Alerts(List<QueuedOutput> outputs, Clock clock, Duration drain) {
        this.outputs = List.copyOf(outputs);
        this.clock = clock;
        this.drain = drain;
    }

    /** Builds the outputs; opens no file or socket until {@link #start()} and the first event. */
    public static Alerts create(AlertSettings s, Clock clock, String instanceHostname) {
        String version = version();
        ObjectMapper mapper = new ObjectMapper();
        EventJson json = new EventJson(mapper, s.currency(), instanceHostname);
        List<QueuedOutput> outs = new ArrayList<>();
        if (s.jsonl() != null) {
            outs.add(new JsonlOutput(s.jsonl(), json));
        }
        for (AlertSettings.Webhook w : s.webhooks()) {
            if (w.token() != null
                    && "http".equalsIgnoreCase(w.url().getScheme())
                    && !isLoopback(w.url().getHost())) {
                log.warn("webhook {}: the token goes to {} over plain http; use https", w.name(), w.safeUrl());
            }
            outs.add(new WebhookOutput(w, json, clock, version));
        }
        long pid = ProcessHandle.current().pid();
        for (AlertSettings.Syslog y : s.syslog()) {
            String host = y.hostname() != null ? y.hostname() : instanceHostname;
            Cef cef = new Cef(version, instanceHostname, s.currency());
            outs.add(new SyslogOutput(y, new SyslogMessage(y.facility(), host, y.appName(), pid, cef, y.maxMessage())));
        }
        return new Alerts(outs, clock, s.drainTimeout());
    }

    private static boolean isLoopback(String host) {
        return host != null
                && (host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]") || host.equals("::1"));
    }

    static String version() {
        String v = Alerts.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    public synchronized void start() {
        if (started || closed) {
            return;
        }
        started = true;
        outputs.forEach(QueuedOutput::start);
    }

    /** Thread-safe and non-blocking: at most a few map updates and queue offers per output. */
    public void publish(Episode episode) {
        if (outputs.isEmpty()) {
            return;
        }
        var now = clock.instant();
        for (QueuedOutput o : outputs) {
            o.offer(episode, now);
        }
    }

    /**
     * The monthly report, to every output whatever its {@code min_severity} (which picks among episodes). Thread-safe
     * and non-blocking, like {@link #publish(Episode)}.
     */
    public void publish(ReportSummary report) {
        var now = clock.instant();
        for (QueuedOutput o : outputs) {
            o.offer(report, now);
        }
    }

    /** One row per output, in configuration order (jsonl, webhooks, syslog). */
    public List<OutputStats> stats() {
        List<OutputStats> out = new ArrayList<>(outputs.size());
        outputs.forEach(o -> out.add(o.stats()));
        return out;
    }

    /** The output of that name, for tests; null when there is none. */
    QueuedOutput output(String name) {
        return outputs.stream().filter(o -> o.name.equals(name)).findFirst().orElse(null);
    }

    public boolean isEmpty() {
        return outputs.isEmpty();
    }

    /** Gives queued events up to the drain timeout (shared by all outputs, which drain in parallel). */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        List<Thread> closers = new ArrayList<>();
        for (QueuedOutput o : outputs) {
            Thread t = new Thread(() -> o.close(drain), "wattguard-alert-close-" + o.name);
            t.start();
            closers.add(t);
        }
        for (Thread t : closers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}

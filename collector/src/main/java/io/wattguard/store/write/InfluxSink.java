package io.wattguard.store.write;

import io.wattguard.core.Health;
import io.wattguard.core.Sample;
import io.wattguard.core.Sink;
import io.wattguard.store.spool.Spool;
import io.wattguard.store.spool.SpoolSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The InfluxDB sink: every batch is appended to the {@link Spool} first, and one sender thread delivers the
 * spool in order, acknowledging each batch once InfluxDB has it. So a taken reading survives an InfluxDB
 * outage, a full disk of InfluxDB's own, and kill -9 of this process.
 *
 * <p>When the spool itself fails (unwritable or full disk) collection goes on: batches are held in a bounded
 * memory queue and sent directly, the failure is logged once with its cause and counted, and the spool is
 * tried again with the next batch.
 */
public final class InfluxSink implements Sink {
    private static final Logger log = LoggerFactory.getLogger(InfluxSink.class);
    private static final Duration BACKOFF_MIN = Duration.ofMillis(250);
    private static final Duration BACKOFF_MAX = Duration.ofSeconds(30);

    /** Counters read by /metrics, /health and the {@code collector} measurement. */
    public static final class Stats {
        public final AtomicLong pointsWritten = new AtomicLong();
        public final AtomicLong batchesWritten = new AtomicLong();
        public final AtomicLong writeErrors = new AtomicLong();
        public final AtomicLong deadLetterPoints = new AtomicLong();
        public final AtomicLong spoolErrors = new AtomicLong();
        public final AtomicLong memoryDroppedPoints = new AtomicLong();
        public volatile String lastError = "";
        public volatile long lastWriteMs;
    }

    private record Held(byte[] payload, int points) {}

    private final InfluxWriter writer;
    private final SpoolSettings spoolSettings;
    private final Clock clock;
    private final Stats stats = new Stats();
    private final Health influx;
    private final Health spoolHealth;
    private final Object lock = new Object();
    private final ArrayDeque<Held> memory = new ArrayDeque<>();
    private long memoryPoints;
    private Spool spool;
    private boolean spoolFailing;
    private Thread sender;
    private volatile boolean stopping;
    private boolean closed;
    private boolean databaseReady;
    private long outageSinceMs = -1;
    /**
     * After a write timed out, batches are sent in parts of at most this many points for a minute, so that
     * every batch does not first spend the timeout, and the link's bandwidth, on a size that cannot pass.
     */
    private static final long SMALL_AFTER_TIMEOUT_MS = 60_000;

    private int sendLines = Integer.MAX_VALUE; // sender thread only
    private long lastTimeoutMs = Long.MIN_VALUE / 2;
    private boolean slowLinkLogged;
    private long lastOutageLogMs;

    public InfluxSink(InfluxWriter writer, SpoolSettings spoolSettings, Clock clock) {
        this.writer = writer;
        this.spoolSettings = spoolSettings;
        this.clock = clock;
        this.influx = new Health(clock, Health.SETTLE);
        this.spoolHealth = new Health(clock, Health.SETTLE);
    }

    /** Opens the spool (a failure is reported, not fatal) and starts the sender. */
    public void start() {
        synchronized (lock) {
            if (sender != null || closed) {
                return;
            }
            openSpool();
            if (spool != null && spool.pendingBytes() > 0) {
                log.info(
                        "spool: {} bytes from an earlier run are waiting in {}; delivering them first",
                        spool.pendingBytes(),
                        spool.dir());
            }
            sender = new Thread(this::sendLoop, "wattguard-influx-sender");
            sender.setDaemon(true);
            sender.start();
        }
    }

    private void openSpool() {
        try {
            spool = spoolSettings.open(clock);
            spoolHealth.succeeded();
            if (spoolFailing && spoolHealth.ok()) {
                log.info("spool: {} is writable again; batches are durable again", spoolSettings.dir());
                spoolFailing = false;
            }
        } catch (IOException e) {
            spoolFailed("cannot open spool directory " + spoolSettings.dir() + ": " + describe(e));
        }
    }

    private void spoolFailed(String message) {
        stats.spoolErrors.incrementAndGet();
        stats.lastError = message;
        spoolHealth.failed(message);
        if (!spoolFailing) {
            log.error(
                    "{}; collection continues with up to {} points held in memory and sent directly, which a "
                            + "restart would lose. Fix the spool directory (space, permissions).",
                    message,
                    spoolSettings.memoryPoints());
        }
        spoolFailing = true;
    }

    static String describe(IOException e) {
        String m = e.getMessage();
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied (" + m + ")";
        }
        return m == null ? e.getClass().getSimpleName() : m;
    }

    @Override
    public void accept(List<Sample> batch) {
        if (batch.isEmpty()) {
            return;
        }
        byte[] payload = LineProtocol.format(batch).getBytes(StandardCharsets.UTF_8);
        Spool target;
        synchronized (lock) {
            if (closed) {
                throw new IllegalStateException("sink is closed");
            }
            if (spool == null) {
                openSpool();
            }
            target = spool;
        }
        if (target != null) {
            // Outside the sink's lock: the sender keeps delivering while this batch is written and forced.
            try {
                target.append(payload, batch.size());
                spoolHealth.succeeded();
                synchronized (lock) {
                    // Said once the spool is ok by the damped rule, not at every append that works between failures.
                    if (spoolFailing && spoolHealth.ok()) {
                        log.info("spool: {} accepts writes again; batches are durable again", spoolSettings.dir());
                        spoolFailing = false;
                    }
                    lock.notifyAll();
                }
                return;
            } catch (IOException e) {
                synchronized (lock) {
                    spoolFailed("cannot write to spool " + spoolSettings.dir() + ": " + describe(e));
                }
            }
        }
        synchronized (lock) {
            hold(payload, batch.size());
            lock.notifyAll();
        }
    }

    private void hold(byte[] payload, int points) {
        memory.addLast(new Held(payload, points));
        memoryPoints += points;
        while (memoryPoints > spoolSettings.memoryPoints() && memory.size() > 1) {
            Held dropped = memory.removeFirst();
            memoryPoints -= dropped.points();
            stats.memoryDroppedPoints.addAndGet(dropped.points());
            log.error(
                    "spool unavailable and memory queue full ({} points): dropped the oldest {} points",
                    spoolSettings.memoryPoints(),
                    dropped.points());
        }
    }

    private void sendLoop() {
        int attempt = 0;
        while (true) {
            Spool.Entry entry = null;
            Held held = null;
            boolean unreadable = false;
            synchronized (lock) {
                try {
                    while (!stopping) {
                        entry = spool == null ? null : spool.peek();
                        if (entry == null) {
                            held = memory.peekFirst();
                        }
                        if (entry != null || held != null) {
                            break;
                        }
                        lock.notifyAll(); // wakes flush() waiters: everything is delivered
                        lock.wait(1000);
                    }
                } catch (IOException e) {
                    spoolFailed("cannot read spool " + spoolSettings.dir() + ": " + describe(e));
                    unreadable = true;
                    held = memory.peekFirst(); // what is held in memory can still go
                } catch (InterruptedException e) {
                    return;
                }
                if (stopping && entry == null && held == null) {
                    return;
                }
            }
            if (entry == null && held == null) {
                if (unreadable) {
                    pause(Duration.ofSeconds(1)); // not a busy loop while the disk is failing
                }
                continue;
            }
            String text = entry != null ? entry.text() : new String(held.payload(), StandardCharsets.UTF_8);
            int points = entry != null ? entry.points() : held.points();
            Duration wait = deliver(text, points);
            if (wait == null) {
                attempt = 0;
                synchronized (lock) {
                    try {
                        if (entry != null) {
                            spool.ack(entry);
                        } else {
                            memory.removeFirst();
                            memoryPoints -= held.points();
                        }
                    } catch (IOException e) {
                        spoolFailed("cannot record delivery in spool " + spoolSettings.dir() + ": " + describe(e));
                    }
                    lock.notifyAll();
                }
            } else {
                if (stopping) {
                    return;
                }
                Duration backoff = backoff(attempt++);
                pause(wait.compareTo(backoff) > 0 ? wait : backoff);
            }
        }
    }

    /** Equal jitter: half the exponential step plus a random half, so many collectors do not retry in step. */
    static Duration backoff(int attempt) {
        long cap = Math.min(BACKOFF_MAX.toMillis(), BACKOFF_MIN.toMillis() << Math.min(attempt, 16));
        return Duration.ofMillis(cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1));
    }

    private void pause(Duration d) {
        synchronized (lock) {
            long end = System.nanoTime() + d.toNanos();
            long left;
            while (!stopping && (left = end - System.nanoTime()) > 0) {
                try {
                    lock.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Delivers one batch; null when it is done with (written or dead-lettered), else the wait the server asked for. */
    private Duration deliver(String text, int points) {
        if (!databaseReady && writer.settings().createDatabase()) {
            try {
                writer.createDatabase();
            } catch (org.influxdb.InfluxDBIOException e) {
                return outage(
                        "cannot reach InfluxDB at " + writer.settings().url() + ": " + InfluxWriter.rootMessage(e),
                        Duration.ZERO);
            } catch (RuntimeException e) {
                // A write-only user, or a v1 compatibility API, may refuse CREATE DATABASE; writing may still work.
                log.warn(
                        "cannot create database '{}' ({}); writing anyway. Set influxdb.create_database: false "
                                + "if it is managed elsewhere",
                        writer.settings().database(),
                        InfluxWriter.rootMessage(e));
            }
            databaseReady = true;
        }
        if (points > sendLines && clock.millis() - lastTimeoutMs < SMALL_AFTER_TIMEOUT_MS) {
            return split(text, "", 0); // a batch this size timed out a moment ago: send it in parts
        }
        InfluxWriter.Outcome o = writer.write(text);
        if (o instanceof InfluxWriter.Outcome.Written) {
            written(points);
            return null;
        } else if (o instanceof InfluxWriter.Outcome.Retry r) {
            return outage(r.reason(), r.retryAfter());
        } else if (o instanceof InfluxWriter.Outcome.NoDatabase nd) {
            databaseReady = false;
            return outage(
                    nd.reason() + (writer.settings().createDatabase() ? "" : " (create_database is off)"),
                    Duration.ZERO);
        } else if (o instanceof InfluxWriter.Outcome.TooLarge tl) {
            return split(text, tl.reason(), 413);
        } else if (o instanceof InfluxWriter.Outcome.TimedOut t) {
            // Halves cross a slow link sooner; a single line that times out is an outage like any other.
            if (points <= 1) {
                return outage(t.reason(), Duration.ZERO);
            }
            stats.writeErrors.incrementAndGet();
            stats.lastError = t.reason();
            influx.noted(t.reason()); // the halves go on: a slow link, not an outage
            sendLines = Math.max(1, points / 2);
            lastTimeoutMs = clock.millis();
            if (!slowLinkLogged) {
                slowLinkLogged = true;
                log.warn(
                        "{}; sending batches of at most {} points for a while (slow link or busy server)",
                        t.reason(),
                        sendLines);
            }
            return split(text, t.reason(), 0);
        } else {
            InfluxWriter.Outcome.Rejected rej = (InfluxWriter.Outcome.Rejected) o;
            return refused(text, rej.status(), rej.answer());
        }
    }

    private void written(int points) {
        stats.pointsWritten.addAndGet(points);
        stats.batchesWritten.incrementAndGet();
        stats.lastWriteMs = clock.millis();
        influx.succeeded();
        if (outageSinceMs >= 0) {
            log.info(
                    "InfluxDB is writable again after {} s; delivering what was spooled",
                    (clock.millis() - outageSinceMs) / 1000);
            outageSinceMs = -1;
        }
    }

    private Duration outage(String reason, Duration retryAfter) {
        stats.writeErrors.incrementAndGet();
        stats.lastError = reason;
        influx.failed(reason);
        long now = clock.millis();
        if (outageSinceMs < 0) {
            outageSinceMs = now;
            lastOutageLogMs = now;
            log.warn("{}; keeping batches in the spool and retrying", reason);
        } else if (now - lastOutageLogMs >= 60_000) {
            lastOutageLogMs = now;
            log.warn(
                    "{}; still retrying after {} s, {} bytes waiting in the spool",
                    reason,
                    (now - outageSinceMs) / 1000,
                    spool == null ? 0 : spool.pendingBytes());
        }
        return retryAfter;
    }

    /**
     * InfluxDB refused some or all of the batch. Only the refused points go to dead-letter: those the answer
     * names (influxd 1.x quotes each line it cannot parse), else those found by halving the batch (a field type
     * conflict, say, names no line). Sending again what influxd already stored of a partial write is harmless:
     * the same point written twice is one point.
     */
    private Duration refused(String text, int status, String answer) {
        List<String> lines = List.of(text.split("\n"));
        Set<String> named = lines.size() == 1 ? Set.copyOf(lines) : InfluxWriter.unparsable(answer, lines);
        if (named.isEmpty()) {
            return split(text, InfluxWriter.firstLine(answer), status);
        }
        Map<Boolean, List<String>> byNamed = lines.stream().collect(Collectors.partitioningBy(named::contains));
        deadLetter(byNamed.get(true), status, InfluxWriter.firstLine(answer));
        List<String> rest = byNamed.get(false);
        return rest.isEmpty() ? null : settle(joined(rest), rest.size());
    }

    /**
     * Halves until InfluxDB takes each part: after a 413 or a timeout (smaller requests pass) and after a refusal
     * that named no line (the halves find the refused points). A single line refused goes to dead-letter with
     * {@code refusedStatus}; with 0 (it timed out) it is retried like any outage.
     */
    private Duration split(String text, String reason, int refusedStatus) {
        List<String> lines = List.of(text.split("\n"));
        if (lines.size() <= 1) {
            if (refusedStatus == 0) {
                return outage(reason, Duration.ZERO);
            }
            deadLetter(lines, refusedStatus, reason);
            return null;
        }
        // Points are counted per line here: a spooled batch holds one point per line.
        int mid = lines.size() / 2;
        Duration w = settle(joined(lines.subList(0, mid)), mid);
        return w != null ? w : settle(joined(lines.subList(mid, lines.size())), lines.size() - mid);
    }

    /**
     * Delivers part of a batch, riding out an outage here: handing the wait back to the send loop would send the
     * whole batch again, and dead-letter again what was already refused. Returns non-null only when stopping.
     */
    private Duration settle(String text, int points) {
        for (int attempt = 0; ; attempt++) {
            Duration w = deliver(text, points);
            if (w == null || stopping) {
                return w;
            }
            Duration backoff = backoff(attempt);
            pause(w.compareTo(backoff) > 0 ? w : backoff);
        }
    }

    private static String joined(List<String> lines) {
        return String.join("\n", lines) + "\n";
    }

    private void deadLetter(List<String> lines, int status, String reason) {
        int points = lines.size();
        stats.deadLetterPoints.addAndGet(points);
        Path dir = spoolSettings.dir().resolve("deadletter");
        Path file = dir.resolve(Instant.ofEpochMilli(clock.millis()).toString().replace(':', '-') + ".lp");
        try {
            Spool.createPrivateDir(dir);
            if (!Files.exists(file)) {
                Spool.createPrivateFile(file);
            }
            String header = "# InfluxDB refused " + (points == 1 ? "this point" : "these " + points + " points")
                    + ": HTTP " + status + ": " + reason.replace('\n', ' ') + "\n";
            Files.writeString(
                    file,
                    header + joined(lines),
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            log.error(
                    "InfluxDB refused {} points (HTTP {}: {}); they are in {} for inspection and will not be retried",
                    points,
                    status,
                    reason,
                    file);
        } catch (IOException e) {
            log.error(
                    "InfluxDB refused {} points (HTTP {}: {}) and the dead-letter file {} cannot be written ({}): "
                            + "these points are lost",
                    points,
                    status,
                    reason,
                    file,
                    describe(e));
        }
    }

    /** Waits until everything accepted so far has been delivered, or the timeout passes. */
    public boolean flush(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (true) {
                boolean empty = memory.isEmpty();
                try {
                    empty &= spool == null || spool.peek() == null;
                } catch (IOException e) {
                    return false;
                }
                if (empty) {
                    return true;
                }
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                lock.wait(Math.max(1, Math.min(left / 1_000_000, 200)));
            }
        }
    }

    public Stats stats() {
        return stats;
    }

    public long spoolBytes() {
        synchronized (lock) {
            return spool == null ? 0 : spool.pendingBytes();
        }
    }

    public long spoolDroppedPoints() {
        synchronized (lock) {
            return (spool == null ? 0 : spool.droppedPoints()) + stats.memoryDroppedPoints.get();
        }
    }

    /** Open, and not failing by {@link Health}'s damped rule. */
    public boolean spoolHealthy() {
        synchronized (lock) {
            return spool != null && spoolHealth.ok();
        }
    }

    /** InfluxDB takes writes, by {@link Health}'s damped rule. */
    public boolean influxHealthy() {
        return influx.ok();
    }

    /** The spool's state and last error, for /health. */
    public Health spoolHealth() {
        return spoolHealth;
    }

    /** InfluxDB's state and last error as this sink sees it, for /health. */
    public Health influxHealth() {
        return influx;
    }

    /** Stops the sender after one last delivery attempt; spooled batches stay on disk for the next start. */
    @Override
    public void close() {
        Thread t;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            t = sender;
        }
        try {
            if (t != null) {
                flush(Duration.ofSeconds(5));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        synchronized (lock) {
            stopping = true;
            lock.notifyAll();
        }
        if (t != null) {
            try {
                t.join(15_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (lock) {
            if (memoryPoints > 0) {
                log.error(
                        "closing with {} undelivered points held in memory (the spool was unusable): they are lost",
                        memoryPoints);
            }
            if (spool != null) {
                spool.close();
            }
        }
        writer.close();
    }
}

package io.wattguard.daemon;

import io.wattguard.core.Sample;
import io.wattguard.core.Sink;
import io.wattguard.core.Topology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds topology tags and gathers samples into batches of at most {@code max_points}, handing a batch to the
 * sink when full or when it has waited {@code max_delay}. The hand-off runs on the batcher's own thread:
 * a poll thread only appends to memory, so a slow disk never makes a poll late, and interrupting a poll
 * that ran past its timeout can never interrupt (and so close) the spool's file channel.
 *
 * <p>Memory is bounded: at most {@code max_pending_points} samples wait here. Beyond that the sink is not
 * keeping up, and producers wait for room: {@link #add} as long as it takes (a replay, a backfill, pushed
 * business load, the analysis: they are paced by the sink), {@link #offer} for a bounded time, after which
 * what does not fit is dropped, counted and logged (scheduled polls: a poll thread must not be held through
 * tick after tick, and a reading is either held or counted as lost, never silently gone).
 *
 * <p>If the batcher's thread dies (an {@link Error} from the sink, out of memory), the batcher fails: what
 * was waiting is counted as lost, every producer gets an exception instead of waiting forever, and
 * {@code onFailure} is told so that the daemon or command can end with the reason.
 */
public final class Batcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Batcher.class);
    private static final long DROP_LOG_EVERY_MS = 60_000;

    /** The batcher's thread died; nothing more can be collected. */
    public static final class Failed extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        Failed(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Topology topology;
    private final Sink sink;
    private final int maxPoints;
    private final long maxDelayNanos;
    private final int maxPending;
    private final Consumer<Failed> onFailure;
    private final Thread thread;
    private final AtomicLong dropped = new AtomicLong();
    private List<Sample> pending = new ArrayList<>();
    private long oldestNanos;
    private boolean closing;
    private Failed failure;
    private long droppedSinceLog;
    private long lastDropLogNanos;

    public Batcher(Topology topology, Sink sink, Settings.Batch batch, Consumer<Failed> onFailure) {
        this.topology = topology;
        this.sink = sink;
        this.maxPoints = batch.maxPoints();
        this.maxDelayNanos = batch.maxDelay().toNanos();
        this.maxPending = batch.maxPendingPoints();
        this.onFailure = onFailure;
        this.thread = new Thread(this::loop, "wattguard-batcher");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Queues the samples, waiting as long as it takes for room.
     *
     * @throws Failed if the batcher has failed: nothing more can be collected
     */
    public void add(List<Sample> samples) {
        offer(samples, null);
    }

    /**
     * Queues the samples, waiting at most {@code maxWait} in all for room; what still does not fit is dropped,
     * counted in {@link #droppedPoints()} and logged. An interrupted wait drops the rest the same way.
     *
     * @return how many of the samples were dropped
     * @throws Failed if the batcher has failed
     */
    public int offer(List<Sample> samples, Duration maxWait) {
        long deadline = maxWait == null ? Long.MAX_VALUE : System.nanoTime() + maxWait.toNanos();
        synchronized (this) {
            for (int i = 0; i < samples.size(); i++) {
                if (failure != null) {
                    throw failure;
                }
                if (closing) {
                    return drop(samples.size() - i, "they arrived after shutdown began");
                }
                if (pending.size() >= maxPending) {
                    notifyAll(); // a full batch is ready: the batcher must not wait out max_delay
                    long left = deadline == Long.MAX_VALUE ? 100 : (deadline - System.nanoTime()) / 1_000_000;
                    if (left <= 0) {
                        return drop(
                                samples.size() - i,
                                "the sink is not keeping up and " + maxPending
                                        + " points already wait in memory (batch.max_pending_points)");
                    }
                    try {
                        wait(Math.min(left, 100));
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return drop(samples.size() - i, "their producer was interrupted while waiting for room");
                    }
                    i--; // try this sample again
                    continue;
                }
                if (pending.isEmpty()) {
                    oldestNanos = System.nanoTime();
                }
                pending.add(topology.enrich(samples.get(i)));
            }
            if (pending.size() >= maxPoints) {
                notifyAll();
            }
            return 0;
        }
    }

    /** Called holding the lock. The first drop is logged at once, then at most one summary a minute. */
    private int drop(int n, String why) {
        dropped.addAndGet(n);
        droppedSinceLog += n;
        long now = System.nanoTime();
        if (lastDropLogNanos == 0 || now - lastDropLogNanos >= DROP_LOG_EVERY_MS * 1_000_000) {
            log.error("dropped {} points: {} ({} dropped since start)", droppedSinceLog, why, dropped.get());
            droppedSinceLog = 0;
            lastDropLogNanos = now;
        }
        return n;
    }

    /** Points dropped because there was no room, or after shutdown began, or by a failure. */
    public long droppedPoints() {
        return dropped.get();
    }

    /** The failure that stopped the batcher, or null while it works. */
    public synchronized Failed failure() {
        return failure;
    }

    private void loop() {
        try {
            while (true) {
                List<Sample> batch;
                synchronized (this) {
                    while (!closing
                            && (pending.isEmpty()
                                    || (pending.size() < maxPoints
                                            && System.nanoTime() - oldestNanos < maxDelayNanos))) {
                        long waitNanos =
                                pending.isEmpty() ? maxDelayNanos : maxDelayNanos - (System.nanoTime() - oldestNanos);
                        wait(Math.max(1, waitNanos / 1_000_000));
                    }
                    if (pending.isEmpty()) {
                        return; // closing and nothing left
                    }
                    if (pending.size() <= maxPoints) {
                        batch = pending;
                        pending = new ArrayList<>();
                    } else {
                        batch = new ArrayList<>(pending.subList(0, maxPoints));
                        pending = new ArrayList<>(pending.subList(maxPoints, pending.size()));
                    }
                    oldestNanos = System.nanoTime();
                    notifyAll(); // room again for producers waiting on a full queue
                }
                try {
                    sink.accept(batch);
                } catch (RuntimeException e) {
                    log.error("sink refused a batch of {} points: {}", batch.size(), e.toString());
                }
            }
        } catch (InterruptedException e) {
            fail(new Failed("the batcher was interrupted", e));
        } catch (Throwable t) {
            fail(new Failed("the batcher stopped: " + describe(t), t));
        }
    }

    private void fail(Failed f) {
        int lost;
        synchronized (this) {
            lost = pending.size();
            pending = new ArrayList<>(); // first, so that an out-of-memory failure can still be reported
            failure = f;
            closing = true;
            notifyAll();
        }
        dropped.addAndGet(lost);
        log.error("{}; {} points waiting in memory are lost, nothing more is collected", f.getMessage(), lost);
        onFailure.accept(f);
    }

    /** An error in the operator's words: "out of memory (Java heap space)" rather than a class name. */
    public static String describe(Throwable t) {
        if (t instanceof OutOfMemoryError) {
            return "out of memory (" + t.getMessage() + ")";
        }
        return t.getMessage() == null
                ? t.getClass().getSimpleName()
                : t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    /** Hands everything waiting to the sink, then stops. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closing) {
                return;
            }
            closing = true;
            notifyAll();
        }
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package io.wattguard.alert;

import io.wattguard.analytics.Episode;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One alert output: a gate that picks the publishes worth a message, a bounded queue, and one delivery thread,
 * so that publishing never waits on a file, a socket or a slow receiver. When the queue is full the event is
 * dropped and counted: the analysis engine must not stall because a chat server is down.
 */
abstract class QueuedOutput implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(QueuedOutput.class);

    final String name;
    final String type;
    private final SendGate gate;
    private final BlockingQueue<AlertEvent> queue;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private Thread thread;
    private volatile boolean draining;
    private boolean closed;

    QueuedOutput(String name, String type, Episode.Severity min, int maxQueue) {
        this.name = name;
        this.type = type;
        this.gate = new SendGate(min, SendGate.DEFAULT_CAPACITY);
        this.queue = new ArrayBlockingQueue<>(maxQueue);
    }

    /** Delivers one event, retrying as this output sees fit; false when it gave up. */
    protected abstract boolean deliver(AlertEvent ev) throws InterruptedException;

    /** Releases files and sockets; called once, after the delivery thread stopped. */
    protected abstract void release();

    final void offer(Episode e, Instant now) {
        AlertEvent.Type t = gate.decide(e);
        if (t != null) {
            enqueue(new AlertEvent.OfEpisode(t, e, now));
        }
    }

    /** The monthly report: not an episode, so no gate and no minimum severity; every output sends it. */
    final void offer(ReportSummary r, Instant now) {
        enqueue(new AlertEvent.OfReport(r, now));
    }

    private void enqueue(AlertEvent ev) {
        if (draining) {
            dropped.incrementAndGet(); // published after close(): nobody will deliver it
            return;
        }
        if (!queue.offer(ev)) {
            long n = dropped.incrementAndGet();
            if (Long.bitCount(n) == 1) { // 1st, 2nd, 4th, 8th...: visible without flooding the log
                log.warn("alert output {}: queue full, {} event(s) dropped so far (receiver down or slow?)", name, n);
            }
        }
    }

    final synchronized void start() {
        if (closed || thread != null) {
            return;
        }
        thread = new Thread(this::run, "wattguard-alert-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        while (true) {
            AlertEvent ev;
            try {
                ev = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (ev == null) {
                if (draining) {
                    return;
                }
                continue;
            }
            try {
                (deliver(ev) ? sent : failed).incrementAndGet();
            } catch (InterruptedException e) {
                failed.incrementAndGet();
                return;
            } catch (RuntimeException e) {
                failed.incrementAndGet();
                log.warn("alert output {}: cannot deliver {}: {}", name, ev.describe(), e.toString());
            }
        }
    }

    /** Waits up to {@code drain} for queued events to go out, then stops; what is left counts as dropped. */
    final void close(Duration drain) {
        Thread t;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            draining = true;
            t = thread;
        }
        if (t != null) {
            try {
                t.join(Math.max(1, drain.toMillis()));
                if (t.isAlive()) {
                    t.interrupt();
                    t.join(2_000);
                }
            } catch (InterruptedException e) {
                t.interrupt();
                Thread.currentThread().interrupt();
            }
        }
        int left = queue.size();
        queue.clear();
        if (left > 0) {
            dropped.addAndGet(left);
            log.warn("alert output {}: {} event(s) not delivered before shutdown", name, left);
        }
        release();
    }

    @Override
    public final void close() {
        close(Duration.ofSeconds(5));
    }

    final OutputStats stats() {
        return new OutputStats(name, type, sent.get(), failed.get(), dropped.get(), queue.size());
    }

    /** Sleeps for a retry; an interrupt (shutdown) ends the wait and the delivery. */
    static void pause(Duration d) throws InterruptedException {
        Thread.sleep(Math.max(0, d.toMillis()));
    }
}

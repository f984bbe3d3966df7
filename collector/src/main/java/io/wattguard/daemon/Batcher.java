package io.wattguard.daemon;

import io.wattguard.core.Sample;
import io.wattguard.core.Sink;
import io.wattguard.core.Topology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds topology tags and gathers samples into batches of at most {@code maxPoints}, handing a batch to the
 * sink when full or when it has waited {@code maxDelay}. The hand-off runs on the batcher's own thread:
 * a poll thread only appends to memory, so a slow disk never makes a poll late, and interrupting a poll
 * that ran past its timeout can never interrupt (and so close) the spool's file channel.
 */
public final class Batcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Batcher.class);
    private final Topology topology;
    private final Sink sink;
    private final int maxPoints;
    private final long maxDelayNanos;
    /**
     * Beyond this many waiting points the sink is not keeping up: producers wait (backpressure), which for
     * the daemon shows up as poll overruns and for a replay simply paces it, instead of exhausting the heap.
     */
    private final int maxPending;
    private final Thread thread;
    private List<Sample> pending = new ArrayList<>();
    private long oldestNanos;
    private boolean closing;

    public Batcher(Topology topology, Sink sink, int maxPoints, Duration maxDelay) {
        this.topology = topology;
        this.sink = sink;
        this.maxPoints = maxPoints;
        this.maxDelayNanos = maxDelay.toNanos();
        this.maxPending = Math.max(100_000, maxPoints * 50);
        this.thread = new Thread(this::loop, "wattguard-batcher");
        thread.setDaemon(true);
        thread.start();
    }

    public void add(List<Sample> samples) {
        synchronized (this) {
            if (closing) {
                log.warn("{} samples arrived after shutdown began; dropped", samples.size());
                return;
            }
            if (pending.isEmpty()) {
                oldestNanos = System.nanoTime();
            }
            for (Sample s : samples) {
                while (pending.size() >= maxPending && !closing) {
                    notifyAll();
                    try {
                        wait(100);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        log.error("interrupted while the sink was not keeping up; {} samples of this poll dropped",
                                samples.size());
                        return;
                    }
                }
                pending.add(topology.enrich(s));
            }
            if (pending.size() >= maxPoints) {
                notifyAll();
            }
        }
    }

    private void loop() {
        while (true) {
            List<Sample> batch;
            synchronized (this) {
                try {
                    while (!closing && (pending.isEmpty()
                            || (pending.size() < maxPoints && System.nanoTime() - oldestNanos < maxDelayNanos))) {
                        long waitNanos = pending.isEmpty() ? maxDelayNanos : maxDelayNanos - (System.nanoTime() - oldestNanos);
                        wait(Math.max(1, waitNanos / 1_000_000));
                    }
                } catch (InterruptedException e) {
                    return;
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

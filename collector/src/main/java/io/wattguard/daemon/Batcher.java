package io.wattguard.daemon;

import io.wattguard.core.Sample;
import io.wattguard.core.Sink;
import io.wattguard.core.Topology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Adds topology tags and gathers samples into batches of at most {@code maxPoints}, handing a batch to the
 * sink when full or when its oldest sample has waited {@code maxDelay}.
 */
public final class Batcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Batcher.class);
    private final Topology topology;
    private final Sink sink;
    private final int maxPoints;
    private final ScheduledExecutorService timer;
    private List<Sample> pending = new ArrayList<>();
    private boolean closed;

    public Batcher(Topology topology, Sink sink, int maxPoints, Duration maxDelay) {
        this.topology = topology;
        this.sink = sink;
        this.maxPoints = maxPoints;
        this.timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "wattguard-batcher");
            t.setDaemon(true);
            return t;
        });
        long d = maxDelay.toMillis();
        timer.scheduleWithFixedDelay(this::flush, d, d, TimeUnit.MILLISECONDS);
    }

    public void add(List<Sample> samples) {
        List<List<Sample>> full = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                log.warn("{} samples arrived after shutdown began; dropped", samples.size());
                return;
            }
            for (Sample s : samples) {
                pending.add(topology.enrich(s));
                if (pending.size() >= maxPoints) {
                    full.add(pending);
                    pending = new ArrayList<>();
                }
            }
        }
        full.forEach(this::hand);
    }

    public void flush() {
        List<Sample> batch;
        synchronized (this) {
            if (pending.isEmpty()) {
                return;
            }
            batch = pending;
            pending = new ArrayList<>();
        }
        hand(batch);
    }

    private void hand(List<Sample> batch) {
        try {
            sink.accept(batch);
        } catch (RuntimeException e) {
            log.error("sink refused a batch of {} points: {}", batch.size(), e.toString());
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
        }
        timer.shutdownNow();
        flush();
        synchronized (this) {
            closed = true;
        }
    }
}

package io.wattguard.daemon;

import io.wattguard.core.Emitter;
import io.wattguard.core.Sample;
import io.wattguard.core.Source;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls each source at wall-clock ticks aligned to its interval (a 10 s source polls at :00, :10, ...), so
 * series from different hosts line up. One ticker thread only decides; polls run on a bounded worker pool.
 * A source whose previous poll is still running skips the tick (counted as an overrun) rather than queueing,
 * and a poll past its timeout is interrupted and counted as an error: a slow or dead device never delays
 * another source's samples.
 */
public final class Scheduler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Scheduler.class);

    private final Clock clock;
    private final Consumer<List<Sample>> out;
    private final ScheduledExecutorService ticker;
    private final ExecutorService workers;
    private final Map<Source, Slot> slots = new LinkedHashMap<>();
    private volatile boolean closed;

    private static final class Slot {
        final Source source;
        final SourceStatus status;
        /** True from submit until the poll's thread really returns, which a cancel does not wait for. */
        final java.util.concurrent.atomic.AtomicBoolean busy = new java.util.concurrent.atomic.AtomicBoolean();

        volatile boolean started;

        Slot(Source source, Clock clock) {
            this.source = source;
            this.status = new SourceStatus(source.name(), source.type(), source.interval(), clock);
        }
    }

    public Scheduler(List<Source> sources, Consumer<List<Sample>> out, Clock clock, int maxWorkers) {
        this.clock = clock;
        this.out = out;
        for (Source s : sources) {
            slots.put(s, new Slot(s, clock));
        }
        this.ticker = new ScheduledThreadPoolExecutor(1, named("wattguard-ticker"));
        int n = Math.max(1, Math.min(maxWorkers, sources.size()));
        this.workers = new ThreadPoolExecutor(
                n, n, 60, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), named("wattguard-poll"));
        ((ThreadPoolExecutor) workers).allowCoreThreadTimeOut(true);
    }

    private static java.util.concurrent.ThreadFactory named(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }

    public void start() {
        for (Slot slot : slots.values()) {
            scheduleNext(slot, clock.millis());
        }
    }

    public List<SourceStatus> statuses() {
        List<SourceStatus> l = new ArrayList<>();
        slots.values().forEach(s -> l.add(s.status));
        return l;
    }

    static long nextTick(long nowMs, long intervalMs) {
        return (nowMs / intervalMs + 1) * intervalMs;
    }

    private void scheduleNext(Slot slot, long afterMs) {
        if (closed) {
            return;
        }
        long interval = slot.source.interval().toMillis();
        long tick = nextTick(afterMs, interval);
        long delay = Math.max(0, tick - clock.millis());
        ticker.schedule(() -> onTick(slot, tick), delay, TimeUnit.MILLISECONDS);
    }

    private void onTick(Slot slot, long tick) {
        if (closed) {
            return;
        }
        // Schedule from the tick itself, not from now, so lateness never accumulates into drift.
        scheduleNext(slot, Math.max(tick, clock.millis()));
        // A poll that ignores its interrupt (a blocking socket read, a native call) keeps its thread after the
        // timeout; skipping ticks until it really returns bounds every source to one thread.
        if (!slot.busy.compareAndSet(false, true)) {
            slot.status.overruns.incrementAndGet();
            log.debug("source {}: previous poll still running at tick {}; skipped", slot.source.name(), tick);
            return;
        }
        long lateness = clock.millis() - tick;
        java.util.concurrent.atomic.AtomicBoolean abandoned = new java.util.concurrent.atomic.AtomicBoolean();
        Future<?> f;
        try {
            f = workers.submit(() -> {
                try {
                    poll(slot, tick, lateness, abandoned);
                } finally {
                    slot.busy.set(false);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            slot.busy.set(false);
            return; // closing
        }
        long timeout = slot.source.timeout().toMillis();
        ticker.schedule(
                () -> {
                    if (!f.isDone() && abandoned.compareAndSet(false, true)) {
                        f.cancel(true);
                        slot.status.polls.incrementAndGet();
                        fail(slot, TIMEOUT + " of " + timeout + " ms", tick);
                    }
                },
                timeout,
                TimeUnit.MILLISECONDS);
    }

    private void poll(Slot slot, long tick, long lateness, java.util.concurrent.atomic.AtomicBoolean abandoned) {
        SourceStatus st = slot.status;
        long start = System.nanoTime();
        PollEmitter emitter = new PollEmitter(tick, slot.source.name());
        try {
            if (!slot.started) {
                slot.source.start();
                slot.started = true;
            }
            slot.source.poll(emitter);
            if (!abandoned.compareAndSet(false, true)) {
                return; // the timeout already counted this poll as failed; a late success must not clear that
            }
            st.polls.incrementAndGet();
            st.lastLatencyMs = (System.nanoTime() - start) / 1_000_000;
            st.lastLatenessMs = lateness;
            st.lastPollMs = tick;
            if (emitter.errors.isEmpty()) {
                if (st.consecutiveErrors > 0) {
                    log.info(
                            "source {}: polling again after {} failed polls", slot.source.name(), st.consecutiveErrors);
                }
                st.consecutiveErrors = 0;
                st.lastOkMs = tick;
                st.health.succeeded();
            } else {
                st.errors.addAndGet(emitter.errors.size());
                String before = st.lastError;
                st.lastError = String.join("; ", emitter.errors);
                st.consecutiveErrors++;
                st.health.failed(st.lastError);
                logFailure(slot, st.lastError, before);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception | LinkageError e) {
            if (abandoned.compareAndSet(false, true)) {
                st.polls.incrementAndGet();
                fail(slot, e.getMessage() == null ? e.toString() : e.getMessage(), tick);
            }
        } finally {
            // What was read before a failure or timeout is still a valid reading: deliver it.
            if (!emitter.samples.isEmpty()) {
                st.samples.addAndGet(emitter.samples.size());
                out.accept(emitter.samples);
            }
        }
    }

    private void fail(Slot slot, String message, long tick) {
        SourceStatus st = slot.status;
        st.errors.incrementAndGet();
        String before = st.lastError;
        st.lastError = message;
        st.lastPollMs = tick;
        st.consecutiveErrors++;
        st.health.failed(message);
        logFailure(slot, message, before);
    }

    private static final String TIMEOUT = "poll took longer than its timeout";

    /**
     * The first failure and then every 60th, so a dead device is visible without flooding the log. A timeout says
     * nothing about why, so the first failure after a timeout that does say why is logged too (a slow first poll,
     * such as loading a native library, would otherwise hide the real reason for 60 polls).
     */
    private static void logFailure(Slot slot, String message, String before) {
        int n = slot.status.consecutiveErrors;
        boolean firstReason = n > 1 && before.startsWith(TIMEOUT) && !message.startsWith(TIMEOUT);
        if (n == 1 || n % 60 == 0 || firstReason) {
            log.warn("source {}: {}{}", slot.source.name(), message, n > 1 ? " (" + n + " polls in a row)" : "");
        }
    }

    private static final class PollEmitter implements Emitter {
        final long tick;
        final String source;
        final List<Sample> samples = new ArrayList<>();
        final List<String> errors = new ArrayList<>();

        PollEmitter(long tick, String source) {
            this.tick = tick;
            this.source = source;
        }

        @Override
        public long tickMs() {
            return tick;
        }

        @Override
        public synchronized void emit(Sample sample) {
            samples.add(sample);
        }

        @Override
        public synchronized void error(String device, String message) {
            errors.add(device + ": " + message);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        ticker.shutdownNow();
        workers.shutdown();
        try {
            if (!workers.awaitTermination(5, TimeUnit.SECONDS)) {
                workers.shutdownNow();
            }
        } catch (InterruptedException e) {
            workers.shutdownNow();
            Thread.currentThread().interrupt();
        }
        for (Slot s : slots.values()) {
            try {
                s.source.close();
            } catch (RuntimeException e) {
                log.warn("source {}: error while closing: {}", s.source.name(), e.toString());
            }
        }
    }
}

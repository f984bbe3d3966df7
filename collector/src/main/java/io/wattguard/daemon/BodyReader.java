package io.wattguard.daemon;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Reads a request body as its chunks arrive, holding no thread while the client is slow (Jetty calls back when
 * more is there), and ends in exactly one of: the body, over the limit, past the deadline, or failed.
 */
final class BodyReader implements Runnable {
    /** What reading the body came to. */
    interface Outcome {
        void body(byte[] body);

        /** Over the limit; the rest was read, without being kept, up to a bound, so the client sees the answer. */
        void tooLarge();

        /** The body has not arrived within the deadline. */
        void tooSlow();

        void failed(Throwable cause);
    }

    private final Content.Source source;
    private final int limit;
    private final long drainLimit;
    private final Outcome outcome;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final AtomicBoolean done = new AtomicBoolean();
    private long total;
    private volatile Scheduler.Task deadline;

    private BodyReader(Content.Source source, int limit, long drainLimit, Outcome outcome) {
        this.source = source;
        this.limit = limit;
        this.drainLimit = drainLimit;
        this.outcome = outcome;
    }

    /**
     * @param limit      bytes kept; a longer body is {@link Outcome#tooLarge()}
     * @param drainLimit bytes read in all, past which reading stops and the connection is left to close
     */
    static void read(
            Content.Source source, int limit, long drainLimit, Duration timeout, Scheduler scheduler, Outcome outcome) {
        BodyReader r = new BodyReader(source, limit, drainLimit, outcome);
        r.deadline = scheduler.schedule(() -> r.finish(Outcome::tooSlow), timeout.toMillis(), TimeUnit.MILLISECONDS);
        r.run();
    }

    /** Reads what has arrived; asks to be called again when more does. Jetty calls it once at a time. */
    @Override
    public void run() {
        while (!done.get()) {
            Content.Chunk chunk = source.read();
            if (chunk == null) {
                source.demand(this);
                return;
            }
            if (Content.Chunk.isFailure(chunk)) {
                Throwable cause = chunk.getFailure();
                finish(o -> o.failed(cause));
                return;
            }
            boolean last = chunk.isLast();
            ByteBuffer b = chunk.getByteBuffer();
            total += b.remaining();
            if (total <= limit) {
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                kept.writeBytes(bytes);
            }
            chunk.release();
            if (last || total > drainLimit) {
                finish(total > limit ? Outcome::tooLarge : o -> o.body(kept.toByteArray()));
                return;
            }
        }
    }

    private void finish(Consumer<Outcome> how) {
        if (done.compareAndSet(false, true)) {
            Scheduler.Task t = deadline;
            if (t != null) {
                t.cancel();
            }
            how.accept(outcome);
        }
    }
}

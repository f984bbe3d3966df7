package io.wattguard.daemon;

import io.wattguard.core.Emitter;
import io.wattguard.core.Sample;
import io.wattguard.core.Source;
import io.wattguard.core.SourceSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * Runs sources over simulated time as fast as they go: each source is polled at every step between two
 * instants and its samples pass through the same batcher, spool and sink as in the daemon. This is how the
 * demo writes weeks of history in seconds, and how tests compare what was emitted with what was stored.
 */
public final class Replay {
    private Replay() {}

    /**
     * Polls every source at each {@code step} from {@code fromMs} (inclusive) to {@code toMs} (exclusive).
     * {@code progress} is called with each tick's time.
     */
    public static long run(List<SourceSpec> specs, SourceSpec.Context ctx, long fromMs, long toMs, Duration step,
            Consumer<List<Sample>> out, LongConsumer progress) throws Exception {
        List<Source> sources = new ArrayList<>();
        try {
            for (SourceSpec spec : specs) {
                Source s = spec.create(ctx);
                sources.add(s);
                s.start();
            }
            long n = 0;
            long stepMs = step.toMillis();
            for (long t = Scheduler.nextTick(fromMs - 1, stepMs); t < toMs; t += stepMs) {
                List<Sample> batch = new ArrayList<>();
                final long tick = t;
                Emitter e = new Emitter() {
                    public long tickMs() { return tick; }
                    public void emit(Sample s) { batch.add(s); }
                    public void error(String device, String message) {
                        throw new IllegalStateException(device + ": " + message);
                    }
                };
                for (Source s : sources) {
                    s.poll(e);
                }
                n += batch.size();
                out.accept(batch);
                progress.accept(t);
            }
            return n;
        } finally {
            sources.forEach(Source::close);
        }
    }

    public static SourceSpec.Context context(Settings s, Clock clock) {
        return new SourceSpec.Context(clock, s.topology(), s.instance());
    }
}

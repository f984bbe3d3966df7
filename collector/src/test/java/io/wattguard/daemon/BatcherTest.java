package io.wattguard.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.core.Sample;
import io.wattguard.core.Sink;
import io.wattguard.core.Topology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The batcher between producers and the spool: bounded memory, nothing lost unseen, no hang when it dies. */
class BatcherTest {
    private static List<Sample> samples(int n, long t0) {
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(Sample.builder("m")
                    .tag("i", Integer.toString(i))
                    .field("v", i)
                    .time(t0 + i)
                    .build());
        }
        return out;
    }

    /** A sink that takes nothing until opened, then counts. */
    private static final class Gate implements Sink {
        final CountDownLatch open = new CountDownLatch(1);
        final AtomicLong taken = new AtomicLong();

        @Override
        public void accept(List<Sample> batch) {
            try {
                open.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            taken.addAndGet(batch.size());
        }

        @Override
        public void close() {}
    }

    @Test
    void aStalledSinkMakesProducersWaitWithNoMoreThanTheBoundInMemory() throws Exception {
        Gate sink = new Gate();
        try (Batcher b =
                new Batcher(Topology.empty(), sink, new Settings.Batch(100, Duration.ofMillis(10), 1000), f -> {})) {
            // One batch goes to the stalled sink, 1,000 wait: the 1,101st point cannot be held.
            CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> b.add(samples(5000, 0)));
            Thread.sleep(500);
            assertTrue(!producer.isDone(), "add() waits for room instead of growing the heap");
            assertEquals(0, b.offer(List.of(), Duration.ZERO));
            // A scheduled poll that cannot wait long: what does not fit is dropped and counted, not queued.
            assertEquals(10, b.offer(samples(10, 10_000), Duration.ofMillis(50)));
            assertEquals(10, b.droppedPoints());
            sink.open.countDown();
            producer.get(10, TimeUnit.SECONDS);
        }
        assertEquals(5000, sink.taken.get(), "everything that was held reached the sink");
    }

    @Test
    void aDeadBatcherFailsItsProducersInsteadOfHangingThem() throws Exception {
        Sink dying = new Sink() {
            @Override
            public void accept(List<Sample> batch) {
                throw new OutOfMemoryError("Java heap space");
            }

            @Override
            public void close() {}
        };
        CompletableFuture<Batcher.Failed> told = new CompletableFuture<>();
        try (Batcher b = new Batcher(
                Topology.empty(), dying, new Settings.Batch(10, Duration.ofMillis(10), 100), told::complete)) {
            CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < 1000; i++) {
                    b.add(samples(10, i * 10L));
                }
            });
            Batcher.Failed f = told.get(10, TimeUnit.SECONDS);
            assertEquals("the batcher stopped: out of memory (Java heap space)", f.getMessage());
            var e = assertThrows(
                    java.util.concurrent.ExecutionException.class, () -> producer.get(10, TimeUnit.SECONDS));
            assertSame(f, e.getCause());
            assertThrows(Batcher.Failed.class, () -> b.offer(samples(1, 0), Duration.ZERO));
            assertSame(f, b.failure());
        }
    }
}

package io.wattguard.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.core.Emitter;
import io.wattguard.core.Sample;
import io.wattguard.core.Source;
import io.wattguard.testing.InfluxdTest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SchedulerTest {
    /** A source standing for a device: answers at once, hangs, or throws, as told. */
    static final class Device implements Source {
        final String name;
        final long intervalMs;
        final String behaviour;
        final AtomicInteger closes = new AtomicInteger();
        final CountDownLatch never = new CountDownLatch(1);

        Device(String name, long intervalMs, String behaviour) {
            this.name = name;
            this.intervalMs = intervalMs;
            this.behaviour = behaviour;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public String type() {
            return "test";
        }

        @Override
        public Duration interval() {
            return Duration.ofMillis(intervalMs);
        }

        @Override
        public void poll(Emitter out) throws Exception {
            switch (behaviour) {
                case "hang" -> never.await();
                case "stubborn" -> { // a native call or socket read that ignores interrupts
                    while (never.getCount() > 0) {
                        java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
                    }
                }
                case "throw" -> throw new java.io.IOException("connection refused");
                case "partial" -> {
                    out.emit(out.point("meter")
                            .tag("device", name)
                            .field("power_w", 1.0)
                            .build());
                    out.error("outlet-3", "exception 2 (illegal data address)");
                }
                default ->
                    out.emit(out.point("meter")
                            .tag("device", name)
                            .field("power_w", 1.0)
                            .build());
            }
        }

        @Override
        public void close() {
            closes.incrementAndGet();
        }
    }

    @Test
    void ticksAreAlignedAndAHungDeviceNeverDelaysTheOthers() {
        Device good = new Device("good", 100, "ok");
        Device hung = new Device("hung", 100, "hang");
        Device broken = new Device("broken", 100, "throw");
        List<Sample> out = Collections.synchronizedList(new ArrayList<>());
        Scheduler s = new Scheduler(List.of(good, hung, broken), out::addAll, Clock.systemUTC(), 8);
        s.start();
        InfluxdTest.await(
                Duration.ofSeconds(20),
                "20 polls of the good device",
                () -> s.statuses().get(0).polls.get() >= 20);
        s.close();
        List<Long> times = new ArrayList<>();
        synchronized (out) {
            out.forEach(x -> times.add(x.timestampMs()));
        }
        for (long t : times) {
            assertEquals(0, t % 100, "aligned to the interval: " + t);
        }
        // Every tick between the first and the last was polled: no tick was lost to the hung device.
        assertEquals((times.get(times.size() - 1) - times.get(0)) / 100 + 1, times.size(), "no gaps: " + times);
        SourceStatus h = s.statuses().get(1);
        assertTrue(h.errors.get() >= 1 && h.lastError.contains("longer than its timeout of 100 ms"), h.lastError);
        assertEquals("failing", h.state());
        SourceStatus b = s.statuses().get(2);
        assertTrue(b.errors.get() >= 10, "each failed poll counted: " + b.errors.get());
        assertEquals("connection refused", b.lastError);
        assertEquals("ok", s.statuses().get(0).state());
        assertEquals(1, good.closes.get());
        assertEquals(1, hung.closes.get());
    }

    @Test
    void aDeviceErrorKeepsWhatWasReadAndIsCounted() {
        Device partial = new Device("pdu-7", 100, "partial");
        List<Sample> out = Collections.synchronizedList(new ArrayList<>());
        try (Scheduler s = new Scheduler(List.of(partial), out::addAll, Clock.systemUTC(), 2)) {
            s.start();
            InfluxdTest.await(
                    Duration.ofSeconds(10),
                    "three polls",
                    () -> s.statuses().get(0).polls.get() >= 3);
            SourceStatus st = s.statuses().get(0);
            assertEquals("outlet-3: exception 2 (illegal data address)", st.lastError);
            assertTrue(st.errors.get() >= 3);
        }
        assertTrue(out.size() >= 3, "the readings that worked were kept");
    }

    @Test
    void nextTickIsTheNextMultipleOfTheInterval() {
        assertEquals(10_000, Scheduler.nextTick(0, 10_000));
        assertEquals(20_000, Scheduler.nextTick(10_000, 10_000));
        assertEquals(20_000, Scheduler.nextTick(19_999, 10_000));
    }

    @Test
    void aPollThatIgnoresItsInterruptHoldsOneThreadNotAll() {
        Device good = new Device("good", 100, "ok");
        Device stubborn = new Device("stubborn", 100, "stubborn");
        List<Sample> out = Collections.synchronizedList(new ArrayList<>());
        Scheduler s = new Scheduler(List.of(good, stubborn), out::addAll, Clock.systemUTC(), 2);
        try {
            s.start();
            InfluxdTest.await(
                    Duration.ofSeconds(20),
                    "20 polls of the good device",
                    () -> s.statuses().get(0).polls.get() >= 20);
            assertEquals("ok", s.statuses().get(0).state());
            assertEquals(0, s.statuses().get(0).errors.get());
            SourceStatus st = s.statuses().get(1);
            assertEquals("failing", st.state());
            assertTrue(st.overruns.get() >= 5, "ticks skipped while its thread is stuck: " + st.overruns.get());
        } finally {
            stubborn.never.countDown();
            s.close();
        }
    }
}

package io.wattguard.alert;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waits for something a delivery thread does, failing with what was seen when it does not happen in time. */
final class Eventually {
    private Eventually() {}

    static void await(Duration max, BooleanSupplier done, Supplier<String> seen) throws InterruptedException {
        long end = System.nanoTime() + max.toNanos();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + max + "; saw: " + seen.get());
            }
            Thread.sleep(20);
        }
    }
}

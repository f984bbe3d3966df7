package io.wattguard.core;

import java.time.Duration;

/**
 * A configured reader of one kind of device. The scheduler calls {@link #poll} at each aligned tick on a
 * worker thread, never twice at once; subscription-based sources buffer notifications and drain them in
 * {@code poll}, so every source is paced and accounted the same way.
 */
public interface Source extends AutoCloseable {
    String name();

    String type();

    Duration interval();

    /** The time one poll may take before it is abandoned and counted as an error. */
    default Duration timeout() {
        return interval();
    }

    /** Open connections or libraries; failures here are reported and retried at the next poll. */
    default void start() throws Exception {}

    void poll(Emitter out) throws Exception;

    /** Idempotent; safe without {@link #start()}. */
    @Override
    default void close() {}
}

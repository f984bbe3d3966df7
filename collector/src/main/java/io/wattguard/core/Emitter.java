package io.wattguard.core;

/**
 * Where a source puts what it read during one poll. Implementations are not shared between polls, so a
 * source may call it from its poll thread without locking.
 */
public interface Emitter {
    /** The scheduled tick of this poll (epoch ms): the timestamp for samples that have no better one. */
    long tickMs();

    void emit(Sample sample);

    /** Start a point stamped with this poll's tick. */
    default Sample.Builder point(String measurement) {
        return Sample.builder(measurement).time(tickMs());
    }

    /** A problem with one device or item that does not fail the whole poll (counted in {@code errors}). */
    void error(String device, String message);
}

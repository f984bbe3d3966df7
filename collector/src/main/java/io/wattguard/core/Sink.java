package io.wattguard.core;

import java.util.List;

/** Takes batches of samples. Must not block the caller for I/O longer than a local disk write. */
public interface Sink extends AutoCloseable {
    void accept(List<Sample> batch);

    /** Idempotent. */
    @Override
    void close();
}

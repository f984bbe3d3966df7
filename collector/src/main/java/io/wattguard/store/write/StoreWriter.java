package io.wattguard.store.write;

import io.wattguard.core.Sample;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes what {@code analyze} concludes straight to InfluxDB in batches, without the daemon's spool: a
 * batch run can simply be run again (its points have the same timestamps and tags, so InfluxDB overwrites
 * them), so an outage fails the command loudly instead of queueing on disk.
 */
public final class StoreWriter implements AutoCloseable {
    private static final int BATCH = 5000;
    private static final int ATTEMPTS = 5;
    private final InfluxWriter writer;
    private final List<Sample> buffer = new ArrayList<>(BATCH);
    private long written;

    public StoreWriter(InfluxWriter writer) {
        this.writer = writer;
    }

    public void accept(Sample s) {
        buffer.add(s);
        if (buffer.size() >= BATCH) {
            flushUnchecked();
        }
    }

    public long written() {
        return written;
    }

    private void flushUnchecked() {
        try {
            flush();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public void flush() throws IOException {
        if (!buffer.isEmpty()) {
            write(List.copyOf(buffer));
            buffer.clear();
        }
    }

    private void write(List<Sample> batch) throws IOException {
        for (int attempt = 1; ; attempt++) {
            InfluxWriter.Outcome o = writer.write(LineProtocol.format(batch));
            if (o instanceof InfluxWriter.Outcome.Written) {
                written += batch.size();
                return;
            }
            boolean timedOut = o instanceof InfluxWriter.Outcome.TimedOut;
            if ((o instanceof InfluxWriter.Outcome.TooLarge || timedOut) && batch.size() > 1) {
                // Too large for the server, or too slow for the link within influxdb.timeout: halves.
                write(batch.subList(0, batch.size() / 2));
                write(batch.subList(batch.size() / 2, batch.size()));
                return;
            }
            if (!(o instanceof InfluxWriter.Outcome.Retry || timedOut) || attempt >= ATTEMPTS) {
                throw new IOException("InfluxDB did not take the analysis results: " + o);
            }
            Duration after = o instanceof InfluxWriter.Outcome.Retry r && r.retryAfter() != null
                    ? r.retryAfter()
                    : Duration.ZERO;
            try {
                Thread.sleep(Math.max(after.toMillis(), 200L << attempt));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while retrying a write", e);
            }
        }
    }

    @Override
    public void close() throws IOException {
        flush();
    }
}

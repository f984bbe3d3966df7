package io.wattguard.core;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Whether one component (a source, InfluxDB, the spool, the analysis) works, as /health shows it, and its last
 * error with the time it happened.
 *
 * <p>The state is damped: a component is failing from its first failure, and ok again only once it has
 * succeeded and then not failed for {@code settle}. A component that fails and succeeds in turn (a spool whose
 * open segment still takes writes while its folder cannot be read) thus stays failing instead of flapping at
 * every retry, which would page, clear and page again. Failing is never delayed: a failure is a fact at once.
 *
 * <p>The last error stays current while the component is failing; once it is ok again the error is shown as
 * past ({@code previous_error}), so a reader of /health never takes an old error for a present one.
 */
public final class Health {
    private static final long NEVER = Long.MIN_VALUE;

    private final Clock clock;
    private final long settleMs;
    private long failedAtMs = NEVER;
    private long succeedingSinceMs = NEVER;
    private boolean succeeded;
    private String lastError = "";
    private long lastErrorAtMs;

    public Health(Clock clock, Duration settle) {
        this.clock = clock;
        this.settleMs = settle.toMillis();
    }

    public synchronized void failed(String error) {
        long now = clock.millis();
        failedAtMs = now;
        succeedingSinceMs = NEVER;
        lastError = error;
        lastErrorAtMs = now;
    }

    /**
     * An error that does not make the component failing (InfluxDB refused some points, which went to
     * dead-letter): kept as the last error, with its time, and shown as past while the component is ok.
     */
    public synchronized void noted(String error) {
        lastError = error;
        lastErrorAtMs = clock.millis();
    }

    public synchronized void succeeded() {
        succeeded = true;
        if (failedAtMs != NEVER && succeedingSinceMs == NEVER) {
            succeedingSinceMs = clock.millis();
        }
    }

    /**
     * How long a component that failed must succeed, without failing, to be ok again, for the spool, InfluxDB
     * and the analysis: longer than their retry backoff's first steps, so alternating retries never clear it.
     */
    public static final Duration SETTLE = Duration.ofSeconds(30);

    /** True before any failure, and after {@code settle} of success that followed the last one. */
    public synchronized boolean ok() {
        return failedAtMs == NEVER || (succeedingSinceMs != NEVER && clock.millis() - succeedingSinceMs >= settleMs);
    }

    /** Whether it has ever succeeded or failed: a source not yet polled is "starting", not ok. */
    public synchronized boolean started() {
        return succeeded || failedAtMs != NEVER;
    }

    /** The last error's text, empty if none; current or past, see {@link #ok}. */
    public synchronized String lastError() {
        return lastError;
    }

    /**
     * Adds the last error to {@code n}: {@code last_error} and {@code last_error_at} while it is current (not
     * {@link #ok}), {@code previous_error} and {@code previous_error_at} once the component is ok again; nothing
     * if it never failed.
     */
    public void writeError(ObjectNode n) {
        writeError(n, "");
    }

    /** As {@link #writeError(ObjectNode)}, the keys prefixed (the sink shows {@code influxdb_} and {@code spool_}). */
    public synchronized void writeError(ObjectNode n, String prefix) {
        if (lastError.isEmpty()) {
            return;
        }
        String key = prefix + (ok() ? "previous_error" : "last_error");
        n.put(key, lastError)
                .put(key + "_at", Instant.ofEpochMilli(lastErrorAtMs).toString());
    }
}

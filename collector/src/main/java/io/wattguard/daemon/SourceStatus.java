package io.wattguard.daemon;

import io.wattguard.core.Health;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** What the scheduler knows of one source, for /health, /metrics and the {@code collector} measurement. */
public final class SourceStatus {
    public final String name;
    public final String type;
    public final AtomicLong polls = new AtomicLong();
    public final AtomicLong errors = new AtomicLong();
    public final AtomicLong overruns = new AtomicLong();
    public final AtomicLong samples = new AtomicLong();
    public volatile long lastPollMs;
    public volatile long lastOkMs;
    public volatile long lastLatencyMs;
    public volatile long lastLatenessMs;
    public volatile String lastError = "";
    public volatile int consecutiveErrors;

    /**
     * Ok again after three polls' worth of success: measured in the source's own interval, so a source polled
     * hourly is not held failing for hours by a fixed count, nor a fast one cleared by one lucky poll.
     */
    public final Health health;

    SourceStatus(String name, String type, Duration interval, Clock clock) {
        this.name = name;
        this.type = type;
        this.health = new Health(clock, interval.multipliedBy(3));
    }

    public String state() {
        if (!health.started()) {
            return "starting";
        }
        return health.ok() ? "ok" : "failing";
    }
}

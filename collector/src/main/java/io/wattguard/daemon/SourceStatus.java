package io.wattguard.daemon;

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

    SourceStatus(String name, String type) {
        this.name = name;
        this.type = type;
    }

    public String state() {
        if (consecutiveErrors > 0) {
            return "failing";
        }
        return polls.get() == 0 ? "starting" : "ok";
    }
}

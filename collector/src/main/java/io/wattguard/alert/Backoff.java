package io.wattguard.alert;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with "equal jitter": the n-th wait is uniformly between half and all of base * 2^(n-1),
 * capped, so many collectors retrying one receiver after an outage do not arrive in lock step.
 */
final class Backoff {
    static final Duration CAP = Duration.ofMinutes(5);

    private final long baseMs;
    private final long capMs;

    Backoff(Duration base, Duration cap) {
        this.baseMs = Math.max(1, base.toMillis());
        this.capMs = Math.max(baseMs, cap.toMillis());
    }

    Duration delay(int attempt) {
        long full = baseMs << Math.min(Math.max(attempt - 1, 0), 30);
        full = Math.min(full < 0 ? capMs : full, capMs);
        long half = full / 2;
        return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(full - half + 1));
    }
}

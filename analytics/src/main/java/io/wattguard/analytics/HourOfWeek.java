package io.wattguard.analytics;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;

/** Local hour of the week, Monday 00:00 = 0: office hours stay office hours across DST. */
final class HourOfWeek {
    static final int HOURS = 168;

    private HourOfWeek() {}

    static int of(long epochMs, ZoneId zone) {
        ZonedDateTime t = Instant.ofEpochMilli(epochMs).atZone(zone);
        return (t.getDayOfWeek().getValue() - 1) * 24 + t.getHour();
    }
}

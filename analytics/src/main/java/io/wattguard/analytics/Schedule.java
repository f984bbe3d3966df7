package io.wattguard.analytics;

import java.time.ZoneId;

/** Placeholder until the business-load branch lands its full schedule; same API. */
public final class Schedule {
    private final ZoneId zone;

    private Schedule(ZoneId zone) {
        this.zone = zone;
    }

    public static Schedule always() {
        return new Schedule(ZoneId.of("UTC"));
    }

    public boolean isAlways() { return true; }
    public ZoneId zone() { return zone; }
    public boolean businessHours(long epochMs) { return true; }
    public boolean holiday(long epochMs) { return false; }
    public boolean maintenance(long epochMs, String host, String rack, String room) { return false; }
}

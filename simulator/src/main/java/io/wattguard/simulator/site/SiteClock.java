package io.wattguard.simulator.site;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.zone.ZoneRules;

/**
 * Local time of the site at a step and the business level it implies. Business load follows local working
 * hours (so it moves with DST), weekends and holidays are light; the shape is fixed, hosts scale it.
 */
final class SiteClock {
    private final SiteSpec spec;
    private final ZoneRules rules;
    private final long startMs;
    private final long stepMs;

    // Set by at(step): the step's local day (epoch day), hour of day (fractional) and business level.
    long localDay;
    double hour;
    double level;
    boolean workday;

    SiteClock(SiteSpec spec) {
        this.spec = spec;
        this.rules = spec.zone().getRules();
        this.startMs = spec.startMs();
        this.stepMs = spec.stepMs();
    }

    SiteClock at(long step) {
        long t = startMs + step * stepMs;
        long localMs = t + rules.getOffset(Instant.ofEpochMilli(t)).getTotalSeconds() * 1000L;
        localDay = Math.floorDiv(localMs, 86_400_000L);
        hour = Math.floorMod(localMs, 86_400_000L) / 3_600_000.0;
        LocalDate d = LocalDate.ofEpochDay(localDay);
        DayOfWeek dow = d.getDayOfWeek();
        workday = dow != DayOfWeek.SATURDAY
                && dow != DayOfWeek.SUNDAY
                && !spec.holidays().contains(d);
        level = profile(hour, workday);
        return this;
    }

    /** First step at or after a local date and time (DST gaps resolve forward, as ZonedDateTime does). */
    long stepAt(LocalDateTime local) {
        long t = local.atZone(spec.zone()).toInstant().toEpochMilli();
        return Math.floorDiv(t - startMs + stepMs - 1, stepMs);
    }

    static double profile(double h, boolean workday) {
        if (!workday) return 0.12 + (h >= 10 && h <= 18 ? 0.06 * StrictMath.sin(Math.PI * (h - 10) / 8) : 0);
        if (h < 6) return 0.10;
        if (h < 9) return 0.10 + 0.55 * (h - 6) / 3;
        if (h < 12) return 0.65;
        if (h < 13) return 0.55;
        if (h < 17) return 0.65;
        if (h < 21) return 0.65 - 0.47 * (h - 17) / 4;
        return 0.18 - 0.08 * (h - 21) / 3;
    }
}

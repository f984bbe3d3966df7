package io.wattguard.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Business hours, holidays and maintenance on the site's wall clock, through both DST changes of Europe/Berlin. */
class ScheduleTest {
    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    static final Set<DayOfWeek> WEEKDAYS = EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY);

    /** Epoch ms of an instant written with its UTC offset, so each test says exactly which moment it means. */
    static long at(String isoWithOffset) {
        return java.time.OffsetDateTime.parse(isoWithOffset).toInstant().toEpochMilli();
    }

    static Schedule office() {
        return Schedule.builder(BERLIN)
                .hours(WEEKDAYS, LocalTime.of(8, 0), LocalTime.of(12, 0))
                .hours(WEEKDAYS, LocalTime.of(13, 0), LocalTime.of(19, 0))
                .holiday(LocalDate.of(2026, 12, 25), "Christmas Day")
                .build();
    }

    @Test
    void weeklyHoursWithSeveralRangesADay() {
        Schedule s = office();
        // Tuesday 2026-06-16, CEST (+02:00).
        assertFalse(s.businessHours(at("2026-06-16T07:59:59+02:00")));
        assertTrue(s.businessHours(at("2026-06-16T08:00:00+02:00")), "the start is inside");
        assertFalse(s.businessHours(at("2026-06-16T12:30:00+02:00")), "lunch between two ranges");
        assertTrue(s.businessHours(at("2026-06-16T18:59:59+02:00")));
        assertFalse(s.businessHours(at("2026-06-16T19:00:00+02:00")), "the end is outside");
        assertFalse(s.businessHours(at("2026-06-20T10:00:00+02:00")), "Saturday");
        assertEquals(BERLIN, s.zone());
    }

    @Test
    void hoursFollowTheWallClockOnTheSpringForwardDay() {
        // Sunday 2026-03-29: 02:00 CET jumps to 03:00 CEST. A Sunday shift 01:00-04:00 lasts two real hours.
        Schedule s = Schedule.builder(BERLIN)
                .hours(Set.of(DayOfWeek.SUNDAY), LocalTime.of(1, 0), LocalTime.of(4, 0))
                .hours(WEEKDAYS, LocalTime.of(8, 0), LocalTime.of(19, 0))
                .build();
        assertFalse(s.businessHours(at("2026-03-28T23:59:59Z")), "00:59:59 CET");
        assertTrue(s.businessHours(at("2026-03-29T00:00:00Z")), "01:00 CET");
        assertTrue(s.businessHours(at("2026-03-29T01:00:00Z")), "03:00 CEST: 02:00-03:00 never happened");
        assertTrue(s.businessHours(at("2026-03-29T01:59:59Z")), "03:59:59 CEST");
        assertFalse(s.businessHours(at("2026-03-29T02:00:00Z")), "04:00 CEST");
        // Monday after: 08:00 is 06:00 UTC now, no longer 07:00.
        assertFalse(s.businessHours(at("2026-03-30T05:59:59Z")));
        assertTrue(s.businessHours(at("2026-03-30T06:00:00Z")));
        assertFalse(s.businessHours(at("2026-03-27T06:30:00Z")), "the Friday before: 07:30 CET");
    }

    @Test
    void hoursFollowTheWallClockOnTheFallBackDay() {
        // Sunday 2026-10-25: 03:00 CEST falls back to 02:00 CET; 02:00-03:00 happens twice.
        Schedule s = Schedule.builder(BERLIN)
                .hours(Set.of(DayOfWeek.SUNDAY), LocalTime.of(2, 0), LocalTime.of(3, 0))
                .build();
        assertFalse(s.businessHours(at("2026-10-24T23:59:59Z")), "01:59:59 CEST");
        assertTrue(s.businessHours(at("2026-10-25T00:00:00Z")), "02:00 CEST, the first time");
        assertTrue(s.businessHours(at("2026-10-25T00:59:59Z")));
        assertTrue(s.businessHours(at("2026-10-25T01:00:00Z")), "02:00 CET, the second time");
        assertTrue(s.businessHours(at("2026-10-25T01:59:59Z")), "two real hours in all");
        assertFalse(s.businessHours(at("2026-10-25T02:00:00Z")), "03:00 CET");
    }

    @Test
    void aRangeCrossingMidnightBelongsToTheDayItStartsOn() {
        // A Friday night shift 22:00-06:00: Saturday 05:00 is business, Saturday 22:00 is not.
        Schedule s = Schedule.builder(BERLIN)
                .hours(WEEKDAYS, LocalTime.of(22, 0), LocalTime.of(6, 0))
                .build();
        assertTrue(s.businessHours(at("2026-06-19T23:00:00+02:00")), "Friday 23:00");
        assertTrue(s.businessHours(at("2026-06-20T05:59:59+02:00")), "Saturday 05:59 ends Friday's shift");
        assertFalse(s.businessHours(at("2026-06-20T06:00:00+02:00")));
        assertFalse(s.businessHours(at("2026-06-20T22:00:00+02:00")), "no shift starts on Saturday");
        assertFalse(s.businessHours(at("2026-06-22T05:00:00+02:00")), "nor on Sunday, so Monday 05:00 is off");
        // Across the spring-forward night: Saturday 22:00 CET to Sunday 06:00 CEST is seven real hours.
        Schedule sat = Schedule.builder(BERLIN)
                .hours(Set.of(DayOfWeek.SATURDAY), LocalTime.of(22, 0), LocalTime.of(6, 0))
                .build();
        long start = at("2026-03-28T21:00:00Z");
        long end = at("2026-03-29T04:00:00Z");
        assertEquals(Duration.ofHours(7).toMillis(), end - start);
        assertTrue(sat.businessHours(start)
                && sat.businessHours(end - 1)
                && !sat.businessHours(end)
                && !sat.businessHours(start - 1));
        Schedule allDay = Schedule.builder(BERLIN)
                .hours(Set.of(DayOfWeek.MONDAY), LocalTime.MIDNIGHT, LocalTime.MIDNIGHT)
                .build();
        assertTrue(allDay.businessHours(at("2026-06-15T00:00:00+02:00"))
                && allDay.businessHours(at("2026-06-15T23:59:59+02:00")));
        assertFalse(allDay.businessHours(at("2026-06-16T00:00:00+02:00")), "00:00-00:00 is the whole day, no more");
    }

    @Test
    void aHolidayIsNoBusinessDayByTheSitesCalendar() {
        Schedule s = office();
        long xmasMorning = at("2026-12-25T10:00:00+01:00"); // a Friday
        assertTrue(s.holiday(xmasMorning));
        assertFalse(s.businessHours(xmasMorning));
        assertEquals(Optional.of("Christmas Day"), s.holidayName(xmasMorning));
        // 2026-12-24 23:30 UTC is already the 25th in Berlin, 2026-12-25 23:30 UTC already the 26th.
        assertTrue(s.holiday(at("2026-12-24T23:30:00Z")));
        assertFalse(s.holiday(at("2026-12-25T23:30:00Z")));
        assertTrue(s.businessHours(at("2026-12-24T10:00:00+01:00")));
        Schedule night = Schedule.builder(BERLIN)
                .hours(WEEKDAYS, LocalTime.of(22, 0), LocalTime.of(6, 0))
                .holiday(LocalDate.of(2026, 12, 25), null)
                .build();
        assertTrue(night.businessHours(at("2026-12-25T05:00:00+01:00")), "Thursday's shift ends on the holiday");
        assertFalse(night.businessHours(at("2026-12-25T23:00:00+01:00")), "no shift starts on the holiday");
        assertFalse(night.businessHours(at("2026-12-26T05:00:00+01:00")));
    }

    @Test
    void maintenanceWindowsWeeklyAndAbsoluteForTheirEntitiesOnly() {
        Schedule s = Schedule.builder(BERLIN)
                .maintenance(Schedule.Window.weekly(
                        "patch night",
                        Set.of(DayOfWeek.SATURDAY),
                        LocalTime.of(23, 0),
                        LocalTime.of(2, 0),
                        List.of("gpu-a01-*", "r0[12]")))
                .maintenance(Schedule.Window.absolute(
                        "burn-in",
                        LocalDateTime.of(2026, 3, 29, 1, 0).atZone(BERLIN).toInstant(),
                        LocalDateTime.of(2026, 3, 29, 5, 0).atZone(BERLIN).toInstant(),
                        List.of()))
                .holiday(LocalDate.of(2026, 6, 21), "a Sunday off")
                .build();
        long sundayOneAm = at("2026-06-21T01:00:00+02:00");
        assertTrue(s.maintenance(sundayOneAm, "gpu-a01-03", "a01", "hall-a"), "by host");
        assertTrue(s.maintenance(sundayOneAm, "gpu-b07-01", "r02", "hall-b"), "by rack");
        assertFalse(s.maintenance(sundayOneAm, "gpu-b07-01", "r03", "hall-b"), "another rack");
        assertTrue(s.maintenance(sundayOneAm, null, "r01", null), "a rack alone");
        assertFalse(s.maintenance(at("2026-06-21T02:00:00+02:00"), "gpu-a01-03", "a01", "hall-a"), "ended at 02:00");
        assertFalse(s.maintenance(at("2026-06-20T22:59:00+02:00"), "gpu-a01-03", "a01", "hall-a"));
        assertTrue(s.holiday(sundayOneAm), "a holiday does not cancel maintenance");
        assertEquals(
                "patch night",
                s.maintenanceWindow(sundayOneAm, "gpu-a01-03", null, null)
                        .orElseThrow()
                        .name());
        // The absolute window spans the spring-forward night: 01:00 CET to 05:00 CEST is three real hours.
        assertTrue(s.maintenance(at("2026-03-29T00:00:00Z"), "anything", null, null), "no patterns: the whole site");
        assertTrue(s.maintenance(at("2026-03-29T02:59:59Z"), "anything", null, null));
        assertFalse(s.maintenance(at("2026-03-29T03:00:00Z"), "anything", null, null));
    }

    @Test
    void alwaysMeansNoScheduleWasConfigured() {
        Schedule s = Schedule.always();
        for (long t : new long[] {0, at("2026-12-25T03:00:00+01:00"), at("2026-03-29T01:30:00Z")}) {
            assertTrue(s.businessHours(t));
            assertFalse(s.holiday(t));
            assertFalse(s.maintenance(t, "h", "r", "room"));
        }
        assertEquals(ZoneOffset.UTC, s.zone());
        assertTrue(s.isAlways());
        Schedule holidaysOnly = Schedule.builder(BERLIN)
                .holiday(LocalDate.of(2026, 1, 1), "New Year")
                .build();
        assertTrue(holidaysOnly.businessHours(at("2026-01-02T03:00:00+01:00")), "no hours configured: all day");
        assertFalse(holidaysOnly.businessHours(at("2026-01-01T12:00:00+01:00")));
        assertFalse(holidaysOnly.isAlways(), "a configured schedule, even without hours");
    }

    @Test
    void badValuesAreRefusedWhenBuilt() {
        assertThrows(
                IllegalArgumentException.class,
                () -> Schedule.Window.absolute("x", Instant.EPOCH, Instant.EPOCH, List.of()));
        assertThrows(
                IllegalArgumentException.class,
                () -> Schedule.Window.weekly("x", Set.of(), LocalTime.NOON, LocalTime.MIDNIGHT, List.of()));
        assertThrows(
                IllegalArgumentException.class,
                () -> Schedule.Window.weekly(
                        "x", Set.of(DayOfWeek.MONDAY), LocalTime.NOON, LocalTime.MIDNIGHT, List.of("r[01")));
        assertThrows(IllegalArgumentException.class, () -> Schedule.builder(null));
    }
}

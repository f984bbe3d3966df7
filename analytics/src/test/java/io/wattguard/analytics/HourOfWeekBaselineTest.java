package io.wattguard.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HourOfWeekBaselineTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    private static long at(int y, int m, int d, int h) {
        return ZonedDateTime.of(y, m, d, h, 30, 0, 0, BERLIN).toInstant().toEpochMilli();
    }

    @Test
    void officeHoursStayOfficeHoursAcrossDaylightSavingTime() {
        // Four weeks spanning the October DST change: residual +200 W in office hours (Mon-Fri 8-18 local),
        // 0 otherwise, with noise; one night a miner adds 800 W and is left out, as the detector would.
        SplittableRandom rnd = new SplittableRandom(3);
        long start = at(2026, 10, 12, 0);
        int n = 4 * 7 * 24 * 60;
        long[] t = new long[n];
        double[] r = new double[n];
        int kept = 0;
        for (int i = 0; i < n; i++) {
            long ms = start + i * 60_000L;
            ZonedDateTime local = java.time.Instant.ofEpochMilli(ms).atZone(BERLIN);
            boolean office = local.getDayOfWeek().getValue() <= 5 && local.getHour() >= 8 && local.getHour() < 18;
            boolean minerNight = local.getDayOfMonth() == 21 && local.getHour() < 5;
            if (minerNight) {
                continue;
            }
            t[kept] = ms;
            r[kept++] = (office ? 200 : 0) + 10 * RobustLinearModelTest.gaussian(rnd);
        }
        HourOfWeekBaseline b = HourOfWeekBaseline.build(java.util.Arrays.copyOf(t, kept), java.util.Arrays.copyOf(r, kept),
                BERLIN, 30, 1.0);
        assertEquals(200, b.expected(at(2026, 11, 16, 10)), 5, "Monday 10:30 after the change (CET)");
        assertEquals(200, b.expected(at(2026, 10, 19, 10)), 5, "Monday 10:30 before it (CEST)");
        assertEquals(0, b.expected(at(2026, 11, 16, 3)), 5, "Monday 03:30");
        assertEquals(0, b.expected(at(2026, 11, 15, 10)), 5, "Sunday 10:30");
        assertEquals(10, b.sigma(at(2026, 11, 16, 10)), 2, "robust sigma of the noise");
        assertEquals(40, b.z(at(2026, 11, 18, 2), 400), 10, "a miner at 02:30 stands out by about 40 sigma");
    }

    @Test
    void anHourWithTooFewSamplesFallsBackToAllHours() {
        long[] t = {at(2026, 11, 16, 10), at(2026, 11, 16, 11), at(2026, 11, 16, 12)};
        double[] r = {5, 7, 9};
        HourOfWeekBaseline b = HourOfWeekBaseline.build(t, r, BERLIN, 10, 0.5);
        assertEquals(7, b.expected(at(2026, 11, 17, 4)));
        assertEquals(1, b.samples(HourOfWeekBaseline.hourOfWeek(at(2026, 11, 16, 10), BERLIN)));
    }
}

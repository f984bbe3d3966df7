package io.wattguard.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ChangeDetectorsTest {
    /** Mean samples until the first alarm, over many runs of N(shift, 1). */
    private static double averageRunLength(double shift, int runs, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        long total = 0;
        for (int r = 0; r < runs; r++) {
            Cusum c = new Cusum(0.5, 5);
            int t = 0;
            do {
                t++;
            } while (!c.update(shift + RobustLinearModelTest.gaussian(rnd)));
            total += t;
        }
        return (double) total / runs;
    }

    @Test
    void cusumRunLengthsMatchThePublishedValues() {
        // Published ARLs for k = 0.5, h = 5: 465 in control for the two-sided tabular CUSUM, so about 930 for
        // one side alone (Siegmund's approximation: 938), and 10.4 at a one-sigma shift.
        assertEquals(935, averageRunLength(0, 3000, 1), 935 * 0.08);
        assertEquals(10.4, averageRunLength(1, 5000, 2), 10.4 * 0.06);
    }

    @Test
    void cusumDatesTheChangeBackToWhereTheExcessBegan() {
        Cusum c = new Cusum(0.5, 5);
        for (int i = 0; i < 100; i++) {
            assertFalse(c.update(0));
        }
        int alarmAt = -1;
        for (int i = 0; i < 20 && alarmAt < 0; i++) {
            if (c.update(2.0)) {
                alarmAt = i;
            }
        }
        assertEquals(3, alarmAt, "1.5 per sample above k: 6.0 > 5 after 4 samples");
        assertEquals(4, c.runLength());
        c.reset();
        assertEquals(0, c.value());
    }

    @Test
    void ewmaIgnoresASpikeButNotASustainedShift() {
        Ewma e = new Ewma(0.2, 3);
        assertEquals(1.0, e.limit(), 1e-12);
        assertFalse(e.update(4.0), "one wild sample moves it by lambda only: 0.8");
        e.reset();
        int n = 0;
        while (!e.update(1.5)) {
            n++;
        }
        assertEquals(4, n, "1.5 * (1 - 0.8^n) exceeds 1 at the fifth sample");
        assertTrue(e.value() > e.limit());
    }
}

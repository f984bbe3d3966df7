package io.wattguard.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link BusinessFeeds} alone: cadences, holds, and what a silent or a dropped feed means. */
class BusinessFeedsTest {
    private static final long MIN = 60_000;
    private static final long HOLD = 2 * MIN;

    /** Steps a minute apart from 0 to {@code untilMin}; {@code every}-minute reports of hosts h0..h{n-1}. */
    private static BusinessFeeds feed(String source, int every, int hosts, long untilMin, boolean staggered) {
        BusinessFeeds b = new BusinessFeeds(HOLD);
        for (long m = 0; m < untilMin; m++) {
            for (int h = 0; h < hosts; h++) {
                if ((m + (staggered ? h : 0)) % every == 0) {
                    b.report(source, "host/h" + h, 0.5, m * MIN);
                }
            }
            b.finish(m * MIN);
        }
        return b;
    }

    private static BusinessFeeds.SourceState only(BusinessFeeds b, long nowMs) {
        List<BusinessFeeds.SourceState> l = b.sources(nowMs);
        assertEquals(1, l.size(), "one source: " + l);
        return l.get(0);
    }

    @Test
    void aFeedThatReportsAllItsHostsAtOnceOrSpreadOverItsIntervalHasThatCadence() {
        for (boolean staggered : new boolean[] {false, true}) {
            BusinessFeeds b = feed("scheduler", 5, 7, 120, staggered);
            BusinessFeeds.SourceState s = only(b, 119 * MIN);
            assertEquals(5 * MIN, s.cadenceMs(), "staggered " + staggered + ": " + s);
            assertEquals(15 * MIN, s.holdMs());
            assertTrue(s.fresh());
        }
    }

    @Test
    void aValueIsHeldForThreeIntervalsAndNeverLessThanHold() {
        BusinessFeeds slow = feed("cmdb", 15, 3, 181, false); // last report at minute 180
        assertEquals(0.5, slow.load("host/h0", null, 225 * MIN), "held 45 min");
        assertTrue(Double.isNaN(slow.load("host/h0", null, 226 * MIN)), "then the silent feed gives no verdict");
        BusinessFeeds fast = new BusinessFeeds(5 * MIN); // 3 x 1 min is less than a hold of 5
        for (long m = 0; m < 100; m++) {
            fast.report("allowlist", "host/h0", 0.5, m * MIN);
            fast.finish(m * MIN);
        }
        assertEquals(MIN, only(fast, 99 * MIN).cadenceMs());
        assertEquals(5 * MIN, only(fast, 99 * MIN).holdMs());
        assertEquals(0.5, fast.load("host/h0", null, 104 * MIN));
        assertTrue(Double.isNaN(fast.load("host/h0", null, 105 * MIN)));
        BusinessFeeds first = new BusinessFeeds(HOLD);
        first.report("cmdb", "host/h0", 0.5, 0);
        first.finish(0);
        assertEquals(0, only(first, 0).cadenceMs(), "no interval yet: cadence unknown");
        assertEquals(HOLD, only(first, 0).holdMs(), "held for hold until it has one");
    }

    @Test
    void anOutageDoesNotMoveTheCadence() {
        BusinessFeeds b = new BusinessFeeds(HOLD);
        long[] at = {0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 240, 245, 250};
        for (long m : at) {
            for (int h = 0; h < 40; h++) {
                b.report("scheduler", "host/h" + h, 0.5, m * MIN);
            }
            b.finish(m * MIN);
        }
        assertEquals(5 * MIN, only(b, 250 * MIN).cadenceMs());
    }

    @Test
    void aSilentSourceLeavesTheHostsOnlyItCoveredUnknownAndAnotherFreshSourceCarriesThem() {
        BusinessFeeds b = new BusinessFeeds(HOLD);
        for (long m = 0; m <= 60; m++) {
            b.report("allowlist", "host/h0", 0.2, m * MIN);
            b.report("allowlist", "host/h1", 0.2, m * MIN);
            if (m % 5 == 0) {
                b.report("scheduler", "host/h1", 0.9, m * MIN);
                b.report("scheduler", "rack/r1", 0.7, m * MIN);
            }
            b.finish(m * MIN);
        }
        long later = 90 * MIN; // both silent: allowlist held 3 min, scheduler 15
        assertTrue(Double.isNaN(b.load("host/h0", null, later)));
        assertTrue(Double.isNaN(b.load("host/h1", "rack/r1", later)));
        for (long m = 61; m <= 90; m++) { // the allowlist comes back, the scheduler does not
            b.report("allowlist", "host/h0", 0.2, m * MIN);
            b.report("allowlist", "host/h1", 0.2, m * MIN);
            b.finish(m * MIN);
        }
        assertEquals(0.2, b.load("host/h1", "rack/r1", later), "the fresh source carries the host");
        assertEquals(0, b.load("host/h9", null, later), "no source ever claimed it: 0, as before");
        assertTrue(Double.isNaN(b.load("host/h9", "rack/r1", later)), "its rack's only source is silent");
        List<BusinessFeeds.SourceState> s = b.sources(later);
        assertEquals("allowlist", s.get(0).source());
        assertEquals("fresh", s.get(0).state());
        assertEquals("scheduler", s.get(1).source());
        assertEquals("silent", s.get(1).state());
        assertEquals(30 * MIN, s.get(1).ageMs());
    }

    @Test
    void aHostAFeedStoppedNamingWhileReportingOthersIsNoLongerClaimed() {
        BusinessFeeds b = new BusinessFeeds(HOLD);
        for (long m = 0; m <= 120; m += 5) {
            // A query mapping returns rows only for hosts with running jobs.
            b.report("query:slurm", "host/h0", 0.9, m * MIN);
            if (m <= 60) {
                b.report("query:slurm", "host/h1", 0.9, m * MIN);
            }
            b.finish(m * MIN);
        }
        assertEquals(0, b.load("host/h1", null, 120 * MIN), "the feed is alive and no longer names it");
        assertEquals(0.9, b.load("host/h0", null, 120 * MIN));
    }

    @Test
    void aSourceSilentForAWeekIsRetired() {
        BusinessFeeds b = new BusinessFeeds(HOLD);
        for (long m = 0; m <= 60; m += 5) {
            b.report("cmdb", "host/h0", 0.9, m * MIN);
            b.finish(m * MIN);
        }
        long sixDays = 6 * 1440 * MIN;
        b.finish(sixDays);
        assertTrue(Double.isNaN(b.load("host/h0", null, sixDays)));
        assertFalse(b.sources(sixDays).isEmpty());
        long eightDays = 8 * 1440 * MIN;
        b.finish(eightDays);
        assertEquals(0, b.load("host/h0", null, eightDays), "forgotten: as if no source had named it");
        assertEquals(List.of(), b.sources(eightDays));
    }

    @Test
    void oneSourceNamingSomeEntitiesLessOftenHoldsEachAtItsOwnRhythm() {
        // One push source, fed by two exporters: h0 every minute, h1 every 15 minutes.
        BusinessFeeds b = new BusinessFeeds(HOLD);
        for (long m = 0; m <= 120; m++) {
            b.report("push", "host/h0", 0.5, m * MIN);
            if (m % 15 == 0) {
                b.report("push", "host/h1", 0.7, m * MIN);
            }
            b.finish(m * MIN);
        }
        assertEquals(0.7, b.load("host/h1", null, 164 * MIN), "held 3 x its own 15 min, not 3 x the source's 1 min");
        assertEquals(120 * MIN, b.asOf("host/h1", null, 130 * MIN), "explained as of its last report");
        assertEquals(Long.MAX_VALUE, b.asOf("host/h9", null, 130 * MIN), "nothing to wait for where none claims it");
    }

    @Test
    void aSourceThatNamesIdleEntitiesAtZeroAndStopsNamingOneGivesNoVerdictForIt() {
        BusinessFeeds loud = new BusinessFeeds(HOLD);
        BusinessFeeds agent = new BusinessFeeds(HOLD);
        BusinessFeeds quiet = new BusinessFeeds(HOLD);
        for (long m = 0; m <= 60; m++) {
            loud.report("scheduler", "host/h0", 0, m * MIN); // idle, said out loud
            quiet.report("query:jobs", "host/h0", 0.2, m * MIN);
            if (m < 30) {
                loud.report("scheduler", "host/h1", 0.8, m * MIN);
                quiet.report("query:jobs", "host/h1", 0.8, m * MIN);
            }
            agent.report("allowlist", "host/h0", 0.1, m * MIN); // never 0, but an agent writes every poll
            if (m < 30) {
                agent.report("allowlist", "host/h1", 0.8, m * MIN);
            }
            agent.finish(m * MIN);
            loud.finish(m * MIN);
            quiet.finish(m * MIN);
        }
        assertTrue(Double.isNaN(loud.load("host/h1", null, 60 * MIN)), "its report of h1 broke: no verdict");
        assertTrue(Double.isNaN(agent.load("host/h1", null, 60 * MIN)), "an agent's report of h1 broke: no verdict");
        assertEquals(0, quiet.load("host/h1", null, 60 * MIN), "a query feed of busy entities left h1 out: idle");
    }
}

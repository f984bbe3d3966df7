package io.wattguard.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ExcessPowerDetectorTest {
    private static final long MIN = 60_000L;

    /**
     * One host at 1-minute resolution: expected 2,000 W, noise sigma 40 W, plus {@code extra(minute)} watts.
     * Returns each episode in its last state (closed, or still open at the end).
     */
    private static List<Episode> run(int minutes, long seed, java.util.function.IntToDoubleFunction extra) {
        SplittableRandom rnd = new SplittableRandom(seed);
        ExcessPowerDetector d = new ExcessPowerDetector("gpu-07", "host", "unexplained_power",
                ExcessPowerDetector.Settings.defaults(150));
        java.util.LinkedHashMap<String, Episode> last = new java.util.LinkedHashMap<>();
        for (int m = 0; m < minutes; m++) {
            double actual = 2000 + 40 * RobustLinearModelTest.gaussian(rnd) + extra.applyAsDouble(m);
            Episode e = d.update(m * MIN, actual, 2000, 40);
            if (e != null) {
                last.put(e.id(), e);
            }
        }
        return new ArrayList<>(last.values());
    }

    @Test
    void aLowAndSlowMinerIsFoundQuicklyDatedAndMeasured() {
        // A miner capped to add 300 W (7.5 sigma... of one host's noise, 15% of its draw) for two days.
        int start = 3 * 1440;
        int end = start + 2 * 1440;
        List<Episode> episodes = run(7 * 1440, 11, m -> m >= start && m < end ? 300 : 0);
        assertEquals(1, episodes.size(), "one episode: " + episodes);
        Episode ep = episodes.get(0);
        assertEquals(Episode.State.CLOSED, ep.state());
        assertTrue(Math.abs(ep.startedMs() - start * MIN) <= 3 * MIN, "dated to the change: " + ep);
        assertTrue(ep.delayMs() <= 10 * MIN, "detected within 10 minutes: " + ep.delayMs() / MIN + " min");
        assertTrue(Math.abs(ep.endedMs() - end * MIN) <= 20 * MIN, "closed when it stopped: " + ep);
        assertEquals(300, ep.excessW(), 15);
        assertEquals(0.3 * 48, ep.energyKwh(), 0.5, "300 W for 48 h");
    }

    @Test
    void thirtyDaysOfNoiseRaiseNothing() {
        for (long seed = 1; seed <= 5; seed++) {
            assertEquals(List.of(), run(30 * 1440, seed, m -> 0), "seed " + seed);
        }
    }

    @Test
    void aShortSpikeAboveTheFloorIsNotAnEpisode() {
        // A 4-minute 1 kW spike (a backup job starting): large, but not sustained over the 10-sample window.
        assertEquals(List.of(), run(2 * 1440, 5, m -> m >= 600 && m < 604 ? 1000 : 0));
    }

    @Test
    void anExcessBelowTheFloorIsNotAnEpisode() {
        // 100 W sustained: statistically clear on a quiet host, but below the 150 W floor nobody is paged for.
        assertEquals(List.of(), run(3 * 1440, 9, m -> m >= 1440 ? 100 : 0));
    }

}

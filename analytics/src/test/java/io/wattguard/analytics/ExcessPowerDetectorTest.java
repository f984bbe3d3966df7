package io.wattguard.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ExcessPowerDetectorTest {
    private static final long MIN = 60_000L;

    /** One episode as the detector dated it. */
    record Found(long startedMs, long detectedMs, long endedMs, double peakRecentW) {}

    /**
     * One host at 1-minute resolution: expected 2,000 W, noise sigma 40 W, plus {@code extra(minute)} watts.
     * Returns each episode the detector opened, with its end (0 if still open).
     */
    private static List<Found> run(int minutes, long seed, java.util.function.IntToDoubleFunction extra) {
        return run(minutes, seed, extra, m -> true);
    }

    /** As above; {@code corroborated(minute)} says whether anything besides the meter shows that sample. */
    private static List<Found> run(
            int minutes,
            long seed,
            java.util.function.IntToDoubleFunction extra,
            java.util.function.IntPredicate corroborated) {
        SplittableRandom rnd = new SplittableRandom(seed);
        ExcessPowerDetector d = new ExcessPowerDetector(ExcessPowerDetector.Settings.defaults(150));
        List<Found> found = new ArrayList<>();
        long detected = 0;
        double peak = 0;
        for (int m = 0; m < minutes; m++) {
            double actual = 2000 + 40 * RobustLinearModelTest.gaussian(rnd) + extra.applyAsDouble(m);
            ExcessPowerDetector.Change c = d.update(m * MIN, actual - 2000, 40, corroborated.test(m));
            if (c == ExcessPowerDetector.Change.OPENED) {
                detected = m * MIN;
                peak = d.recentW();
            } else if (c == ExcessPowerDetector.Change.ONGOING) {
                peak = Math.max(peak, d.recentW());
            } else if (c == ExcessPowerDetector.Change.CLOSED) {
                found.add(new Found(d.startedMs(), detected, d.endedMs(), peak));
            }
        }
        if (d.isOpen()) {
            found.add(new Found(d.startedMs(), detected, 0, peak));
        }
        return found;
    }

    @Test
    void aLowAndSlowMinerIsFoundQuicklyDatedAndMeasured() {
        // A miner capped to add 300 W (7.5 sigma... of one host's noise, 15% of its draw) for two days.
        int start = 3 * 1440;
        int end = start + 2 * 1440;
        List<Found> episodes = run(7 * 1440, 11, m -> m >= start && m < end ? 300 : 0);
        assertEquals(1, episodes.size(), "one episode: " + episodes);
        Found ep = episodes.get(0);
        assertTrue(ep.endedMs() > 0, "closed: " + ep);
        assertTrue(Math.abs(ep.startedMs() - start * MIN) <= 3 * MIN, "dated to the change: " + ep);
        assertTrue(ep.detectedMs() - ep.startedMs() <= 10 * MIN, "detected within 10 minutes: " + ep);
        assertTrue(Math.abs(ep.endedMs() - end * MIN) <= 20 * MIN, "closed when it stopped: " + ep);
        assertEquals(300, ep.peakRecentW(), 60, "the recent median measures the shift");
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
    void anUncorroboratedExcessMustLastThirtySamples() {
        // 1 kW for 25 minutes that nothing but the meter shows: never an episode, whatever its size.
        assertEquals(List.of(), run(2 * 1440, 5, m -> m >= 600 && m < 625 ? 1000 : 0, m -> false));
        // The same for 45 minutes opens once it has lasted 30, dated back to its start.
        List<Found> long45 = run(2 * 1440, 5, m -> m >= 600 && m < 645 ? 1000 : 0, m -> false);
        assertEquals(1, long45.size(), "one episode: " + long45);
        assertEquals(600 * MIN, long45.get(0).startedMs(), 2 * MIN);
        assertEquals(629 * MIN, long45.get(0).detectedMs(), MIN);
        // Corroborated for only a few samples of the window (a blip), still 30.
        List<Found> blip = run(2 * 1440, 5, m -> m >= 600 && m < 645 ? 1000 : 0, m -> m >= 600 && m < 603);
        assertEquals(629 * MIN, blip.get(0).detectedMs(), MIN, "a blip does not corroborate: " + blip);
        // Corroborated through the window: the 10-sample speed.
        List<Found> fast = run(2 * 1440, 5, m -> m >= 600 && m < 625 ? 1000 : 0, m -> true);
        assertEquals(1, fast.size(), "one episode: " + fast);
        assertTrue(fast.get(0).detectedMs() <= 610 * MIN, "within the window: " + fast);
    }

    @Test
    void confirmSamplesAreAtLeastTheWindowAndAtMostTheHistory() {
        assertThrows(IllegalArgumentException.class, () -> ExcessPowerDetector.Settings.defaults(150, 9));
        assertThrows(
                IllegalArgumentException.class,
                () -> ExcessPowerDetector.Settings.defaults(150, ExcessPowerDetector.MAX_CONFIRM_SAMPLES + 1));
        assertEquals(
                ExcessPowerDetector.CONFIRM_UNCORROBORATED_SAMPLES,
                ExcessPowerDetector.Settings.defaults(150).confirmSamples());
    }

    @Test
    void anExcessBelowTheFloorIsNotAnEpisode() {
        // 100 W sustained: statistically clear on a quiet host, but below the 150 W floor nobody is paged for.
        assertEquals(List.of(), run(3 * 1440, 9, m -> m >= 1440 ? 100 : 0));
    }

    /** Feeds {@code excess} one sample a minute after 600 quiet ones (sigma 40 W, floor 150 W); the minute it opened. */
    private static long openedAt(double[] excess, ExcessPowerDetector d) {
        for (int m = 0; m < 600; m++) {
            d.update(m * MIN, 0, 40, true);
        }
        for (int i = 0; i < excess.length; i++) {
            if (d.update((600 + i) * MIN, excess[i], 40, true) == ExcessPowerDetector.Change.OPENED) {
                return 600 + i;
            }
        }
        return -1;
    }

    private static double[] steps(double... w) {
        return w;
    }

    @Test
    void stepsBetweenHalfTheFloorAndTheFloorAtTheEdgesDoNotLengthenAnExcess() {
        // Four minutes of noise at 100 W (between half the 150 W floor and the floor), then a 6-minute 1 kW job:
        // ten steps at or above half the floor, but the job's core is six. Not an episode.
        ExcessPowerDetector d = new ExcessPowerDetector(ExcessPowerDetector.Settings.defaults(150));
        assertEquals(-1, openedAt(steps(100, 100, 100, 100, 1000, 1000, 1000, 1000, 1000, 1000), d));
        assertEquals(List.of(ExcessPowerDetector.Blocker.TOO_SHORT), d.blockers(), "what --explain says");
        assertEquals(6, d.excessRunLength());
        // Nine minutes of job and a tenth at 100 W after it: the core is nine. Not an episode either.
        d = new ExcessPowerDetector(ExcessPowerDetector.Settings.defaults(150));
        assertEquals(-1, openedAt(steps(1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 100, 0, 0), d));
        // The same noise before a job that lasts: it opens at the job's tenth minute, dated from its first.
        d = new ExcessPowerDetector(ExcessPowerDetector.Settings.defaults(150));
        assertEquals(
                613,
                openedAt(
                        steps(
                                100, 100, 100, 100, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000,
                                1000),
                        d));
        assertEquals(604 * MIN, d.startedMs());
        // Inside a run a dip to 100 W is the load dipping, not noise: it still counts towards the ten.
        d = new ExcessPowerDetector(ExcessPowerDetector.Settings.defaults(150));
        assertEquals(609, openedAt(steps(1000, 1000, 1000, 1000, 100, 1000, 1000, 1000, 1000, 1000, 1000), d));
        assertEquals(600 * MIN, d.startedMs());
    }
}

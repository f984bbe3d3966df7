package io.wattguard.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Noise-aware floors (issue 11, item 2) on {@link AnalyzerTest}'s rack: one host whose GPUs' watts wander
 * (AR(1), a time constant of 20 minutes, as a slowly varying clock or fan curve would) opens no episode inside
 * its own noise, where the fixed floor of 80 W would open several; and a miner of a kilowatt on that same host
 * is still found.
 */
class NoiseFloorTest {
    private static final int DAYS = 21;
    private static final String NOISY = "h5";

    /** AR(1) with coefficient {@code phi} and stationary sigma {@code sigma}, one value a minute. */
    static double[] ar1(long seed, int minutes, double phi, double sigma) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = new double[minutes];
        double innovation = sigma * Math.sqrt(1 - phi * phi);
        double v = 0;
        for (int i = 0; i < minutes; i++) {
            v = phi * v + innovation * AnalyzerTest.gaussian(r);
            x[i] = v;
        }
        return x;
    }

    /** Each of the host's 4 GPUs wanders by this much: about 65 W sigma at the outlet, the components with it. */
    private static final double[] WANDER = ar1(77, DAYS * 1440, 0.95, 16);

    private static List<Episode> hostEpisodes(AnalyzerTest.Recorder r) {
        return r.episodes().stream().filter(e -> e.level().equals("host")).toList();
    }

    @Test
    void aHostWanderingInsideItsOwnNoiseOpensNothing() {
        AnalyzerTest.Recorder r = AnalyzerTest.run(DAYS, 41, new AnalyzerTest.Scenario() {
            @Override
            public double gpuExtraW(String host, long m) {
                return host.equals(NOISY) ? WANDER[(int) m] : 0;
            }
        });
        assertEquals(List.of(), hostEpisodes(r));
    }

    @Test
    void aKilowattMinerOnTheNoisyHostIsStillFound() {
        long start = 15 * 1440 + 22 * 60;
        AnalyzerTest.Recorder r = AnalyzerTest.run(17, 42, new AnalyzerTest.Scenario() {
            @Override
            public double gpuExtraW(String host, long m) {
                return host.equals(NOISY) ? WANDER[(int) m] : 0;
            }

            @Override
            public double unexplainedUtil(String host, long m) {
                return host.equals(NOISY) && m >= start && m < start + 240 ? 0.95 : 0;
            }
        });
        List<Episode> eps = hostEpisodes(r);
        assertEquals(1, eps.size(), "one episode: " + eps);
        assertEquals(NOISY, eps.get(0).entity());
        assertTrue(eps.get(0).delayMs() <= 10 * 60_000L, "delay " + eps.get(0).delayMs() / 60_000 + " min");
    }
}

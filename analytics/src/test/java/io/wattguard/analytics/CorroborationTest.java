package io.wattguard.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Corroboration sets the speed (issue 11, item 1), on {@link AnalyzerTest}'s hand-written rack: a host excess
 * that its components corroborate opens within the 10-step sustained window; one seen on the outlet alone, or
 * on a host that reports no component power, must last {@code confirm_uncorroborated} (30 min) first.
 */
class CorroborationTest {
    private static final long MIN = 60_000;
    /** Day 8, 14:00: a weekday afternoon, models and baselines fitted a week ago. */
    private static final long START = 8 * 1440 + 14 * 60;

    private static final String HOST = "h2";
    private static final double BURST_W = 500;
    /** The GPU watts (4 GPUs, behind a 94% supply) that show as {@link #BURST_W} at the outlet. */
    private static final double GPU_EXTRA_W = BURST_W * 0.94 / 4;

    private static boolean during(String host, long m, int minutes) {
        return host.equals(HOST) && m >= START && m < START + minutes;
    }

    private static List<Episode> hostEpisodes(AnalyzerTest.Recorder r) {
        return r.episodes().stream().filter(e -> e.level().equals("host")).toList();
    }

    private static long delayMin(Episode e) {
        return (e.detectedMs() - (AnalyzerTest.T0 + START * MIN)) / MIN;
    }

    @Test
    void aFifteenMinuteOutletOnlyBurstOfFiveHundredWattsIsNoEpisode() {
        AnalyzerTest.Recorder r = AnalyzerTest.run(10, 21, new AnalyzerTest.Scenario() {
            @Override
            public double outletOnlyW(String host, long m) {
                return during(host, m, 15) ? BURST_W : 0;
            }
        });
        assertEquals(List.of(), r.episodes(), "the outlet alone, 15 min: no episode");
    }

    @Test
    void theSameExcessWithGpuPowerAboveItsModelOpensWithinTenSteps() {
        // Utilisation unchanged, the boards draw more (a raised power limit): the outlet sees the same 500 W.
        AnalyzerTest.Recorder r = AnalyzerTest.run(10, 21, new AnalyzerTest.Scenario() {
            @Override
            public double gpuExtraW(String host, long m) {
                return during(host, m, 15) ? GPU_EXTRA_W : 0;
            }
        });
        List<Episode> eps = hostEpisodes(r);
        assertEquals(1, eps.size(), "one episode: " + eps);
        Episode e = eps.get(0);
        assertEquals(HOST, e.entity());
        assertEquals("unexplained_power", e.kind());
        assertTrue(delayMin(e) <= 10, "within the 10-step window: " + delayMin(e) + " min");
        assertTrue(Math.abs(e.startedMs() - (AnalyzerTest.T0 + START * MIN)) <= 3 * MIN, "dated: " + e);
    }

    @Test
    void anOutletOnlyExcessOfFortyMinutesOpensAfterThirty() {
        AnalyzerTest.Recorder r = AnalyzerTest.run(10, 21, new AnalyzerTest.Scenario() {
            @Override
            public double outletOnlyW(String host, long m) {
                return during(host, m, 40) ? BURST_W : 0;
            }
        });
        List<Episode> eps = hostEpisodes(r);
        assertEquals(1, eps.size(), "one episode: " + eps);
        Episode e = eps.get(0);
        assertEquals(HOST, e.entity());
        assertTrue(delayMin(e) >= 29 && delayMin(e) <= 32, "opens once it has lasted 30 min: " + delayMin(e));
        assertTrue(Math.abs(e.startedMs() - (AnalyzerTest.T0 + START * MIN)) <= 3 * MIN, "dated back: " + e);
        assertEquals(Episode.State.CLOSED, e.state());
        assertEquals(BURST_W, e.peakExcessW(), 0.15 * BURST_W, "its size: " + e);
    }

    @Test
    void aNonBusinessProcessCorroboratesAnOutletExcess() {
        AnalyzerTest.Recorder r = AnalyzerTest.run(10, 21, new AnalyzerTest.Scenario() {
            @Override
            public double outletOnlyW(String host, long m) {
                return during(host, m, 15) ? BURST_W : 0;
            }

            @Override
            public double nonBusinessProcessPct(String host, long m) {
                return during(host, m, 15) ? 90 : 0;
            }
        });
        List<Episode> eps = hostEpisodes(r);
        assertEquals(1, eps.size(), "one episode: " + eps);
        assertTrue(delayMin(eps.get(0)) <= 10, "delay " + delayMin(eps.get(0)));
    }

    @Test
    void onAHostThatReportsNoComponentPowerAnExcessIsUncorroborated() {
        // Its GPUs do run unexplained load, but only their utilisation is reported: the outlet alone says so.
        AnalyzerTest.Scenario shortLoad = new AnalyzerTest.Scenario() {
            @Override
            public double unexplainedUtil(String host, long m) {
                return during(host, m, 20) ? 0.6 : 0;
            }

            @Override
            public boolean noComponentPower(String host) {
                return host.equals(HOST);
            }
        };
        assertEquals(List.of(), hostEpisodes(AnalyzerTest.run(10, 22, shortLoad)), "20 min: no episode");
        AnalyzerTest.Recorder r = AnalyzerTest.run(10, 22, new AnalyzerTest.Scenario() {
            @Override
            public double unexplainedUtil(String host, long m) {
                return during(host, m, 60) ? 0.6 : 0;
            }

            @Override
            public boolean noComponentPower(String host) {
                return host.equals(HOST);
            }
        });
        List<Episode> eps = hostEpisodes(r);
        assertEquals(1, eps.size(), "one episode: " + eps);
        assertTrue(delayMin(eps.get(0)) >= 29 && delayMin(eps.get(0)) <= 32, "delay " + delayMin(eps.get(0)));
    }

    @Test
    void confirmUncorroboratedReachesTheDetector() {
        AnalysisSettings d = AnalysisSettings.defaults();
        AnalysisSettings tenMinutes = new AnalysisSettings(
                d.stepMs(),
                d.floorW(),
                d.floorPerGpuW(),
                d.floorShare(),
                d.balanceFloorW(),
                d.weeks(),
                d.minHoursToFit(),
                d.minPeers(),
                d.holdMs(),
                d.offHoursUtil(),
                d.offHoursMs(),
                d.evidenceQuietMs(),
                ExcessPowerDetector.Settings.defaults(0, AnalysisSettings.confirmSteps(10 * MIN, d.stepMs())),
                d.gpuBusyUtil(),
                d.businessTolerance(),
                d.tariff());
        AnalyzerTest.Recorder r = AnalyzerTest.run(
                10,
                21,
                new AnalyzerTest.Scenario() {
                    @Override
                    public double outletOnlyW(String host, long m) {
                        return during(host, m, 15) ? BURST_W : 0;
                    }
                },
                tenMinutes);
        List<Episode> eps = hostEpisodes(r);
        assertEquals(1, eps.size(), "with confirm_uncorroborated: 10m the old speed: " + eps);
        assertTrue(delayMin(eps.get(0)) <= 10, "delay " + delayMin(eps.get(0)));
    }
}

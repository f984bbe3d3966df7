package io.wattguard.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * {@link Analyzer#setExplain}: one {@link Explanation} per step of the explained entity, on the hand-written
 * rack of {@link AnalyzerTest} with the bursts of {@link CorroborationTest}; the verdicts are the analyzer's
 * own (the explanation changes none).
 */
class ExplanationTest {
    private static final long MIN = 60_000;
    /** Day 8, 14:00: a weekday afternoon, models and baselines fitted a week ago. */
    private static final long START = 8 * 1440 + 14 * 60;

    private static final String HOST = "h2";

    private static boolean during(String host, long m, int minutes) {
        return host.equals(HOST) && m >= START && m < START + minutes;
    }

    /** Explanations of {@code entity} by minute since T0, and the episodes. */
    private record Run(Map<Long, Explanation> byMinute, AnalyzerTest.Recorder recorder) {
        Explanation at(long minute) {
            return byMinute.get(minute);
        }
    }

    private static Run run(String entity, int days, AnalyzerTest.Scenario s) {
        Map<Long, Explanation> m = new TreeMap<>();
        AnalyzerTest.Recorder r = AnalyzerTest.run(
                days,
                21,
                s,
                AnalysisSettings.defaults(),
                Schedule.always(),
                a -> a.setExplain(entity, x -> {
                    assertNull(m.put((x.timeMs() - AnalyzerTest.T0) / MIN, x), "one per step");
                }));
        return new Run(m, r);
    }

    @Test
    void anOutletOnlyBurstIsExplainedAsUncorroboratedAndNotYetConfirmed() {
        Run r = run(HOST, 9, new AnalyzerTest.Scenario() {
            @Override
            public double outletOnlyW(String host, long m) {
                return during(host, m, 15) ? 500 : 0;
            }
        });
        assertEquals(9 * 1440, r.byMinute().size(), "every step explained");
        Explanation x = r.at(START + 13);
        assertEquals(Explanation.Verdict.NONE, x.verdict());
        assertEquals(Explanation.Reason.UNCORROBORATED, x.reason(), x.why());
        assertTrue(x.why().contains("confirm_uncorroborated") && x.why().contains("of the 30 steps"), x.why());
        assertTrue(
                x.why().contains("component watts") && x.why().contains("below their model")
                        || x.why().contains("above their model"),
                x.why());
        assertEquals("outlets", x.measured().source());
        assertTrue(
                x.measured().parts().containsKey("pdu-r1/3"),
                "h2's outlet: " + x.measured().parts());
        assertEquals(x.measured().watts(), x.measured().parts().get("pdu-r1/3"), 1e-9);
        assertNotNull(x.expected());
        assertEquals("4x NVIDIA L4", x.expected().model());
        assertTrue(x.expected().line().contains("gpu_util"), x.expected().line());
        assertEquals(x.measured().watts() - x.expected().watts(), x.detection().excessW(), 1e-6);
        assertFalse(x.corroboration().corroborated());
        assertEquals(0, x.detection().corroboratedSamples());
        assertEquals(1, x.business().size(), "one source: " + x.business());
        assertEquals("allowlist", x.business().get(0).source());
        assertEquals(0, x.business().get(0).ageMs());
        // The start of the burst: not yet sustained over the window.
        Explanation early = r.at(START + 4);
        assertEquals(Explanation.Reason.NOT_SUSTAINED, early.reason(), early.why());
        assertTrue(early.why().contains("5 of 10 steps"), early.why());
        assertTrue(r.recorder().episodes().isEmpty(), "no episode, as before");
    }

    @Test
    void aCorroboratedExcessIsExplainedAsOpenedThenClosed() {
        Run r = run(HOST, 9, new AnalyzerTest.Scenario() {
            @Override
            public double gpuExtraW(String host, long m) {
                return during(host, m, 40) ? 500 * 0.94 / 4 : 0;
            }
        });
        List<Explanation> opened = r.byMinute().values().stream()
                .filter(x -> x.verdict() == Explanation.Verdict.OPENED)
                .toList();
        assertEquals(1, opened.size());
        Explanation x = opened.get(0);
        assertTrue(x.why().contains("corroborated in") && x.why().contains("component watts"), x.why());
        assertTrue(x.corroboration().corroborated());
        assertTrue(
                x.corroboration().componentW() - x.corroboration().componentExpectedW()
                        >= x.corroboration().thresholdW(),
                x.corroboration().toString());
        Episode e = r.recorder().episodes().stream()
                .filter(ep -> ep.level().equals("host"))
                .findFirst()
                .orElseThrow();
        assertEquals(e.id(), x.episodeId());
        assertEquals(e.detectedMs(), x.timeMs());
        assertTrue(r.byMinute().values().stream().anyMatch(y -> y.verdict() == Explanation.Verdict.ONGOING));
        Explanation closed = r.byMinute().values().stream()
                .filter(y -> y.verdict() == Explanation.Verdict.CLOSED)
                .findFirst()
                .orElseThrow();
        assertEquals(e.id(), closed.episodeId());
    }

    @Test
    void aNonBusinessProcessIsNamedAsWhatCorroborated() {
        Run r = run(HOST, 9, new AnalyzerTest.Scenario() {
            @Override
            public double outletOnlyW(String host, long m) {
                return during(host, m, 15) ? 500 : 0;
            }

            @Override
            public double nonBusinessProcessPct(String host, long m) {
                return during(host, m, 15) ? 90 : 0;
            }
        });
        Explanation x = r.byMinute().values().stream()
                .filter(y -> y.verdict() == Explanation.Verdict.OPENED)
                .findFirst()
                .orElseThrow();
        assertTrue(
                x.why().contains("corroborated in") && x.why().contains("non-business process xmrig pid 31337"),
                x.why());
        assertEquals(
                List.of("xmrig pid 31337 on GPU 0 at 90% SM"), x.corroboration().processes());
    }

    @Test
    void withoutComponentPowerAnExcessOpensOnceItOutlastsConfirmUncorroborated() {
        Run r = run(HOST, 9, new AnalyzerTest.Scenario() {
            @Override
            public double unexplainedUtil(String host, long m) {
                return during(host, m, 60) ? 0.6 : 0;
            }

            @Override
            public boolean noComponentPower(String host) {
                return host.equals(HOST);
            }
        });
        Explanation waiting = r.at(START + 20);
        assertEquals(Explanation.Reason.UNCORROBORATED, waiting.reason(), waiting.why());
        assertTrue(waiting.why().contains("reports no component watts"), waiting.why());
        Explanation x = r.byMinute().values().stream()
                .filter(y -> y.verdict() == Explanation.Verdict.OPENED)
                .findFirst()
                .orElseThrow();
        assertTrue(
                x.why().contains("not corroborated, but the excess has lasted")
                        && x.why().contains("confirm_uncorroborated is 30"),
                x.why());
    }

    @Test
    void aSubFloorExcessIsExplainedAsBelowTheFloorWithTheFloor() {
        Run r = run(HOST, 9, new AnalyzerTest.Scenario() {
            @Override
            public double outletOnlyW(String host, long m) {
                return during(host, m, 120) ? 45 : 0;
            }
        });
        Explanation x = r.at(START + 90);
        assertEquals(Explanation.Reason.BELOW_FLOOR, x.reason(), x.why());
        double floor = x.detection().floorW();
        assertTrue(floor > 45, "the floor of a 4-GPU host: " + floor);
        assertTrue(x.why().contains("floor " + Analyzer.watts(floor)), x.why());
        assertTrue(
                x.detection().recentW() > 20 && x.detection().recentW() < floor,
                x.detection().toString());
    }

    @Test
    void aSlowRampIsExplainedAsBelowTheFloorUntilItReachesIt() {
        // A miner raising its GPUs' power limits by 100 W each over two days, at unchanged utilisation: the
        // operator asks why the first hours were not flagged. Each step says: below the floor, and which floor.
        long ramp = 2 * 1440;
        Run r = run(HOST, 11, new AnalyzerTest.Scenario() {
            @Override
            public double gpuExtraW(String host, long m) {
                return host.equals(HOST) && m >= START ? 100.0 * Math.min(1, (m - START) / (double) ramp) : 0;
            }
        });
        Explanation early = r.at(START + 120);
        assertEquals(Explanation.Reason.BELOW_FLOOR, early.reason(), early.why());
        double floor = early.detection().floorW();
        assertTrue(early.why().contains("floor " + Analyzer.watts(floor)), early.why());
        // 4 GPUs x 100 W x 120/2880 of the ramp, at the outlet: about 18 W, well under the floor.
        assertTrue(early.detection().recentW() < floor / 2, early.detection().toString());
        Explanation opened = r.byMinute().values().stream()
                .filter(y -> y.verdict() == Explanation.Verdict.OPENED)
                .findFirst()
                .orElseThrow(() -> new AssertionError("the ramp never opened: " + r.at(START + ramp)));
        long minute = (opened.timeMs() - AnalyzerTest.T0) / MIN;
        // It opened once the ramp itself had reached the floor, corroborated by the GPUs' own watts.
        double rampW = 4 * 100.0 * (minute - START) / ramp;
        assertTrue(rampW >= opened.detection().floorW() * 0.8, "opened at " + rampW + " W of ramp: " + opened.why());
        assertTrue(opened.corroboration().corroborated(), opened.corroboration().toString());
        Explanation.Corroboration c = opened.corroboration();
        assertTrue(c.componentW() - c.componentExpectedW() >= c.thresholdW(), "by the GPUs' own watts: " + c);
    }

    @Test
    void explainingChangesNoVerdict() {
        AnalyzerTest.Scenario s = new AnalyzerTest.Scenario() {
            @Override
            public double outletOnlyW(String host, long m) {
                return during(host, m, 40) ? 500 : 0;
            }
        };
        List<Episode> plain = AnalyzerTest.run(9, 21, s).all;
        List<Episode> explained = run(HOST, 9, s).recorder().all;
        assertFalse(plain.isEmpty());
        assertEquals(plain, explained);
    }

    @Test
    void beforeTheFirstFitItSaysNoModelYetAndAnUnknownNameSaysNoData() {
        Run r = run(HOST, 1, new AnalyzerTest.Scenario() {});
        Explanation x = r.at(600);
        assertEquals(Explanation.Reason.NO_MODEL, x.reason(), x.why());
        assertTrue(x.why().contains("warming up"), x.why());
        assertNull(x.detection());
        Run second = run(HOST, 2, new AnalyzerTest.Scenario() {});
        Explanation y = second.at(1440 + 600);
        assertNotNull(y.expected(), "fitted at the first midnight: the model predicts");
        assertNotNull(y.detection(), "and its noise is measured at that fit, so the detector decides: " + y.why());
        assertTrue(y.why().contains("(the fixed floor; 4.5 x its excess noise is"), y.why());
        Run none = run("nosuchhost", 1, new AnalyzerTest.Scenario() {});
        assertEquals(Explanation.Reason.NO_DATA, none.at(5).reason());
        assertTrue(none.at(5).why().contains("nosuchhost"), none.at(5).why());
        Run room = run("room1", 1, new AnalyzerTest.Scenario() {});
        assertTrue(
                room.at(5).why().contains("has a meter of its own"),
                "a room without a meter: " + room.at(5).why());
        Run gpu = run("h2:0", 1, new AnalyzerTest.Scenario() {});
        assertEquals("gpu", gpu.at(5).level());
        assertTrue(
                gpu.at(5).why().contains("no allowlist data"),
                "h2 lists no processes: " + gpu.at(5).why());
    }

    @Test
    void aRackIsExplainedByItsBalance() {
        Run r = run("rack/r1", 9, new AnalyzerTest.Scenario() {
            @Override
            public double rogueOutletW(long m) {
                return m >= START && m < START + 60 ? 400 : 0;
            }
        });
        Explanation x = r.at(START + 30);
        assertEquals("rack", x.level());
        assertTrue(
                x.measured().parts().containsKey("pdu-r1/total (inlet)"),
                x.measured().parts().toString());
        assertTrue(x.verdict() == Explanation.Verdict.OPENED || x.verdict() == Explanation.Verdict.ONGOING, x.why());
        assertNull(x.corroboration());
    }
}

package io.wattguard.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * GPU-level attribution (issue 11, item 3) on {@link AnalyzerTest}'s hand-written rack, whose agents list their
 * GPU processes here: a GPU busy for someone the allowlist does not cover is an {@code unexplained_gpu} episode
 * within 15 minutes, whatever its watts; business processes explain theirs; and a host that lists no
 * processes gets no verdict.
 */
class GpuAttributionTest {
    private static final long MIN = 60_000;
    /** Day 8, 10:00, a Monday: business hours, models and baselines fitted. */
    private static final long START = 7 * 1440 + 10 * 60;

    private static List<Episode> gpuEpisodes(AnalyzerTest.Recorder r) {
        return r.episodes().stream().filter(e -> e.level().equals("gpu")).toList();
    }

    private static long delayMin(Episode e) {
        return (e.detectedMs() - (AnalyzerTest.T0 + START * MIN)) / MIN;
    }

    /** Every host lists its processes; one GPU of h2 mines from START for {@code minutes}. */
    private static AnalyzerTest.Scenario oneGpuMining(int minutes, boolean lists) {
        return new AnalyzerTest.Scenario() {
            @Override
            public boolean listsProcesses(String host) {
                return lists;
            }

            @Override
            public double gpuMinerUtil(String host, int gpu, long m) {
                return host.equals("h2") && gpu == 2 && m >= START && m < START + minutes ? 0.97 : 0;
            }
        };
    }

    @Test
    void busyGpusWhoseProcessesAreAllBusinessRaiseNothing() {
        AnalyzerTest.Recorder r = AnalyzerTest.run(10, 31, oneGpuMining(0, true));
        assertEquals(List.of(), r.episodes());
    }

    @Test
    void oneGpuMiningInBusinessHoursBesideJobsIsFoundWithinFifteenMinutes() {
        AnalyzerTest.Recorder r = AnalyzerTest.run(9, 32, oneGpuMining(120, true));
        List<Episode> eps = gpuEpisodes(r);
        assertEquals(1, eps.size(), "one GPU episode: " + eps);
        Episode e = eps.get(0);
        assertEquals("h2:2", e.entity());
        assertEquals("unexplained_gpu", e.kind());
        assertTrue(delayMin(e) <= 15, "within 15 min: " + delayMin(e));
        assertEquals(AnalyzerTest.T0 + START * MIN, e.startedMs(), "dated to its first busy step");
        assertEquals(Episode.State.CLOSED, e.state());
        assertTrue(Math.abs(e.endedMs() - (AnalyzerTest.T0 + (START + 120) * MIN)) <= 2 * MIN, "ended: " + e);
        assertTrue(
                e.evidenceJson().contains("\"process\":\"xmrig\"")
                        && e.evidenceJson().contains("\"user\":\"nobody\"")
                        && e.evidenceJson().contains("\"container\":\"crypto-1\""),
                e.evidenceJson());
        assertTrue(!e.evidenceJson().contains("tritonserver"), "only its own GPU's processes: " + e.evidenceJson());
        assertTrue(e.title().contains("h2:2") && e.title().contains("xmrig"), e.title());
        // 2 h at about 240 W above the L4's idle 50 W: about 0.48 kWh.
        assertEquals(2 * 0.97 * 250 / 1000, e.energyKwh(), 0.1, "energy above idle: " + e);
    }

    @Test
    void aGpuIsExplainedStepByStepFromItsProcessesToItsEpisode() {
        java.util.Map<Long, Explanation> byMinute = new java.util.TreeMap<>();
        AnalyzerTest.Recorder r = AnalyzerTest.run(
                9,
                32,
                oneGpuMining(120, true),
                AnalysisSettings.defaults(),
                Schedule.always(),
                a -> a.setExplain("h2:2", x -> byMinute.put((x.timeMs() - AnalyzerTest.T0) / MIN, x)));
        assertEquals(9 * 1440, byMinute.size(), "every step explained");
        Explanation before = byMinute.get(START - 5);
        assertEquals("h2:2", before.entity());
        assertEquals("gpu", before.level());
        assertTrue(
                before.reason() == Explanation.Reason.NOT_BUSY || before.reason() == Explanation.Reason.EXPLAINED,
                before.why());
        Explanation third = byMinute.get(START + 2);
        assertEquals(Explanation.Reason.TOO_SHORT, third.reason(), third.why());
        assertTrue(third.why().contains("unexplained for 3 of the 10 steps"), third.why());
        assertTrue(
                third.corroboration().processes().stream()
                        .anyMatch(p -> p.startsWith("xmrig")
                                && p.contains("user nobody")
                                && p.contains("container crypto-1")
                                && p.endsWith("not business")),
                third.corroboration().processes().toString());
        Explanation opened = byMinute.get(START + 9);
        assertEquals(Explanation.Verdict.OPENED, opened.verdict(), opened.why());
        assertTrue(opened.why().contains("GPU busy 97%") && opened.why().contains("10 steps in a row"), opened.why());
        assertEquals(gpuEpisodes(r).get(0).id(), opened.episodeId());
        assertEquals("nvml", opened.measured().source());
        Explanation closed = byMinute.values().stream()
                .filter(x -> x.verdict() == Explanation.Verdict.CLOSED)
                .findFirst()
                .orElseThrow();
        assertTrue(closed.timeMs() > opened.timeMs(), closed.why());
        // A host that lists no processes: no verdict, and it says why.
        java.util.List<Explanation> silent = new java.util.ArrayList<>();
        AnalyzerTest.run(
                9,
                34,
                new AnalyzerTest.Scenario() {
                    @Override
                    public double unexplainedUtil(String host, long m) {
                        return host.equals("h2") && m >= START && m < START + 120 ? 0.9 : 0;
                    }
                },
                AnalysisSettings.defaults(),
                Schedule.always(),
                a -> a.setExplain("h2:2", silent::add));
        Explanation x = silent.get(silent.size() - 1);
        assertEquals(Explanation.Reason.NO_DATA, x.reason());
        assertTrue(x.why().contains("no allowlist data"), x.why());
    }

    @Test
    void aNinetyMinuteNotebookBelowBusyUtilisationIsNoEpisode() {
        AnalyzerTest.Recorder r = AnalyzerTest.run(9, 33, new AnalyzerTest.Scenario() {
            @Override
            public boolean listsProcesses(String host) {
                return true;
            }

            @Override
            public double gpuMinerUtil(String host, int gpu, long m) {
                return host.equals("h2") && gpu == 1 && m >= START && m < START + 90 ? 0.3 : 0;
            }
        });
        assertEquals(List.of(), gpuEpisodes(r));
    }

    @Test
    void aHostThatListsNoProcessesGetsNoVerdict() {
        // The same miner, but the host's agent lists no processes except the miner's own would: so only hosts
        // whose agents never list processes are blind. Here no host lists any, and the miner's process is not
        // written either.
        AnalyzerTest.Recorder r = AnalyzerTest.run(9, 34, new AnalyzerTest.Scenario() {
            @Override
            public double unexplainedUtil(String host, long m) {
                return host.equals("h2") && m >= START && m < START + 120 ? 0.9 : 0;
            }
        });
        assertEquals(List.of(), gpuEpisodes(r), "no allowlist data, no GPU verdict");
    }

    @Test
    void processesListedWithoutAnAllowlistAreNotReadAsNonBusiness() {
        AnalyzerTest.Recorder r = AnalyzerTest.run(9, 37, new AnalyzerTest.Scenario() {
            @Override
            public boolean listsProcesses(String host) {
                return true;
            }

            @Override
            public boolean allowlist(String host) {
                return false;
            }

            @Override
            public double gpuMinerUtil(String host, int gpu, long m) {
                return host.equals("h2") && gpu == 2 && m >= START && m < START + 120 ? 0.97 : 0;
            }
        });
        assertEquals(List.of(), gpuEpisodes(r), "unjudged processes: no GPU verdict");
    }

    @Test
    void aMinerRaisingItsPowerLimitSlowlyIsFoundWithinFifteenMinutesAndRisesInSeverity() {
        // 100 W to 300 W over five days on GPU 1 of h3, busy throughout: no change point in the host's watts.
        long days5 = 5 * 1440;
        AnalyzerTest.Recorder r = AnalyzerTest.run(14, 35, new AnalyzerTest.Scenario() {
            @Override
            public boolean listsProcesses(String host) {
                return true;
            }

            @Override
            public double gpuMinerUtil(String host, int gpu, long m) {
                return host.equals("h3") && gpu == 1 && m >= START ? 1.0 : 0;
            }

            @Override
            public double gpuLimitW(String host, int gpu, long m) {
                return host.equals("h3") && gpu == 1 && m >= START
                        ? 100 + 200.0 * Math.min(1, (m - START) / (double) days5)
                        : 300;
            }
        });
        List<Episode> eps = gpuEpisodes(r);
        assertEquals(1, eps.size(), "one GPU episode: " + eps);
        Episode e = eps.get(0);
        assertEquals("h3:1", e.entity());
        assertTrue(delayMin(e) <= 15, "within 15 min whatever the watts: " + delayMin(e));
        assertEquals(Episode.State.OPEN, e.state());
        Episode first =
                r.all.stream().filter(x -> x.id().equals(e.id())).findFirst().orElseThrow();
        assertEquals(Episode.Severity.MEDIUM, first.severity(), "at 100 W it draws below its model: " + first);
    }

    @Test
    void minerEvidenceOnTheHostMakesItCritical() {
        AnalyzerTest.Recorder r = AnalyzerTest.run(9, 36, new AnalyzerTest.Scenario() {
            @Override
            public boolean listsProcesses(String host) {
                return true;
            }

            @Override
            public double gpuMinerUtil(String host, int gpu, long m) {
                return host.equals("h2") && gpu == 2 && m >= START && m < START + 60 ? 0.97 : 0;
            }

            @Override
            public boolean poolConnection(String host, long m) {
                return host.equals("h2") && m >= START && m < START + 60;
            }
        });
        List<Episode> eps = gpuEpisodes(r);
        assertEquals(1, eps.size(), "one GPU episode: " + eps);
        assertEquals(Episode.Severity.CRITICAL, eps.get(0).severity());
        assertTrue(
                eps.get(0).evidenceJson().contains("203.0.113.7:3333"),
                eps.get(0).evidenceJson());
    }
}

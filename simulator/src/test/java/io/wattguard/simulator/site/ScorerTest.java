package io.wattguard.simulator.site;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ScorerTest {
    static final long M = 60_000L;
    final Scorer scorer = new Scorer(Map.of("h1", "r1", "h2", "r1", "h3", "r2"), Map.of("r1", "hall", "r2", "hall"));

    static Label mining(String id, String scenario, String level, String entity, long fromMin, long toMin) {
        return new Label(id, scenario, level, entity, fromMin * M, toMin * M, 1000, true);
    }

    final List<Label> labels = List.of(
            mining("L1", "night_gpu_miner", "host", "h1", 0, 600),
            mining("L2", "night_gpu_miner", "host", "h2", 1000, 1600),
            mining("L3", "rogue_outlet_rig", "rack", "r2", 0, 3000),
            mining("L4", "cpu_randomx", "host", "h3", 2000, 2480),
            new Label("B1", "benign_spike", "host", "h2", 5000 * M, 5005 * M, 900, false));

    static Detection det(String entity, String level, long started, long detected, long ended) {
        return new Detection(entity, level, "unexplained_power", started * M, detected * M, ended * M);
    }

    @Test
    void handMadeCaseGivesExactFigures() {
        List<Detection> detections = List.of(
                det("h1", "host", 2, 6, 600), // on time: 6 min
                det("r1", "rack", 1000, 1040, 0), // the rack sees its host's miner; still open: 40 min
                det("h3", "host", 2490, 2500, 2520), // late, after the end but within 30 min: 500 min
                det("h1:3", "gpu", 4000, 4001, 4010), // false, nothing there
                det("h2", "host", 5001, 5002, 5006)); // false, during a benign spike
        // L3 (the rig on r2) is missed: h3's host detection cannot see a PDU outlet.
        Scorer.Table t = scorer.score(labels, detections, 2000);

        Scorer.Row all = t.overall();
        assertEquals(4, all.episodes());
        assertEquals(3, all.detected());
        assertEquals(0.75, all.recall(), 1e-12);
        assertEquals(40, all.medianDelayMin(), 1e-12);
        assertEquals(500, all.p90DelayMin(), 1e-12);
        assertEquals(5, t.detections());
        assertEquals(3, t.trueDetections());
        assertEquals(2, t.falseDetections());
        assertEquals(1, t.falseOnBenign());
        assertEquals(0.6, t.precision(), 1e-12);
        assertEquals(1.0, t.falsePer1000HostDays(), 1e-12);

        Scorer.Row night = t.row("night_gpu_miner");
        assertEquals(2, night.episodes());
        assertEquals(2, night.detected());
        assertEquals(6, night.medianDelayMin(), 1e-12);
        assertEquals(40, night.p90DelayMin(), 1e-12);
        assertEquals(2, night.detections());
        Scorer.Row rig = t.row("rogue_outlet_rig");
        assertEquals(0, rig.detected());
        assertEquals(0.0, rig.recall());
        assertTrue(Double.isNaN(rig.medianDelayMin()));
        assertEquals(1, t.row("cpu_randomx").detected());
        assertEquals(1, t.row("benign_spike").detections());

        String text = t.toString();
        assertTrue(text.contains("night_gpu_miner"), text);
        assertTrue(text.lines().filter(l -> l.startsWith("overall")).count() == 1, text);
        assertEquals(1 + 5 + 1, text.lines().count(), text); // header, 4 scenarios + overall, summary
        int width = text.lines().findFirst().orElseThrow().length();
        assertTrue(text.lines().limit(6).allMatch(l -> l.length() == width), "aligned columns:\n" + text);
    }

    /**
     * A GPU-level label is detected only by a GPU episode on that board; a host (or another GPU's) episode on its
     * host during it is not a detection of it, but not a false one either: it saw real mining.
     */
    @Test
    void gpuLabelsNeedTheirOwnBoardButExplainTheirHost() {
        List<Label> gpuLabels = List.of(
                mining("G1", "one_gpu_of_eight", "gpu", "h1:7", 0, 120),
                mining("G2", "one_gpu_of_eight", "gpu", "h2:7", 1000, 1120),
                mining("G3", "power_limit_ramp", "gpu", "h3:3", 2000, 9000));
        List<Detection> detections = List.of(
                det("h1:7", "gpu", 0, 12, 130), // G1 on its board: 12 min
                det("h2", "host", 1000, 1009, 1130), // G2's host: true, but G2 is not detected
                det("h2:6", "gpu", 1000, 1005, 1130), // another board of G2's host: true, still not G2
                det("h3:3", "gpu", 2000, 2030, 0), // G3: 30 min
                det("h1:7", "gpu", 5000, 5001, 5010)); // nothing there: false
        Scorer.Table t = scorer.score(gpuLabels, detections, 1000);
        Scorer.Row one = t.row("one_gpu_of_eight");
        assertEquals(2, one.episodes());
        assertEquals(1, one.detected());
        assertEquals(12, one.medianDelayMin(), 1e-12);
        assertEquals(3, one.detections());
        assertEquals(30, t.row("power_limit_ramp").medianDelayMin(), 1e-12);
        assertEquals(4, t.trueDetections());
        assertEquals(1, t.falseDetections());
        assertEquals(15, Scenario.ONE_GPU_OF_EIGHT.delayTargetMin());
        assertEquals(35, Scenario.UNCORROBORATED_MINER.delayTargetMin());
        assertTrue(Double.isNaN(Scenario.OUTLET_BURST.delayTargetMin()));
    }

    @Test
    void tooLateOrAlreadyOverDoesNotCountAndRoomsSeeTheirRacks() {
        List<Detection> detections = List.of(
                det("h1", "host", 700, 700, 720), // after L1's end + 30 min: not a detection of it, and false
                det("h2", "host", 100, 200, 900), // ended before L2 started: false
                det("hall", "room", 10, 20, 40), // the room meter sees the rig on r2 (and L1 on h1)
                det("h3", "host", 3000, 3100, 3200)); // host h3 during the rig: a host cannot see it, false
        Scorer.Table t = scorer.score(labels, detections, 1000);
        assertEquals(0, t.row("night_gpu_miner").detected() - 1); // only L1, through the room
        assertEquals(1, t.row("rogue_outlet_rig").detected());
        assertEquals(20, t.row("rogue_outlet_rig").medianDelayMin(), 1e-12);
        assertEquals(0, t.row("cpu_randomx").detected());
        assertEquals(1, t.trueDetections());
        assertEquals(3, t.falseDetections());
        assertEquals(3.0, t.falsePer1000HostDays(), 1e-12);
    }

    @Test
    void quantilesAreNearestRank() {
        assertEquals(2, Scorer.quantile(List.of(3.0, 1.0, 2.0, 4.0), 0.5));
        assertEquals(10, Scorer.quantile(List.of(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0), 0.9 + 1e-9));
        assertEquals(9, Scorer.quantile(List.of(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0), 0.9));
        assertTrue(Double.isNaN(Scorer.quantile(List.of(), 0.5)));
    }
}

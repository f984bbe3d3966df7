package io.wattguard.simulator.site;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The evaluation site holds what the detection target asks for, and each label's excess is really in the
 * data: the mean outlet power during an episode (its first week at most) exceeds the same host's same hours a
 * week earlier by the labelled excess within 25%; for a rig, the rack inlet minus its hosts' outlets does.
 */
class EvaluationScenariosTest {
    static final long DAY = 86_400_000L;
    static SiteSpec spec;
    static SyntheticSite site;
    static List<Label> mining;

    @BeforeAll
    static void plan() {
        spec = SiteSpec.evaluation();
        site = new SyntheticSite(spec);
        mining = site.miningLabels();
    }

    @Test
    void everyMiningScenarioFourTimesAfterTwoCleanWeeksAboveTheTarget() {
        Map<String, Set<String>> entities = new HashMap<>();
        for (Label l : mining) entities.computeIfAbsent(l.scenario(), k -> new HashSet<>()).add(l.entity());
        for (Scenario s : Scenario.values()) {
            if (!s.mining()) continue;
            assertTrue(entities.getOrDefault(s.id(), Set.of()).size() >= 4, s.id() + " on " + entities.get(s.id()));
        }
        Set<String> seen = new HashSet<>();
        for (Set<String> e : entities.values()) for (String x : e) assertTrue(seen.add(x), x + " hosts two scenarios");

        long first = mining.stream().mapToLong(Label::startMs).min().orElseThrow();
        assertTrue(first >= spec.startMs() + 14 * DAY, "clean history before the first episode");

        Map<String, Double> nameplate = new HashMap<>();
        spec.hosts().forEach(h -> nameplate.put(h.name(), h.model().nameplateW()));
        spec.racks().forEach(r -> nameplate.put(r.name(), r.nameplateW()));
        for (Label l : mining) {
            assertTrue(l.durationMs() >= 30 * 60_000L, l.toString());
            assertTrue(l.excessW() >= 0.10 * nameplate.get(l.entity()), l + " vs nameplate " + nameplate.get(l.entity()));
            assertTrue(l.level().equals(l.scenario().equals("rogue_outlet_rig") ? "rack" : "host"), l.toString());
        }
        assertTrue(site.labels().stream().anyMatch(l -> !l.mining() && l.scenario().equals("benign_spike")));
    }

    /** Sums of a window: {sum, n} for the episode and for the week before. */
    static final class Windows {
        final Label label;
        final long from;
        final long to;
        final double[] now = new double[2];
        final double[] before = new double[2];

        Windows(Label l) {
            label = l;
            from = l.startMs();
            to = Math.min(l.endMs(), l.startMs() + 7 * DAY);
        }

        void add(long t, double w) {
            if (t >= from && t < to) { now[0] += w; now[1]++; }
            else if (t >= from - 7 * DAY && t < to - 7 * DAY) { before[0] += w; before[1]++; }
        }

        double measured() {
            return now[0] / now[1] - before[0] / before[1];
        }
    }

    @Test
    void theLabelledExcessIsInTheDataAndOnlyTheContainerMinerLeavesEvidence() {
        Map<String, List<Windows>> byEntity = new HashMap<>();
        List<Windows> all = new ArrayList<>();
        for (Label l : mining) {
            Windows w = new Windows(l);
            all.add(w);
            byEntity.computeIfAbsent(l.entity(), k -> new ArrayList<>()).add(w);
        }
        Map<String, Integer> hostsPerRack = spec.racks().stream()
                .collect(Collectors.toMap(SiteSpec.RackSpec::name, r -> r.hosts().size()));
        Map<String, double[]> rackStep = new HashMap<>(); // rack -> {host outlet sum, count, time}
        Map<String, List<Label>> container = mining.stream().filter(l -> l.scenario().equals("allowlisted_container_miner"))
                .collect(Collectors.groupingBy(Label::entity));
        Map<String, Integer> evidence = new HashMap<>();
        Map<String, double[]> business = new HashMap<>(); // label id -> {sum, n}
        long from = all.stream().mapToLong(w -> w.from - 7 * DAY).min().orElseThrow();
        long to = all.stream().mapToLong(w -> w.to).max().orElseThrow();
        long t0 = System.nanoTime();
        long[] points = {0};
        site.run(from, to, Set.of("meter", "evidence", "business_load"), p -> {
            points[0]++;
            switch (p.measurement()) {
                case "meter" -> meter(p, byEntity, hostsPerRack, rackStep);
                case "evidence" -> {
                    String host = p.tags().get("host");
                    Label l = container.getOrDefault(host, List.of()).stream()
                            .filter(x -> p.timeMs() >= x.startMs() && p.timeMs() < x.endMs()).findFirst().orElse(null);
                    if (l == null) fail("evidence outside a container-miner episode: " + p.toLineProtocol());
                    evidence.merge(l.id(), 1, Integer::sum);
                }
                default -> {
                    for (Windows w : byEntity.getOrDefault(p.tags().get("entity"), List.of())) {
                        if (p.timeMs() >= w.label.startMs() && p.timeMs() < w.label.endMs()) {
                            double[] a = business.computeIfAbsent(w.label.id(), k -> new double[2]);
                            a[0] += p.number("value");
                            a[1]++;
                        }
                    }
                }
            }
        });
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("evaluation(): %d points (meter, evidence, business_load) over %.1f days in %.2f s%n",
                points[0], (to - from) / (double) DAY, seconds);

        for (Windows w : all) {
            double measured = w.measured();
            System.out.printf("%-34s %-8s labelled %7.1f W measured %7.1f W%n", w.label.id(), w.label.entity(),
                    w.label.excessW(), measured);
            assertEquals(w.label.excessW(), measured, 0.25 * w.label.excessW(), w.label.toString());
        }
        for (List<Label> ls : container.values()) {
            for (Label l : ls) {
                long expected = l.durationMs() / 300_000L;
                assertTrue(evidence.getOrDefault(l.id(), 0) >= 0.8 * expected, l.id() + " evidence " + evidence.get(l.id()));
            }
        }
        for (Label l : mining) {
            double[] b = business.get(l.id());
            if (b == null) continue;
            double mean = b[0] / b[1];
            switch (l.scenario()) {
                // The allowlisted container's miner counts as business: the load explains the power.
                case "allowlisted_container_miner" -> assertTrue(mean > 0.9, l.id() + " business " + mean);
                // The others are not business: at night the business load stays low.
                case "night_gpu_miner", "cpu_randomx" -> assertTrue(mean < 0.3, l.id() + " business " + mean);
                default -> { }
            }
        }
    }

    private static void meter(SitePoint p, Map<String, List<Windows>> byEntity, Map<String, Integer> hostsPerRack,
                              Map<String, double[]> rackStep) {
        String kind = p.tags().get("kind");
        String host = p.tags().get("host");
        double w = p.number("power_w");
        if (kind.equals("outlet")) {
            if (host == null) return;
            for (Windows x : byEntity.getOrDefault(host, List.of())) x.add(p.timeMs(), w);
            double[] a = rackStep.computeIfAbsent(p.tags().get("rack"), k -> new double[3]);
            if (a[2] != p.timeMs()) { a[0] = 0; a[1] = 0; a[2] = p.timeMs(); }
            a[0] += w;
            a[1]++;
        } else if (kind.equals("inlet")) {
            String rack = p.tags().get("rack");
            double[] a = rackStep.get(rack);
            List<Windows> ws = byEntity.get(rack);
            // inlet minus the declared hosts' outlets: what nobody declared, plus the PDU's own watts
            if (ws != null && a != null && a[2] == p.timeMs() && a[1] == hostsPerRack.get(rack))
                for (Windows x : ws) x.add(p.timeMs(), w - a[0]);
        }
    }
}

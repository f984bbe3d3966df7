package io.wattguard.simulator.site;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Both evaluation sites hold what the detection target asks for, and each label's excess is really in the
 * data: the mean outlet power during an episode (its first week at most) exceeds the same host's same hours a
 * week earlier by the labelled excess within 25%; for a rig, the rack inlet minus its hosts' outlets does; for
 * a GPU-level label, its GPU's board power (over the PSU's efficiency) does.
 */
class EvaluationScenariosTest {
    static final long DAY = 86_400_000L;
    private static final Map<String, SyntheticSite> SITES = new ConcurrentHashMap<>();

    /** Planned once per site for all the tests here. */
    static SyntheticSite site(String name) {
        return SITES.computeIfAbsent(
                name,
                n -> new SyntheticSite(
                        switch (n) {
                            case "A" -> SiteSpec.evaluation();
                            case "B" -> SiteSpec.evaluationB();
                            default -> throw new IllegalArgumentException(n);
                        }));
    }

    static String hostOf(Label l) {
        return "gpu".equals(l.level()) ? l.entity().substring(0, l.entity().lastIndexOf(':')) : l.entity();
    }

    @ParameterizedTest
    @ValueSource(strings = {"A", "B"})
    void everyMiningScenarioFourTimesAfterTwoCleanWeeksAboveTheTarget(String name) {
        SyntheticSite site = site(name);
        SiteSpec spec = site.spec();
        List<Label> mining = site.miningLabels();
        Map<String, Set<String>> entities = new HashMap<>();
        for (Label l : mining)
            entities.computeIfAbsent(Scenario.byId(l.scenario()).placedAs().id(), k -> new HashSet<>())
                    .add(l.entity());
        for (Scenario s : Scenario.values()) {
            if (!s.mining() || !s.planned()) continue;
            assertTrue(entities.getOrDefault(s.id(), Set.of()).size() >= 4, s.id() + " on " + entities.get(s.id()));
        }
        Set<String> seen = new HashSet<>();
        for (Set<String> e : entities.values())
            for (String x : e)
                assertTrue(seen.add(x.contains(":") ? x.substring(0, x.indexOf(':')) : x), x + " hosts two scenarios");

        long first = mining.stream().mapToLong(Label::startMs).min().orElseThrow();
        assertTrue(first >= spec.startMs() + 14 * DAY, "clean history before the first episode");

        // A GPU-level label's nameplate is its board's power limit.
        Map<String, Double> nameplate = new HashMap<>();
        Map<String, HostModel> model = new HashMap<>();
        spec.hosts().forEach(h -> nameplate.put(h.name(), h.model().nameplateW()));
        spec.hosts().forEach(h -> model.put(h.name(), h.model()));
        spec.racks().forEach(r -> nameplate.put(r.name(), r.nameplateW()));
        SiteClock clock = new SiteClock(spec);
        for (Label l : mining) {
            Scenario s = Scenario.byId(l.scenario());
            HostModel m = model.get(hostOf(l));
            double plate = "gpu".equals(l.level()) ? m.gpuLimitW() : nameplate.get(l.entity());
            assertTrue(l.durationMs() >= 30 * 60_000L, l.toString());
            assertTrue(l.excessW() >= 0.10 * plate, l + " vs nameplate " + plate);
            assertEquals(s.level(), l.level(), l.toString());
            if ("gpu".equals(l.level())) assertTrue(l.entity().matches("[a-z]+-\\d{3}:\\d"), l.toString());
            switch (s) {
                case UNCORROBORATED_MINER, CPU_RANDOMX_NO_RAPL -> assertFalse(m.reportsComponentPower(), l.toString());
                case CPU_RANDOMX -> assertTrue(m.reportsComponentPower(), l + ": its target needs RAPL");
                case ONE_GPU_OF_EIGHT -> {
                    assertEquals(8, m.gpus(), l.toString());
                    // in business hours: starts 09:00-14:00 local on a workday, at most 4 h
                    clock.at((l.startMs() - spec.startMs()) / spec.stepMs());
                    assertTrue(clock.workday && clock.hour >= 9 && clock.hour < 14, l + " at " + clock.hour);
                    assertTrue(l.durationMs() <= 4 * 3_600_000L, l.toString());
                }
                case POWER_LIMIT_RAMP -> assertTrue(l.durationMs() >= 5 * DAY, l.toString());
                default -> {}
            }
        }
        assertTrue(
                site.labels().stream().anyMatch(l -> !l.mining() && l.scenario().equals("benign_spike")));
        // Feed stops: 1-3 h, benign, on the hosts; a few hundred of them.
        List<Label> stops = site.labels().stream()
                .filter(l -> l.scenario().equals("business_feed_stop"))
                .toList();
        assertTrue(stops.size() > 200, "feed stops " + stops.size());
        for (Label l : stops) {
            assertFalse(l.mining());
            // (one the run's end cuts short may be shorter)
            assertTrue(
                    (l.durationMs() >= 3_600_000L || l.endMs() == spec.endMs()) && l.durationMs() <= 3 * 3_600_000L,
                    l.toString());
        }
        // Cadences spread over the hosts.
        Map<Integer, Integer> cadences = new HashMap<>();
        spec.hosts().forEach(h -> cadences.merge(HostTraits.of(spec.seed(), h).feedCadenceMin(), 1, Integer::sum));
        for (int c : HostTraits.FEED_CADENCES_MIN)
            assertTrue(cadences.getOrDefault(c, 0) >= spec.hosts().size() / 5, "cadences " + cadences);
    }

    /**
     * The power-limit ramp: at its start the GPU's limit reads 100 W, five days on 300 W; all along a
     * non-business process holds the board near 100% and its power sits at the limit.
     */
    @ParameterizedTest
    @ValueSource(strings = {"A", "B"})
    void thePowerLimitRampClimbsFrom100To300WattsUnderANonBusinessProcess(String name) {
        SyntheticSite site = site(name);
        for (Label l : site.miningLabels()) {
            if (!l.scenario().equals("power_limit_ramp")) continue;
            String host = hostOf(l);
            String gpu = l.entity().substring(l.entity().indexOf(':') + 1);
            for (long at : new long[] {l.startMs(), l.startMs() + 5 * DAY + 3_600_000L}) {
                double[] limit = {Double.NaN, 0, 0}; // {limit, gpu points, miner points}
                site.run(at, at + 10 * 60_000L, Set.of("gpu", "gpu_process"), p -> {
                    if (!host.equals(p.tags().get("host"))
                            || !gpu.equals(p.tags().get("gpu"))) return;
                    if (p.measurement().equals("gpu")) {
                        limit[0] = p.number("power_limit_w");
                        limit[1]++;
                        assertTrue(p.number("util_pct") > 97, p.toLineProtocol());
                        assertEquals(limit[0], p.number("power_w"), 8, p.toLineProtocol());
                    } else if (Boolean.FALSE.equals(p.fields().get("business"))) {
                        limit[2]++;
                    }
                });
                assertEquals(at == l.startMs() ? 100 : 300, limit[0], 1, l.id() + " at " + Instant.ofEpochMilli(at));
                assertTrue(
                        limit[1] >= 8 && limit[2] >= limit[1], l.id() + " points " + limit[1] + " miner " + limit[2]);
            }
        }
    }

    /**
     * Business feeds: each host writes business_load only on its cadence's marks, and nothing during a feed stop,
     * while its outlet goes on; checked over the first two days.
     */
    @ParameterizedTest
    @ValueSource(strings = {"A", "B"})
    void businessFeedsKeepTheirCadenceAndFallSilentInAStop(String name) {
        SyntheticSite site = site(name);
        SiteSpec spec = site.spec();
        long to = spec.startMs() + 2 * DAY;
        Map<String, Long> cadenceMs = new HashMap<>();
        spec.hosts()
                .forEach(h ->
                        cadenceMs.put(h.name(), HostTraits.of(spec.seed(), h).feedCadenceMin() * 60_000L));
        Map<String, List<Label>> stops = site.labels().stream()
                .filter(l -> l.scenario().equals("business_feed_stop") && l.startMs() < to)
                .collect(Collectors.groupingBy(Label::entity));
        assertFalse(stops.isEmpty(), "feed stops in the first two days");
        Map<String, Integer> inStop = new HashMap<>(); // label id -> outlet points during it
        Map<String, Integer> feedPoints = new HashMap<>();
        site.run(spec.startMs(), to, Set.of("business_load", "meter"), p -> {
            String host = p.measurement().equals("meter")
                    ? p.tags().get("host")
                    : p.tags().get("entity");
            if (host == null) return;
            Label stop = stops.getOrDefault(host, List.of()).stream()
                    .filter(l -> p.timeMs() >= l.startMs() && p.timeMs() < l.endMs())
                    .findFirst()
                    .orElse(null);
            if (p.measurement().equals("business_load")) {
                assertEquals(0, p.timeMs() % cadenceMs.get(host), p.toLineProtocol());
                if (stop != null) fail("business point during " + stop + ": " + p.toLineProtocol());
                feedPoints.merge(host, 1, Integer::sum);
            } else if (stop != null) {
                inStop.merge(stop.id(), 1, Integer::sum);
            }
        });
        for (List<Label> ls : stops.values())
            for (Label l : ls) assertTrue(inStop.getOrDefault(l.id(), 0) > 0, "the outlet stops too in " + l);
        for (SiteSpec.HostSpec h : spec.hosts()) {
            long expected = 2 * DAY / cadenceMs.get(h.name());
            assertTrue(feedPoints.getOrDefault(h.name(), 0) <= expected, h.name());
            assertTrue(
                    feedPoints.getOrDefault(h.name(), 0) >= 0.7 * expected, h.name() + " " + feedPoints.get(h.name()));
        }
    }

    /** The feed's error: within 0.85-1.15 of the true share at every step, and spread across hosts. */
    @ParameterizedTest
    @ValueSource(strings = {"A", "B"})
    void theBusinessFeedIsOffByAtMostFifteenPercent(String name) {
        SiteSpec spec = site(name).spec();
        double lo = 2;
        double hi = 0;
        for (SiteSpec.HostSpec h : spec.hosts()) {
            HostTraits t = HostTraits.of(spec.seed(), h);
            for (long step = 0; step < spec.steps(); step += 97) {
                double b = t.businessBias(step, spec.stepMs());
                assertTrue(b >= 0.85 && b <= 1.15, h.name() + " " + b);
                lo = Math.min(lo, b);
                hi = Math.max(hi, b);
            }
        }
        assertTrue(lo < 0.9 && hi > 1.1, lo + " .. " + hi);
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
            if (t >= from && t < to) {
                now[0] += w;
                now[1]++;
            } else if (t >= from - 7 * DAY && t < to - 7 * DAY) {
                before[0] += w;
                before[1]++;
            }
        }

        double measured() {
            return now[0] / now[1] - before[0] / before[1];
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"A", "B"})
    void theLabelledExcessIsInTheDataAndOnlyTheContainerMinerLeavesEvidence(String name) {
        SyntheticSite site = site(name);
        SiteSpec spec = site.spec();
        List<Label> mining = site.miningLabels();
        Map<String, List<Windows>> byEntity = new HashMap<>();
        List<Windows> all = new ArrayList<>();
        for (Label l : mining) {
            Windows w = new Windows(l);
            all.add(w);
            byEntity.computeIfAbsent(l.entity(), k -> new ArrayList<>()).add(w);
        }
        Map<String, Integer> hostsPerRack = spec.racks().stream()
                .collect(
                        Collectors.toMap(SiteSpec.RackSpec::name, r -> r.hosts().size()));
        Map<String, double[]> rackStep = new HashMap<>(); // rack -> {host outlet sum, count, time}
        Map<String, List<Label>> container = mining.stream()
                .filter(l -> l.scenario().equals("allowlisted_container_miner"))
                .collect(Collectors.groupingBy(Label::entity));
        Map<String, Integer> evidence = new HashMap<>();
        Map<String, double[]> business = new HashMap<>(); // label id -> {sum, n}
        long from = all.stream().mapToLong(w -> w.from - 7 * DAY).min().orElseThrow();
        long to = all.stream().mapToLong(w -> w.to).max().orElseThrow();
        long t0 = System.nanoTime();
        long[] points = {0};
        site.run(from, to, Set.of("meter", "evidence", "business_load", "gpu"), p -> {
            points[0]++;
            switch (p.measurement()) {
                case "meter" -> meter(p, byEntity, hostsPerRack, rackStep);
                case "gpu" -> {
                    // A GPU-level label is measured on its own board, which nothing else on the host moves.
                    List<Windows> ws =
                            byEntity.get(p.tags().get("host") + ":" + p.tags().get("gpu"));
                    if (ws != null)
                        for (Windows x : ws) x.add(p.timeMs(), p.number("power_w") / HostModel.PSU_EFFICIENCY);
                }
                case "evidence" -> {
                    String host = p.tags().get("host");
                    Label l = container.getOrDefault(host, List.of()).stream()
                            .filter(x -> p.timeMs() >= x.startMs() && p.timeMs() < x.endMs())
                            .findFirst()
                            .orElse(null);
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
        System.out.printf(
                "%s: %d points (meter, evidence, business_load, gpu) over %.1f days in %.2f s%n",
                spec.site(), points[0], (to - from) / (double) DAY, seconds);

        for (Windows w : all) {
            double measured = w.measured();
            System.out.printf(
                    "%-34s %-8s labelled %7.1f W measured %7.1f W%n",
                    w.label.id(), w.label.entity(), w.label.excessW(), measured);
            assertEquals(w.label.excessW(), measured, 0.25 * w.label.excessW(), w.label.toString());
        }
        for (List<Label> ls : container.values()) {
            for (Label l : ls) {
                long expected = l.durationMs() / 300_000L;
                assertTrue(
                        evidence.getOrDefault(l.id(), 0) >= 0.8 * expected,
                        l.id() + " evidence " + evidence.get(l.id()));
            }
        }
        for (Label l : mining) {
            if ("gpu".equals(l.level())) continue; // the business feed is per host
            double[] b = business.get(l.id());
            if (b == null) continue;
            double mean = b[0] / b[1];
            switch (l.scenario()) {
                // The allowlisted container's miner counts as business: the load explains the power (to within
                // the feed's own error of up to 15%).
                case "allowlisted_container_miner" -> assertTrue(mean > 0.8, l.id() + " business " + mean);
                // The others are not business: at night the business load stays low.
                case "night_gpu_miner", "cpu_randomx", "cpu_randomx_no_rapl" ->
                    assertTrue(mean < 0.3, l.id() + " business " + mean);
                default -> {}
            }
        }
    }

    private static void meter(
            SitePoint p,
            Map<String, List<Windows>> byEntity,
            Map<String, Integer> hostsPerRack,
            Map<String, double[]> rackStep) {
        String kind = p.tags().get("kind");
        String host = p.tags().get("host");
        double w = p.number("power_w");
        if (kind.equals("outlet")) {
            if (host == null) return;
            for (Windows x : byEntity.getOrDefault(host, List.of())) x.add(p.timeMs(), w);
            double[] a = rackStep.computeIfAbsent(p.tags().get("rack"), k -> new double[3]);
            if (a[2] != p.timeMs()) {
                a[0] = 0;
                a[1] = 0;
                a[2] = p.timeMs();
            }
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

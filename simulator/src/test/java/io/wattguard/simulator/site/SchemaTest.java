package io.wattguard.simulator.site;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The names and types of DESIGN.md section 3, and counters that only go back where a reset is labelled. */
class SchemaTest {
    static SyntheticSite site;

    @BeforeAll
    static void site() {
        site = new SyntheticSite(SiteSpec.small());
    }

    static final Map<String, Set<String>> TAGS = Map.of(
            "gpu", Set.of("host", "rack", "room", "site", "gpu", "uuid", "model"),
            "host", Set.of("host", "rack", "room", "site"),
            "business_load", Set.of("entity", "level", "source"),
            "gpu_process", Set.of("host", "rack", "room", "site", "gpu", "process"),
            "evidence", Set.of("host", "rack", "room", "site", "kind", "process"));

    static final Map<String, Map<String, Class<?>>> FIELDS = Map.of(
            "gpu",
                    Map.of(
                            "util_pct",
                            Double.class,
                            "mem_util_pct",
                            Double.class,
                            "power_w",
                            Double.class,
                            "power_limit_w",
                            Double.class,
                            "energy_j",
                            Double.class,
                            "temp_c",
                            Double.class),
            "host", Map.of("cpu_util_pct", Double.class, "cpu_power_w", Double.class, "mem_used_pct", Double.class),
            "business_load", Map.of("value", Double.class, "raw", Double.class),
            "gpu_process",
                    Map.of(
                            "pid",
                            Long.class,
                            "sm_util_pct",
                            Double.class,
                            "user",
                            String.class,
                            "container",
                            String.class,
                            "exe",
                            String.class,
                            "business",
                            Boolean.class),
            "evidence", Map.of("pid", Long.class, "detail", String.class, "score", Double.class),
            "meter", Map.of("power_w", Double.class, "energy_kwh", Double.class));

    /** The small site's CPU servers without RAPL. */
    static final Set<String> noRapl = Set.copyOf(SiteSpec.small().hosts().stream()
            .filter(h -> !h.model().reportsComponentPower())
            .map(SiteSpec.HostSpec::name)
            .toList());

    @Test
    void everyPointHasTheContractNamesAndTypes() {
        Set<String> seen = new TreeSet<>();
        Set<String> meterKinds = new TreeSet<>();
        Set<Object> checkedTags = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        site.run(p -> {
            seen.add(p.measurement());
            Set<String> expectedTags = TAGS.get(p.measurement());
            if (p.measurement().equals("meter")) {
                String kind = p.tags().get("kind");
                meterKinds.add(kind + (p.tags().containsKey("host") ? "+host" : ""));
                expectedTags = switch (kind) {
                    case "outlet" ->
                        p.tags().containsKey("host")
                                ? Set.of("device", "channel", "kind", "rack", "room", "host", "site")
                                : Set.of("device", "channel", "kind", "rack", "room", "site");
                    case "inlet" -> Set.of("device", "channel", "kind", "rack", "room", "site");
                    case "meter" -> Set.of("device", "channel", "kind", "room", "site");
                    default -> throw new AssertionError("meter kind " + kind);
                };
            }
            if (expectedTags == null) fail("unexpected measurement " + p.measurement());
            // Tag maps are shared per series: check each distinct one once, keeps this test fast.
            if (checkedTags.add(p.tags())) assertEquals(expectedTags, p.tags().keySet(), p::toLineProtocol);
            Map<String, Class<?>> fields = FIELDS.get(p.measurement());
            Set<String> expectedFields = fields.keySet();
            // A host without RAPL has no package power to report.
            if (p.measurement().equals("host") && noRapl.contains(p.tags().get("host"))) {
                expectedFields = new TreeSet<>(expectedFields);
                expectedFields.remove("cpu_power_w");
            }
            if (!expectedFields.equals(p.fields().keySet())) fail("fields of " + p.toLineProtocol());
            for (Map.Entry<String, Object> f : p.fields().entrySet()) {
                if (!fields.get(f.getKey()).isInstance(f.getValue()))
                    fail(f.getKey() + " type in " + p.toLineProtocol());
                if (f.getValue() instanceof Double d && (d.isNaN() || d.isInfinite() || d < 0))
                    fail("bad number in " + p.toLineProtocol());
            }
            switch (p.measurement()) {
                case "gpu" -> {
                    if (p.number("util_pct") > 100 || p.number("power_w") > p.number("power_limit_w"))
                        fail(p.toLineProtocol());
                    if (checkedTags.add(p.tags().get("uuid")))
                        assertTrue(p.tags().get("uuid").matches("GPU-[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}"));
                }
                case "business_load" -> {
                    if (p.number("value") > 1.0) fail(p.toLineProtocol());
                    String source = p.tags().get("entity").startsWith("gpu-") ? "allowlist" : "scheduler";
                    if (!source.equals(p.tags().get("source"))
                            || !"host".equals(p.tags().get("level"))) fail(p.toLineProtocol());
                }
                case "evidence" -> {
                    if (!"pool_connection".equals(p.tags().get("kind"))
                            || !"203.0.113.7:3333".equals(p.fields().get("detail"))) fail(p.toLineProtocol());
                }
                default -> {}
            }
        });
        assertEquals(Set.of("business_load", "evidence", "gpu", "gpu_process", "host", "meter"), seen);
        assertEquals(Set.of("inlet", "meter", "outlet", "outlet+host"), meterKinds);
    }

    @Test
    void noTwoPointsShareASeriesAndTimestamp() {
        // InfluxDB keeps one point per measurement, tag set and time: a duplicate would silently lose data.
        Set<Object> step = new java.util.HashSet<>();
        long[] time = {Long.MIN_VALUE};
        site.run(p -> {
            if (p.timeMs() != time[0]) {
                step.clear();
                time[0] = p.timeMs();
            }
            if (!step.add(List.of(p.measurement(), p.tags()))) fail("duplicate " + p.toLineProtocol());
        });
    }

    @Test
    void benignSpikesAreShortAndAtMostAboutAKilowatt() {
        List<Label> spikes = site.labels().stream()
                .filter(l -> l.scenario().equals("benign_spike"))
                .toList();
        assertFalse(spikes.isEmpty());
        for (Label l : spikes) {
            assertFalse(l.mining());
            assertTrue(l.durationMs() <= 10 * 60_000L, l.toString());
            assertTrue(l.excessW() > 0 && l.excessW() <= 1200, l.toString());
        }
    }

    @Test
    void leanSitesWriteNoProcesses() {
        SyntheticSite lean =
                new SyntheticSite(SiteSpec.small().toBuilder().lean(true).build());
        long to = lean.startMs() + 86_400_000L;
        long[] procs = {0};
        lean.run(lean.startMs(), to, p -> {
            if (p.measurement().equals("gpu_process")) procs[0]++;
        });
        assertEquals(0, procs[0]);
        assertTrue(lean.count(lean.startMs(), to) < site.count(site.startMs(), to));
    }

    @Test
    void aThousandHostBenchSiteIsPlannedSmallAndLean() {
        SiteSpec spec = SiteSpec.bench(1000, 30);
        assertEquals(1000, spec.hosts().size());
        SyntheticSite bench = new SyntheticSite(spec);
        assertTrue(bench.miningLabels().size() >= 10);
        long hour = bench.startMs() + 3_600_000L;
        long[] procs = {0, 0};
        bench.run(bench.startMs(), hour, p -> {
            procs[0]++;
            if (p.measurement().equals("gpu_process")) procs[1]++;
        });
        assertEquals(0, procs[1]);
        assertEquals(procs[0], bench.count(bench.startMs(), hour));
    }

    @Test
    void countersNeverDecreaseExceptAtALabelledReset() {
        // Series by tag map identity: the site shares one tag map per series (checked by the count below).
        Map<Object, double[]> last = new java.util.IdentityHashMap<>(); // series -> {time, value}
        List<Label> resets = site.labels().stream()
                .filter(l -> l.scenario().equals("counter_reset"))
                .toList();
        assertFalse(resets.isEmpty(), "small() should contain a counter reset to test");
        int[] seenResets = {0};
        site.run(p -> {
            String field =
                    p.measurement().equals("gpu") ? "energy_j" : p.measurement().equals("meter") ? "energy_kwh" : null;
            if (field == null) return;
            Object series = p.tags();
            double v = p.number(field);
            double[] prev = last.put(series, new double[] {p.timeMs(), v});
            if (prev == null || v >= prev[1]) return;
            String entity = p.measurement().equals("gpu")
                    ? p.tags().get("host")
                    : p.tags().get("rack");
            boolean labelled = resets.stream()
                    .anyMatch(l -> l.entity().equals(entity) && l.startMs() > prev[0] && l.startMs() <= p.timeMs());
            assertTrue(labelled, "unlabelled counter decrease in " + series + " at " + p.timeMs());
            seenResets[0]++;
        });
        assertTrue(seenResets[0] > 0);
        assertTrue(last.size() < 200, "series " + last.size());
    }

    @Test
    void theCalendarIsPlainData() {
        SiteSpec spec = SiteSpec.evaluation();
        assertEquals("Europe/Berlin", spec.zone().getId());
        assertEquals(java.time.LocalTime.of(8, 0), spec.businessHours().from());
        assertTrue(spec.holidays().contains(java.time.LocalDate.of(2026, 4, 3)));
        SiteSpec.MaintenanceWindow w = spec.maintenanceWindows().get(0);
        assertEquals(7, w.days().size());
        assertFalse(w.hosts().isEmpty());
        SyntheticSite s = new SyntheticSite(spec);
        for (Label l : s.labels()) {
            if (!l.scenario().equals("nightly_backup")) continue;
            assertTrue(w.hosts().contains(l.entity()));
            var from = java.time.Instant.ofEpochMilli(l.startMs())
                    .atZone(spec.zone())
                    .toLocalTime();
            var to = java.time.Instant.ofEpochMilli(l.endMs())
                    .atZone(spec.zone())
                    .toLocalTime();
            assertTrue(!from.isBefore(w.from()) && !to.isAfter(w.to()), l.toString());
        }
    }
}

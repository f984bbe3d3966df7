package io.wattguard.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.analytics.Readings.BusinessLoadReading;
import io.wattguard.analytics.Readings.EvidenceReading;
import io.wattguard.analytics.Readings.GpuReading;
import io.wattguard.analytics.Readings.HostReading;
import io.wattguard.analytics.Readings.MeterReading;
import io.wattguard.analytics.Readings.ProcessReading;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A small rack written by hand here (the simulator's site is the independent evaluation): six 4-GPU hosts
 * whose GPUs work office hours for allowlisted processes, an inlet meter, ten days at one-minute steps.
 */
class AnalyzerTest {
    private static final long MIN = 60_000;
    private static final long DAY = 1440 * MIN;
    private static final ZoneId ZONE = ZoneId.of("UTC");
    static final long T0 =
            ZonedDateTime.of(2026, 3, 2, 0, 0, 0, 0, ZONE).toInstant().toEpochMilli();

    /** Something that happens to one host, by minute since T0. */
    interface Scenario {
        /** Extra GPU util share (0..1 per GPU) the business does not explain, on each GPU. */
        default double unexplainedUtil(String host, long minute) {
            return 0;
        }

        default double rogueOutletW(long minute) {
            return 0;
        }

        /** The channel the PDU names its inlet reading. */
        default String inletChannel(long minute) {
            return "total";
        }

        default boolean poolConnection(String host, long minute) {
            return false;
        }

        default double allowlistedExtraUtil(String host, long minute) {
            return 0;
        }
        /** Watts at the host's outlet that no component reports (a PSU, fans, a second device on the outlet). */
        default double outletOnlyW(String host, long minute) {
            return 0;
        }
        /** Watts more on each GPU at unchanged utilisation (a raised power limit, higher clocks). */
        default double gpuExtraW(String host, long minute) {
            return 0;
        }
        /** Whether the host's agent reports no GPU or CPU power, only utilisation. */
        default boolean noComponentPower(String host) {
            return false;
        }
        /** A process the allowlist does not cover, at this SM utilisation (percent) on GPU 0; 0 for none. */
        default double nonBusinessProcessPct(String host, long minute) {
            return 0;
        }
        /** Whether the host's agent lists its GPU processes (the business jobs marked as such). */
        default boolean listsProcesses(String host) {
            return false;
        }
        /** Whether the agent judges processes against an allowlist (else no {@code business} field at all). */
        default boolean allowlist(String host) {
            return true;
        }
        /** A non-business process keeps this GPU at this share (0..1) instead of its business work; 0 for none. */
        default double gpuMinerUtil(String host, int gpu, long minute) {
            return 0;
        }
        /** This GPU's power limit in watts (its draw is capped there). */
        default double gpuLimitW(String host, int gpu, long minute) {
            return 300;
        }
    }

    static final class Recorder implements AnalysisOutput {
        final Map<String, Episode> last = new LinkedHashMap<>();
        final List<Episode> all = new ArrayList<>();
        long baselines;

        @Override
        public void baseline(
                long timeMs,
                String entity,
                String level,
                double actualW,
                double expectedW,
                double upperW,
                double residualW,
                double score,
                double businessLoad) {
            baselines++;
        }

        @Override
        public void episode(Episode e) {
            all.add(e);
            last.put(e.id(), e);
        }

        List<Episode> episodes() {
            return new ArrayList<>(last.values());
        }
    }

    static Recorder run(int days, long seed, Scenario s) {
        return run(days, seed, s, AnalysisSettings.defaults());
    }

    static Recorder run(int days, long seed, Scenario s, AnalysisSettings settings) {
        return run(days, seed, s, settings, Schedule.always());
    }

    static Recorder run(int days, long seed, Scenario s, AnalysisSettings settings, Schedule schedule) {
        return run(days, seed, s, settings, schedule, a -> {});
    }

    /** As above; {@code setup} sees the analyzer before the first step (to ask for an explanation). */
    static Recorder run(
            int days,
            long seed,
            Scenario s,
            AnalysisSettings settings,
            Schedule schedule,
            java.util.function.Consumer<Analyzer> setup) {
        Recorder rec = new Recorder();
        Analyzer a = new Analyzer(settings, schedule, Map.of(), Map.of(), rec);
        setup.accept(a);
        StepAssembler asm = new StepAssembler(MIN, a::step);
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] outletKwh = new double[7];
        double inletKwh = 0;
        for (long m = 0; m < days * 1440L; m++) {
            long t = T0 + m * MIN;
            int hour = (int) (m % 1440 / 60);
            int dow = (int) (m / 1440 % 7); // T0 is a Monday
            boolean office = dow < 5 && hour >= 8 && hour < 18;
            double rackOutlets = 0;
            for (int h = 0; h < 6; h++) {
                String host = "h" + h;
                double work = office ? 0.5 + 0.3 * Math.sin(m / 37.0 + h) : 0.05;
                double allow = s.allowlistedExtraUtil(host, m);
                double extra = s.unexplainedUtil(host, m);
                double util = Math.min(1, work + allow + extra);
                double gpuW = 0;
                boolean blind = s.noComponentPower(host);
                for (int g = 0; g < 4; g++) {
                    double miner = s.gpuMinerUtil(host, g, m);
                    double u = miner > 0 ? miner : util;
                    double limit = s.gpuLimitW(host, g, m);
                    double w = Math.min(limit, 50 + 250 * u + s.gpuExtraW(host, m)) + 5 * gaussian(rnd);
                    gpuW += w;
                    asm.gpu(new GpuReading(
                            t,
                            host,
                            "r1",
                            "room1",
                            Integer.toString(g),
                            "NVIDIA L4",
                            u * 100,
                            u * 40,
                            blind ? Double.NaN : w,
                            limit,
                            Double.NaN));
                    if (miner > 0) {
                        asm.process(new ProcessReading(
                                t,
                                host,
                                Integer.toString(g),
                                "xmrig",
                                31337,
                                miner * 100,
                                s.allowlist(host) ? Boolean.FALSE : null,
                                "nobody",
                                "crypto-1"));
                    } else if (s.listsProcesses(host) && work + allow > 0.05) {
                        asm.process(new ProcessReading(
                                t,
                                host,
                                Integer.toString(g),
                                "tritonserver",
                                4000 + g,
                                (work + allow) * 100,
                                s.allowlist(host) ? Boolean.TRUE : null,
                                "svc-infer",
                                "triton"));
                    }
                }
                double cpu = 0.1 + 0.2 * util;
                asm.host(new HostReading(t, host, "r1", "room1", cpu * 100, blind ? Double.NaN : 60 + 100 * cpu));
                double proc = s.nonBusinessProcessPct(host, m);
                if (proc > 0) {
                    asm.process(new ProcessReading(t, host, "0", "xmrig", 31337, proc, false, "nobody", ""));
                }
                double outlet = (gpuW + 60 + 100 * cpu + 120) / 0.94 + s.outletOnlyW(host, m) + 8 * gaussian(rnd);
                outletKwh[h] += outlet / 60_000;
                rackOutlets += outlet;
                asm.meter(new MeterReading(
                        t, "pdu-r1", Integer.toString(h + 1), "outlet", host, "r1", "room1", outlet, outletKwh[h]));
                asm.businessLoad(new BusinessLoadReading(t, host, "host", "allowlist", Math.min(1, work + allow)));
                if (s.poolConnection(host, m)) {
                    asm.evidence(
                            new EvidenceReading(t, host, "pool_connection", "trainer", 4242, "203.0.113.7:3333", 0.9));
                }
            }
            double rogue = s.rogueOutletW(m);
            if (rogue > 0) {
                asm.meter(new MeterReading(t, "pdu-r1", "24", "outlet", null, "r1", "room1", rogue, Double.NaN));
            }
            double inlet = rackOutlets + rogue + 15 + 5 * gaussian(rnd);
            inletKwh += inlet / 60_000;
            asm.meter(new MeterReading(t, "pdu-r1", s.inletChannel(m), "inlet", null, "r1", "room1", inlet, inletKwh));
            asm.advanceTo(t + MIN);
        }
        return rec;
    }

    static double gaussian(SplittableRandom r) {
        return RobustLinearModelTest.gaussian(r);
    }

    @Test
    void tenQuietDaysRaiseNothing() {
        Recorder r = run(10, 1, new Scenario() {});
        assertEquals(List.of(), r.episodes());
        assertTrue(r.baselines > 9 * 1440 * 6, "a baseline row per host and step once models exist: " + r.baselines);
    }

    @Test
    void aNightMinerIsFoundDatedMeasuredAndPointsAtItsGpus() {
        long start = 8 * 1440 + 22 * 60; // day 8, 22:00
        long end = start + 6 * 60;
        Recorder r = run(10, 2, new Scenario() {
            @Override
            public double unexplainedUtil(String host, long m) {
                return host.equals("h3") && m >= start && m < end ? 0.95 : 0;
            }
        });
        List<Episode> eps = r.episodes();
        assertEquals(1, eps.size(), "one episode: " + eps);
        Episode e = eps.get(0);
        assertEquals("h3", e.entity());
        assertEquals("host", e.level());
        assertEquals("unexplained_power", e.kind());
        assertEquals(Episode.State.CLOSED, e.state());
        assertTrue(Math.abs(e.startedMs() - (T0 + start * MIN)) <= 3 * MIN, "dated to the change: " + e);
        assertTrue(e.delayMs() <= 10 * MIN, "detected within 10 minutes: " + e.delayMs() / MIN);
        assertTrue(Math.abs(e.endedMs() - (T0 + end * MIN)) <= 15 * MIN, "closed when it stopped: " + e);
        // 4 GPUs x 250 W x ~0.9 more util, through a 94% supply, plus CPU: about 1.1 kW for 6 hours.
        double expectedKwh = 4 * 250 * 0.9 / 0.94 * 6 / 1000;
        assertEquals(expectedKwh, e.energyKwh(), expectedKwh * 0.2, "energy: " + e);
        assertTrue(
                e.evidenceJson().contains("\"gpu\":\"h3:0\"")
                        && e.evidenceJson().contains("\"channel\":\"4\""),
                "names its GPUs and its outlet: " + e.evidenceJson());
        long opened = r.all.stream().filter(x -> x.id().equals(e.id())).count();
        assertTrue(opened > 300, "written while it grows: " + opened);
    }

    @Test
    void aRogueRigOnAnOutletWithNoHostIsUnaccountedPowerOfItsRack() {
        long start = 8 * 1440 + 10 * 60;
        Recorder r = run(10, 3, new Scenario() {
            @Override
            public double rogueOutletW(long m) {
                return rig(m, start);
            }
        });
        onlyTheRig(r, start);
    }

    /** A 900 W rig on outlet 24 of the rack from {@code start} (minutes), 2 W of standby before. */
    private static double rig(long minute, long start) {
        return minute >= start ? 900 + 20 * Math.sin(minute) : 2;
    }

    /** The only episode is the rig's: its rack's unaccounted power, dated to it, found fast, at its size. */
    private static void onlyTheRig(Recorder r, long start) {
        List<Episode> eps = r.episodes();
        assertEquals(1, eps.size(), "only the rig: " + eps);
        Episode e = eps.get(0);
        assertEquals("r1", e.entity());
        assertEquals("unaccounted_power", e.kind());
        assertEquals(T0 + start * MIN, e.startedMs(), 2 * MIN, "dated to the rig: " + e);
        assertTrue(e.delayMs() <= 10 * MIN, "delay " + e.delayMs() / MIN);
        assertEquals(900, e.excessW(), 90, "its size, the rack's supply counted once: " + e);
        assertTrue(e.evidenceJson().contains("\"channel\":\"24\""), "names the outlet: " + e.evidenceJson());
    }

    /**
     * The rack's inlet reading changes its name at 09:00 (a PDU firmware that calls it {@code inlet}, a meter
     * moved to another collector): the same supply, read once. The rack keeps its balance through the rename,
     * so a rig plugged in an hour later is found as fast as before; counted twice, the supply would look like a
     * rack-sized unaccounted load, and with the old name silent the rack would have no balance for a day.
     */
    @Test
    void aRenamedRackInletIsTheSameSupplyAndTheRackKeepsItsBalance() {
        long rename = 8 * 1440 + 9 * 60;
        long rig = rename + 60;
        Recorder r = run(10, 3, new Scenario() {
            @Override
            public String inletChannel(long m) {
                return m < rename ? "total" : "inlet";
            }

            @Override
            public double rogueOutletW(long m) {
                return rig(m, rig);
            }
        });
        onlyTheRig(r, rig);
    }

    @Test
    void aMinerInAnAllowlistedContainerIsCaughtByItsPoolConnection() {
        long start = 8 * 1440;
        Recorder r = run(10, 4, new Scenario() {
            @Override
            public double allowlistedExtraUtil(String host, long m) {
                return host.equals("h1") && m >= start ? 0.4 : 0;
            }

            @Override
            public boolean poolConnection(String host, long m) {
                return host.equals("h1") && m >= start && m % 5 == 0;
            }
        });
        Map<String, List<Episode>> byKind = r.episodes().stream().collect(Collectors.groupingBy(Episode::kind));
        assertEquals(
                Map.of("pool_connection", 1),
                byKind.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, x -> x.getValue()
                        .size())),
                "episodes: " + r.episodes());
        Episode e = byKind.get("pool_connection").get(0);
        assertEquals("h1", e.entity());
        assertEquals(Episode.Severity.HIGH, e.severity());
        assertEquals(T0 + start * MIN, e.detectedMs());
        assertTrue(e.evidenceJson().contains("203.0.113.7:3333"), e.evidenceJson());
        assertTrue(e.title().contains("203.0.113.7:3333"), e.title());
    }

    @Test
    void aMinerRunningForWeeksIsNeverLearnedAsNormal() {
        // 300 W more on h4 from day 8 to day 33: the baseline keeps refitting every midnight, but the hours of
        // an open episode are not learned, so it stays one episode until the miner stops.
        long start = 8 * 1440 + 13 * 60;
        long end = 33 * 1440 + 9 * 60;
        Recorder r = run(36, 6, new Scenario() {
            @Override
            public double unexplainedUtil(String host, long m) {
                return host.equals("h4") && m >= start && m < end ? 0.3 : 0;
            }
        });
        List<Episode> eps = r.episodes();
        assertEquals(1, eps.size(), "one episode for the whole run: " + eps);
        Episode e = eps.get(0);
        assertEquals("h4", e.entity());
        assertTrue(Math.abs(e.startedMs() - (T0 + start * MIN)) <= 5 * MIN, "dated to the change: " + e);
        assertTrue(Math.abs(e.endedMs() - (T0 + end * MIN)) <= 15 * MIN, "open until it stopped: " + e);
    }

    @Test
    void gpusBusyOutOfHoursWithoutBusinessOpenOffHoursGpuAfterHalfAnHour() {
        long start = 8 * 1440 + 22 * 60; // day 8, 22:00, after office hours (08:00-18:00 UTC, weekdays)
        Schedule office = Schedule.builder(ZONE)
                .hours(
                        java.util.EnumSet.range(java.time.DayOfWeek.MONDAY, java.time.DayOfWeek.FRIDAY),
                        java.time.LocalTime.of(8, 0),
                        java.time.LocalTime.of(18, 0))
                .build();
        Recorder r = run(
                10,
                7,
                new Scenario() {
                    @Override
                    public double unexplainedUtil(String host, long m) {
                        return host.equals("h1") && m >= start && m < start + 120 ? 0.9 : 0;
                    }
                },
                AnalysisSettings.defaults(),
                office);
        List<Episode> off = r.episodes().stream()
                .filter(e -> e.kind().equals("off_hours_gpu"))
                .toList();
        assertEquals(1, off.size(), "one off_hours_gpu: " + r.episodes());
        Episode e = off.get(0);
        assertEquals("h1", e.entity());
        assertEquals(T0 + start * MIN, e.startedMs());
        assertEquals(30, e.delayMs() / MIN, "after off_hours_for");
        assertEquals(Episode.State.CLOSED, e.state());
        assertEquals(T0 + (start + 120) * MIN, e.endedMs());
        assertEquals(Episode.Severity.HIGH, e.severity(), "its power episode is open beside it");
        assertTrue(e.energyKwh() > 0, "the power episode's excess energy: " + e);
    }

    @Test
    void aFleetWideRiseIsNotOneHostsAnomaly() {
        // Every host runs 30% more unexplained load for a day: a new workload nobody mapped, not a miner.
        long start = 8 * 1440 + 12 * 60;
        Recorder r = run(10, 5, new Scenario() {
            @Override
            public double unexplainedUtil(String host, long m) {
                return m >= start && m < start + 1440 ? 0.3 : 0;
            }
        });
        assertEquals(
                List.of(),
                r.episodes().stream().filter(e -> e.level().equals("host")).toList());
    }
}

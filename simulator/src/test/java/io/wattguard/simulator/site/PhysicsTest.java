package io.wattguard.simulator.site;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The meters add up: inlet >= its outlets, outlet = components / PSU efficiency, room = its inlets. */
class PhysicsTest {
    @Test
    void inletCoversItsOutletsAndTheRoomItsInlets() {
        SiteSpec spec = SiteSpec.small();
        SyntheticSite site = new SyntheticSite(spec);
        int outletsPerRack = spec.racks().get(0).hosts().size() + 1; // + the spare outlet
        Map<String, double[]> rack = new HashMap<>(); // rack -> {outlet sum, outlet count, time}
        Map<String, double[]> room = new HashMap<>(); // room -> {inlet sum, inlet count, time}
        int[] complete = {0, 0};
        site.run(p -> {
            if (!p.measurement().equals("meter")) return;
            String kind = p.tags().get("kind");
            double w = p.number("power_w");
            if (kind.equals("outlet")) {
                double[] a = rack.computeIfAbsent(p.tags().get("rack"), k -> new double[3]);
                if (a[2] != p.timeMs()) {
                    a[0] = 0;
                    a[1] = 0;
                    a[2] = p.timeMs();
                }
                a[0] += w;
                a[1]++;
            } else if (kind.equals("inlet")) {
                double[] a = rack.get(p.tags().get("rack"));
                if (a != null && a[2] == p.timeMs() && a[1] == outletsPerRack) {
                    complete[0]++;
                    assertTrue(w >= a[0], "inlet " + w + " < outlets " + a[0] + " at " + p.timeMs());
                    assertTrue(w - a[0] <= 25, "PDU overhead " + (w - a[0]));
                }
                double[] r = room.computeIfAbsent(p.tags().get("room"), k -> new double[3]);
                if (r[2] != p.timeMs()) {
                    r[0] = 0;
                    r[1] = 0;
                    r[2] = p.timeMs();
                }
                r[0] += w;
                r[1]++;
            } else {
                double[] r = room.get(p.tags().get("room"));
                if (r != null && r[2] == p.timeMs() && r[1] == spec.racks().size()) {
                    complete[1]++;
                    assertEquals(r[0], w, 0.012 * r[0]);
                }
            }
        });
        long steps = spec.steps();
        assertTrue(complete[0] > 0.9 * steps * spec.racks().size(), "complete rack steps " + complete[0]);
        assertTrue(complete[1] > 0.9 * steps, "complete room steps " + complete[1]);
    }

    /**
     * Outlet = components / PSU efficiency + the host's residual, which is AR(1): its spread is the host's sigma
     * and its lag-one correlation the host's phi (diluted by the 2-3 W of white metering noise beside it).
     */
    @Test
    void outletIsTheHostsComponentsOverPsuEfficiency() {
        SiteSpec spec = SiteSpec.small();
        SyntheticSite site = new SyntheticSite(spec);
        Map<String, HostModel> model = new HashMap<>();
        Map<String, HostTraits> traits = new HashMap<>();
        spec.hosts().forEach(h -> model.put(h.name(), h.model()));
        spec.hosts().forEach(h -> traits.put(h.name(), HostTraits.of(spec.seed(), h)));
        Map<String, double[]> dc = new HashMap<>(); // host -> {dc watts, time}
        Map<String, double[]> stats =
                new HashMap<>(); // host -> {n, sum, sum sq, sum lag products, n lag, last, last time}
        int[] checked = {0};
        long to = spec.startMs() + 2 * 86_400_000L;
        // Outlet bursts are the exception by design: watts at the outlet that no component reports.
        List<Label> bursts = site.labels().stream()
                .filter(l -> l.scenario().equals("outlet_burst"))
                .toList();
        site.run(spec.startMs(), to, java.util.Set.of("gpu", "host", "meter"), p -> {
            String host = p.tags().get("host");
            if (host == null || !model.get(host).reportsComponentPower()) return;
            double[] a = dc.computeIfAbsent(host, k -> new double[2]);
            if (a[1] != p.timeMs()) {
                a[0] = model.get(host).chassisW();
                a[1] = p.timeMs();
            }
            switch (p.measurement()) {
                case "gpu" -> a[0] += p.number("power_w");
                case "host" -> a[0] += p.number("cpu_power_w");
                default -> {
                    // The agent's points come first in a step; an outlet without them is a host dropout.
                    if (a[0] == model.get(host).chassisW()) return;
                    if (bursts.stream()
                            .anyMatch(l ->
                                    l.entity().equals(host) && p.timeMs() >= l.startMs() && p.timeMs() < l.endMs()))
                        return;
                    double expected = a[0] / HostModel.PSU_EFFICIENCY;
                    double residual = p.number("power_w") - expected;
                    assertEquals(0, residual, 10 + 5 * traits.get(host).residualSigmaW(), host + " at " + p.timeMs());
                    double[] st = stats.computeIfAbsent(host, k -> new double[7]);
                    st[0]++;
                    st[1] += residual;
                    st[2] += residual * residual;
                    if (st[6] == p.timeMs() - spec.stepMs()) {
                        st[3] += residual * st[5];
                        st[4]++;
                    }
                    st[5] = residual;
                    st[6] = p.timeMs();
                    checked[0]++;
                }
            }
        });
        assertTrue(checked[0] > 1000);
        for (Map.Entry<String, double[]> e : stats.entrySet()) {
            double[] st = e.getValue();
            HostTraits t = traits.get(e.getKey());
            double mean = st[1] / st[0];
            double var = st[2] / st[0] - mean * mean;
            double sigma = t.residualSigmaW();
            double white = 7; // W^2: 2 W metering noise, 1.5 W / 0.94 package noise, rounding
            double lag1 = (st[3] / st[4] - mean * mean) / var;
            double expectedLag1 = t.residualPhi() * sigma * sigma / (sigma * sigma + white);
            String what = e.getKey() + " sigma " + sigma + " phi " + t.residualPhi() + ": sd " + Math.sqrt(var)
                    + " lag1 " + lag1;
            assertTrue(Math.sqrt(var) > 0.6 * sigma && Math.sqrt(var) < 1.5 * Math.sqrt(sigma * sigma + white), what);
            assertEquals(expectedLag1, lag1, 0.12, what);
        }
    }

    /**
     * An outlet burst adds 300-700 W for 5-20 min at the host's outlet and nothing anywhere else: evaluated with
     * and without it, every GPU's utilisation and power, the CPU's utilisation and package power and the
     * business load are identical; only the outlet differs, by the labelled excess.
     */
    @Test
    void outletBurstsMoveTheOutletAlone() {
        SiteSpec spec = SiteSpec.small();
        SyntheticSite site = new SyntheticSite(spec);
        Planner.Plan plan = new Planner(spec).plan();
        Map<String, SiteSpec.HostSpec> hosts = new HashMap<>();
        spec.hosts().forEach(h -> hosts.put(h.name(), h));
        List<Label> bursts = site.labels().stream()
                .filter(l -> l.scenario().equals("outlet_burst"))
                .toList();
        // 12 hosts x 7 days at one a week on average.
        assertTrue(bursts.size() >= 5, "bursts " + bursts.size());
        SiteClock clock = new SiteClock(spec);
        Set<String> onGpuHosts = new HashSet<>();
        for (Label l : bursts) {
            assertFalse(l.mining(), l.toString());
            assertEquals("host", l.level(), l.toString());
            assertTrue(l.durationMs() >= 5 * 60_000L && l.durationMs() <= 20 * 60_000L, l.toString());
            assertTrue(l.excessW() >= 0.98 * 300 && l.excessW() <= 1.02 * 700, l.toString());
            Event ev = plan.eventOfLabel().get(l.id());
            HostSim sim = new HostSim(
                    spec.seed(), hosts.get(l.entity()), plan.hostEvents().get(l.entity()));
            if (sim.gpus > 0) onGpuHosts.add(l.entity());
            for (long s = ev.start(); s < ev.end(); s++) {
                List<Event> active = sim.events.advance(s);
                clock.at(s);
                sim.evaluate(s, clock, active, null);
                double[] power = sim.power.clone();
                double[] util = sim.util.clone();
                double cpuW = sim.cpuPowerW;
                double cpuUtil = sim.cpuUtil;
                double business = sim.businessValue;
                double outlet = sim.outletW;
                sim.evaluate(s, clock, active, ev);
                assertArrayEquals(sim.power, power, l.id());
                assertArrayEquals(sim.util, util, l.id());
                assertEquals(sim.cpuPowerW, cpuW, 0, l.id());
                assertEquals(sim.cpuUtil, cpuUtil, 0, l.id());
                assertEquals(sim.businessValue, business, 0, l.id());
                assertEquals(ev.amount(), outlet - sim.outletW, 0.021 * ev.amount(), l.id());
            }
        }
        assertFalse(onGpuHosts.isEmpty(), "bursts on GPU servers too");
    }

    @Test
    void gpuPowerFollowsTheModel() {
        HostModel a = HostModel.A100X8;
        assertEquals(60, a.gpuPowerW(0, 0, 0), 1e-9);
        assertEquals(400, a.gpuPowerW(1, 1, 0), 1e-9);
        assertTrue(a.gpuPowerW(0.5, 0.3, 0) > 200 && a.gpuPowerW(0.5, 0.3, 0) < 260);
        assertEquals(3700, a.nameplateW());
        assertEquals(1900, HostModel.L40SX4.nameplateW());
        assertEquals(400, HostModel.CPU.nameplateW());
        assertEquals(400, HostModel.CPU.cpuPowerW(1) + HostModel.CPU.chassisW(), 1e-9);
        assertEquals(150, HostModel.CPU.cpuPowerW(0) + HostModel.CPU.chassisW(), 1e-9);
    }
}

package io.wattguard.source.host;

import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code host} measurement's values: CPU utilisation from {@code /proc/stat}, CPU package power from the
 * RAPL energy counters and memory use from {@code /proc/meminfo}. Utilisation and power are rates, so the
 * first reading only sets the starting point and later readings report the change since the one before.
 */
final class HostMetrics {
    private static final Logger log = LoggerFactory.getLogger(HostMetrics.class);

    /** What one reading gives; NaN where the host does not say (no RAPL, first reading). */
    record Values(double cpuUtilPct, double cpuPowerW, double memUsedPct) {}

    private final HostFs fs;
    private final Clock clock;
    private long prevBusy = -1;
    private long prevTotal = -1;
    private final Map<String, Long> prevEnergyUj = new HashMap<>();
    private long prevEnergyMs = -1;
    private boolean raplAbsentSaid;

    HostMetrics(HostFs fs, Clock clock) {
        this.fs = fs;
        this.clock = clock;
    }

    Values read() {
        return new Values(cpuUtil(), cpuPower(), memUsed());
    }

    /** Busy share of all CPUs since the last reading: everything but idle and iowait, out of all jiffies. */
    private double cpuUtil() {
        String stat = fs.text("/proc/stat");
        if (stat == null) {
            return Double.NaN;
        }
        String first =
                stat.lines().filter(l -> l.startsWith("cpu ")).findFirst().orElse(null);
        if (first == null) {
            return Double.NaN;
        }
        String[] f = first.trim().split("\\s+");
        long total = 0;
        long idle = 0;
        // user nice system idle iowait irq softirq steal [guest guest_nice]: guest time is already in user and
        // nice, so only the first eight add up to the total.
        for (int i = 1; i < Math.min(f.length, 9); i++) {
            long v = HostFs.parseLong(f[i], 0);
            total += v;
            if (i == 4 || i == 5) {
                idle += v;
            }
        }
        long busy = total - idle;
        double out = Double.NaN;
        if (prevTotal >= 0 && total > prevTotal && busy >= prevBusy) {
            out = 100.0 * (busy - prevBusy) / (total - prevTotal);
        }
        prevBusy = busy;
        prevTotal = total;
        return out;
    }

    /**
     * Sum over CPU packages of the energy used since the last reading, divided by the time between readings.
     * A counter that went down wrapped at {@code max_energy_range_uj}: the energy is what was left to the top
     * plus what it counted from zero.
     */
    private double cpuPower() {
        Path dir = fs.path("/sys/class/powercap");
        List<String> packages = new ArrayList<>();
        for (String name : fs.list(dir)) {
            // intel-rapl:0 is a package; intel-rapl:0:0 (core, uncore, dram) is part of it and not counted twice.
            if (name.startsWith("intel-rapl:") && name.indexOf(':') == name.lastIndexOf(':')) {
                packages.add(name);
            }
        }
        long now = clock.millis();
        Map<String, Long> energy = new HashMap<>();
        double joules = 0;
        boolean complete = true;
        for (String p : packages) {
            long e = HostFs.parseLong(orEmpty(fs.text(dir.resolve(p).resolve("energy_uj"), 64)), -1);
            if (e < 0) {
                continue; // unreadable (RAPL energy is root-only on patched kernels)
            }
            energy.put(p, e);
            Long prev = prevEnergyUj.get(p);
            if (prev == null) {
                complete = false;
                continue;
            }
            long delta = e - prev;
            if (delta < 0) {
                long max = HostFs.parseLong(orEmpty(fs.text(dir.resolve(p).resolve("max_energy_range_uj"), 64)), -1);
                if (max <= 0) {
                    complete = false;
                    continue;
                }
                delta = (max - prev) + e;
            }
            joules += delta / 1e6;
        }
        if (energy.isEmpty()) {
            if (!raplAbsentSaid) {
                raplAbsentSaid = true;
                log.info(
                        "no readable RAPL energy counter under {}: the host measurement goes without cpu_power_w", dir);
            }
            return Double.NaN;
        }
        double out = Double.NaN;
        if (complete && prevEnergyMs >= 0 && now > prevEnergyMs) {
            out = joules / ((now - prevEnergyMs) / 1000.0);
        }
        prevEnergyUj.clear();
        prevEnergyUj.putAll(energy);
        prevEnergyMs = now;
        return out;
    }

    private double memUsed() {
        String mem = fs.text("/proc/meminfo");
        if (mem == null) {
            return Double.NaN;
        }
        long total = -1;
        long available = -1;
        for (String line : mem.split("\n")) {
            if (line.startsWith("MemTotal:")) {
                total = kb(line);
            } else if (line.startsWith("MemAvailable:")) {
                available = kb(line);
            }
        }
        return total > 0 && available >= 0 ? 100.0 * (total - available) / total : Double.NaN;
    }

    static long kb(String line) {
        String[] f = line.trim().split("\\s+");
        return f.length >= 2 ? HostFs.parseLong(f[1], -1) : -1;
    }

    private static String orEmpty(String s) {
        return s == null ? "" : s;
    }
}

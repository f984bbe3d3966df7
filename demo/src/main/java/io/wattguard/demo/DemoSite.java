package io.wattguard.demo;

import io.wattguard.core.Sample;
import io.wattguard.simulator.site.SitePoint;
import io.wattguard.simulator.site.SiteSpec;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The demo's site: the simulator's small site (12 hosts of three hardware models in two racks, with its
 * business calendar and, given enough days, one episode of each mining scenario) ending today, and the
 * configuration an operator of that site would write for its central analysis instance.
 */
public final class DemoSite {
    private DemoSite() {}

    /** How long the live site runs before it stops changing (and the demo says so). */
    static final int LIVE_DAYS = 31;

    /** {@code days} of history ending at today's midnight in the site's zone. */
    static SiteSpec spec(int days) {
        return spec(days, LocalDate.now(SiteSpec.small().zone()));
    }

    /** {@code days} of history ending at {@code end}'s midnight in the site's zone (tests pin the dates). */
    public static SiteSpec spec(int days, LocalDate end) {
        SiteSpec small = SiteSpec.small();
        SiteSpec.Builder b = small.toBuilder().days(days).start(end.minusDays(days));
        // The detectors need a clean day or two to learn from before anything happens.
        return days >= 3
                ? b.cleanDays(Math.max(1, Math.min(4, days / 3))).build()
                : b.noMining().cleanDays(0).build();
    }

    public static Sample sample(SitePoint p) {
        Sample.Builder b = Sample.builder(p.measurement()).time(p.timeMs()).tags(p.tags());
        for (Map.Entry<String, Object> f : p.fields().entrySet()) {
            b.fieldObject(f.getKey(), f.getValue());
        }
        return b.build();
    }

    /**
     * The site from the history's end on, at the history's steps, without mining (the demo adds its own, live): 31
     * days of it, so that {@code --keep-running} serves a live site for a month (each minute's values cost a
     * simulation from this site's start, a few milliseconds even on its last day).
     */
    static SiteSpec today(SiteSpec history) {
        return history.toBuilder()
                .start(history.startDate().plusDays(history.days()))
                .days(LIVE_DAYS)
                .noMining()
                .cleanDays(0)
                .build();
    }

    /** The YAML of the demo's collector: topology, calendar and analysis of the site; no sources. */
    public static String config(SiteSpec spec, String influxUrl, String spoolDir, String httpListen) {
        return config(spec, influxUrl, spoolDir, httpListen, null);
    }

    /**
     * With {@code live} (the live site's {@code sources:}), the daemon's config: it also collects those sources,
     * writes alerts to {@code alerts.jsonl} beside the config, and analyses at 10-second steps after a warm-up
     * over the whole history.
     */
    static String config(SiteSpec spec, String influxUrl, String spoolDir, String httpListen, String live) {
        StringBuilder y = new StringBuilder();
        y.append("# The demo's site as its operator would configure the central analysis instance.\n")
                .append("# Written by 'wattguard demo'; read it, copy it, run it: wattguard run --config THIS_FILE\n")
                .append("instance: demo-central\n")
                .append("influxdb: {url: \"")
                .append(influxUrl)
                .append("\", database: wattguard}\n")
                .append("spool: {dir: \"")
                .append(spoolDir)
                .append("\", max_bytes: 256MiB}\n")
                .append("http: {listen: \"")
                .append(httpListen)
                .append("\"}\n")
                .append(spec.topologyYaml());
        SiteSpec.BusinessHours hours = spec.businessHours();
        y.append("business:\n  zone: ")
                .append(spec.zone())
                .append("\n  hours:\n    - \"")
                .append(days(hours.days()))
                .append(' ')
                .append(hours.from())
                .append('-')
                .append(hours.to())
                .append("\"\n");
        if (!spec.holidays().isEmpty()) {
            y.append("  holidays:\n");
            spec.holidays().forEach(d -> y.append("    - ").append(d).append('\n'));
        }
        if (!spec.maintenanceWindows().isEmpty()) {
            y.append("  maintenance:\n");
            for (SiteSpec.MaintenanceWindow w : spec.maintenanceWindows()) {
                y.append("    - {name: \"")
                        .append(w.name())
                        .append("\", days: \"")
                        .append(days(w.days()))
                        .append("\", from: \"")
                        .append(w.from())
                        .append("\", to: \"")
                        .append(w.to())
                        .append("\", entities: [")
                        .append(String.join(", ", w.hosts()))
                        .append("]}\n");
            }
        }
        if (live != null) {
            y.append(live).append("alerts:\n  jsonl: {path: alerts.jsonl}\n");
        }
        y.append(live != null ? "analysis:\n  step: 10s\n  grace: 5s\n  warmup: " : "analysis:\n  step: 1m\n  warmup: ")
                .append(Math.max(1, spec.days()) + (live != null ? 1 : 0))
                .append("d\n")
                .append("  tariff: {currency: EUR, price_per_kwh: 0.21, time_of_use: ")
                .append("[{days: mon-fri, from: \"08:00\", to: \"20:00\", price_per_kwh: 0.31}]}\n");
        return y.toString();
    }

    private static String days(Set<DayOfWeek> days) {
        return days.stream()
                .sorted()
                .map(d -> d.name().substring(0, 3).toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(","));
    }
}

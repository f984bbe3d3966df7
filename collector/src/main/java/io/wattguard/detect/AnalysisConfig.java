package io.wattguard.detect;

import io.wattguard.analytics.AnalysisSettings;
import io.wattguard.analytics.ExcessPowerDetector;
import io.wattguard.analytics.Tariff;
import io.wattguard.config.Durations;
import io.wattguard.config.Section;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code analysis:} section. Present means the daemon analyses the store as it fills; {@code analyze}
 * reads it too, so the batch run and the live one are tuned alike.
 *
 * @param enabled whether the daemon runs the analysis (default: when the section is there)
 * @param warmup history replayed, silently, before the first analysed step
 * @param grace how long after a step ends before it is read: the spool and batcher deliver late
 * @param window the time range of one round of queries when reading history
 * @param baselineEvery write one {@code baseline} row per entity every this many steps
 */
public record AnalysisConfig(
        boolean enabled,
        AnalysisSettings settings,
        Duration warmup,
        Duration grace,
        Duration window,
        int baselineEvery) {

    private static final Pattern TIME = Pattern.compile("([01]?\\d|2[0-4]):([0-5]\\d)");

    public AnalysisConfig withWarmup(Duration d) {
        return new AnalysisConfig(enabled, settings, d, grace, window, baselineEvery);
    }

    public static AnalysisConfig defaults() {
        return new AnalysisConfig(
                false,
                AnalysisSettings.defaults(),
                Duration.ofDays(14),
                Duration.ofSeconds(30),
                Duration.ofHours(1),
                1);
    }

    /** Reads the section; {@code zone} is the site's, for time-of-use bands. */
    public static AnalysisConfig read(Section s, boolean present, ZoneId zone) {
        AnalysisSettings d = AnalysisSettings.defaults();
        boolean enabled = s.bool("enabled", present);
        Duration step = s.duration("step", Duration.ofMillis(d.stepMs()), Duration.ofSeconds(1), Duration.ofHours(1));
        Duration warmup = s.duration("warmup", Duration.ofDays(14), Duration.ZERO, Duration.ofDays(90));
        Duration grace = s.duration("grace", Duration.ofSeconds(30), Duration.ZERO, Duration.ofHours(1));
        Duration window = s.duration("read_window", Duration.ofHours(1), Duration.ofMinutes(1), Duration.ofDays(1));
        double floorW = s.number("floor_w", d.floorW(), 0, 1e6);
        double floorPerGpu = s.number("floor_per_gpu_w", d.floorPerGpuW(), 0, 1e4);
        double floorShare = s.number("floor_share", d.floorShare(), 0, 1);
        double balanceFloorW = s.number("balance_floor_w", d.balanceFloorW(), 0, 1e7);
        int weeks = (int) s.integer("weeks", d.weeks(), 1, 12);
        int minPeers = (int) s.integer("min_peers", d.minPeers(), 2, 100_000);
        Duration hold = s.duration("hold", Duration.ofMillis(d.holdMs()), Duration.ZERO, Duration.ofDays(1));
        double offHoursUtil = s.number("off_hours_util", d.offHoursUtil(), 0, 1);
        Duration offHoursFor =
                s.duration("off_hours_for", Duration.ofMillis(d.offHoursMs()), Duration.ZERO, Duration.ofDays(1));
        Duration evidenceQuiet = s.duration(
                "evidence_quiet", Duration.ofMillis(d.evidenceQuietMs()), Duration.ofSeconds(1), Duration.ofDays(1));
        Duration confirm = s.duration(
                "confirm_uncorroborated",
                Duration.ofMillis(d.confirmUncorroboratedMs()),
                Duration.ZERO,
                Duration.ofDays(7));
        double gpuBusyUtil = s.number("gpu_busy_util", d.gpuBusyUtil(), 0.05, 1);
        double businessTolerance = s.number("business_tolerance", d.businessTolerance(), 0, 1);
        int baselineEvery = (int) s.integer("baseline_every", 1, 1, 1440);
        Tariff tariff = s.has("tariff") ? tariff(s.section("tariff"), zone) : Tariff.none();
        if (!grace.isZero() && grace.compareTo(step.multipliedBy(60)) > 0) {
            s.error("grace", "must not exceed 60 steps: the live analysis would run far behind the store");
        }
        // At most what the detector remembers of a run of excess (a wait shorter than the sustained window is
        // that window: no extra wait).
        if ((confirm.toMillis() + step.toMillis() - 1) / step.toMillis() > ExcessPowerDetector.MAX_CONFIRM_SAMPLES) {
            s.error(
                    "confirm_uncorroborated",
                    "must be at most " + ExcessPowerDetector.MAX_CONFIRM_SAMPLES
                            + " steps (" + Durations.format(step.multipliedBy(ExcessPowerDetector.MAX_CONFIRM_SAMPLES))
                            + " at step " + Durations.format(step) + "), found " + Durations.format(confirm));
        }
        s.finish();
        AnalysisSettings settings = new AnalysisSettings(
                step.toMillis(),
                floorW,
                floorPerGpu,
                floorShare,
                balanceFloorW,
                weeks,
                12,
                minPeers,
                hold.toMillis(),
                offHoursUtil,
                offHoursFor.toMillis(),
                evidenceQuiet.toMillis(),
                ExcessPowerDetector.Settings.defaults(
                        0, AnalysisSettings.confirmSteps(confirm.toMillis(), step.toMillis())),
                gpuBusyUtil,
                businessTolerance,
                tariff);
        return new AnalysisConfig(enabled, settings, warmup, grace, window, baselineEvery);
    }

    /** {@code tariff: {currency: EUR, price_per_kwh: 0.21, time_of_use: [{days: mon-fri, from: "08:00", to: "20:00", price_per_kwh: 0.31}]}} */
    static Tariff tariff(Section s, ZoneId zone) {
        String currency = s.string("currency", "");
        double price = s.number("price_per_kwh", 0, 0, 1e4);
        List<Tariff.Band> bands = new ArrayList<>();
        for (Section b : s.sections("time_of_use")) {
            Set<DayOfWeek> days = days(b, b.string("days", "mon-sun"));
            int from = minute(b, "from");
            int to = minute(b, "to");
            double p = b.number("price_per_kwh", 0, 0, 1e4);
            if (!b.has("price_per_kwh")) {
                b.error("price_per_kwh", "each time-of-use band needs its price per kWh");
            }
            b.finish();
            if (days != null && from >= 0 && to >= 0) {
                bands.add(new Tariff.Band(days, from, to == from ? from + 1440 : to, p));
            }
        }
        s.finish();
        return new Tariff(currency, price, zone, bands);
    }

    private static int minute(Section s, String key) {
        String v = s.requiredString(key, "a local time such as 08:00");
        if (v == null) {
            return -1;
        }
        Matcher m = TIME.matcher(v.trim());
        if (!m.matches() || Integer.parseInt(m.group(1)) * 60 + Integer.parseInt(m.group(2)) > 1440) {
            s.error(key, "expected a local time HH:MM between 00:00 and 24:00, found '" + v + "'");
            return -1;
        }
        return Integer.parseInt(m.group(1)) * 60 + Integer.parseInt(m.group(2));
    }

    private static final List<String> DAY_NAMES = List.of("mon", "tue", "wed", "thu", "fri", "sat", "sun");

    /** {@code mon-fri}, {@code sat,sun}, {@code mon-sun}. */
    static Set<DayOfWeek> days(Section s, String spec) {
        Set<DayOfWeek> out = EnumSet.noneOf(DayOfWeek.class);
        for (String part : spec.toLowerCase(Locale.ROOT).split(",")) {
            String[] range = part.trim().split("-");
            int a = DAY_NAMES.indexOf(range[0].trim());
            int b = range.length == 2 ? DAY_NAMES.indexOf(range[1].trim()) : a;
            if (a < 0 || b < 0 || range.length > 2) {
                s.error(
                        "days",
                        "expected days like mon-fri or sat,sun (mon tue wed thu fri sat sun), found '" + spec + "'");
                return null;
            }
            for (int i = a; ; i = (i + 1) % 7) {
                out.add(DayOfWeek.of(i + 1));
                if (i == b) {
                    break;
                }
            }
        }
        return out;
    }
}

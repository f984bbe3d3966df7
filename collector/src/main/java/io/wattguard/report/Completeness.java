package io.wattguard.report;

import io.wattguard.report.MonthlyReport.Gap;
import io.wattguard.report.MonthlyReport.LateStart;
import io.wattguard.store.Schema;
import io.wattguard.store.Schema.Meter;
import io.wattguard.store.read.InfluxQuery;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Data completeness: per source and per rack, the share of the points each series should have written that
 * arrived, its gaps and the series that began during the month. Read as counts per hour per series (bounded, one
 * row per series and hour), never the points themselves. A series' cadence is its busiest hour's count, so a meter
 * polled every 10 s and an agent every minute are each held to their own rate.
 */
final class Completeness {
    private static final long HOUR = 3_600_000L;

    /** Per source and per rack, in that order of names. */
    record Result(List<MonthlyReport.Completeness> sources, List<MonthlyReport.Completeness> racks) {}

    /** One series' counts per hour of the month. */
    private record Series(String source, String name, String rack, long[] counts) {}

    private Completeness() {}

    static Result read(InfluxQuery query, long from, long to) throws IOException {
        int hours = (int) ((to - from + HOUR - 1) / HOUR);
        List<Series> all = new ArrayList<>();
        String meters = "SELECT count(" + InfluxQuery.ident(Meter.ENERGY_KWH) + ") AS \"n\" FROM "
                + InfluxQuery.ident(Meter.NAME) + " WHERE time >= " + from + "ms AND time < " + to + "ms"
                + " GROUP BY " + hours(from) + ", " + InfluxQuery.ident(Meter.KIND) + ", "
                + InfluxQuery.ident(Meter.DEVICE)
                + ", " + InfluxQuery.ident(Meter.CHANNEL) + ", " + InfluxQuery.ident(Schema.RACK) + ", "
                + InfluxQuery.ident(Schema.HOST) + " fill(0)";
        for (InfluxQuery.Series s : query.select("meter completeness", meters)) {
            String kind = s.tags().getOrDefault(Meter.KIND, "");
            String source =
                    switch (kind) {
                        case "meter" -> "room_meters";
                        case "inlet" -> "rack_inlets";
                        case "outlet" -> "outlets";
                        default -> "other_meters";
                    };
            String host = s.tags().getOrDefault(Schema.HOST, "");
            String name = s.tags().getOrDefault(Meter.DEVICE, "") + "/"
                    + s.tags().getOrDefault(Meter.CHANNEL, "") + (host.isEmpty() ? "" : " (" + host + ")");
            all.add(new Series(source, name, s.tags().getOrDefault(Schema.RACK, ""), counts(s, from, hours)));
        }
        String agents = "SELECT count(" + InfluxQuery.ident(Schema.Host.CPU_UTIL_PCT) + ") AS \"n\" FROM "
                + InfluxQuery.ident(Schema.Host.NAME) + " WHERE time >= " + from + "ms AND time < " + to + "ms"
                + " GROUP BY " + hours(from) + ", " + InfluxQuery.ident(Schema.HOST) + ", "
                + InfluxQuery.ident(Schema.RACK)
                + " fill(0)";
        for (InfluxQuery.Series s : query.select("host agent completeness", agents)) {
            all.add(new Series(
                    "host_agents",
                    s.tags().getOrDefault(Schema.HOST, ""),
                    s.tags().getOrDefault(Schema.RACK, ""),
                    counts(s, from, hours)));
        }
        Map<String, List<Series>> bySource = new TreeMap<>(Comparator.comparingInt(Completeness::order));
        Map<String, List<Series>> byRack = new TreeMap<>();
        for (Series s : all) {
            bySource.computeIfAbsent(s.source, k -> new ArrayList<>()).add(s);
            if (!s.rack.isEmpty()) {
                byRack.computeIfAbsent(s.rack, k -> new ArrayList<>()).add(s);
            }
        }
        List<MonthlyReport.Completeness> sources = new ArrayList<>();
        bySource.forEach((name, list) -> sources.add(summarise(name, list, from)));
        List<MonthlyReport.Completeness> racks = new ArrayList<>();
        byRack.forEach((name, list) -> racks.add(summarise(name, list, from)));
        return new Result(List.copyOf(sources), List.copyOf(racks));
    }

    private static final List<String> ORDER = List.of("room_meters", "rack_inlets", "outlets", "host_agents");

    private static int order(String source) {
        int i = ORDER.indexOf(source);
        return i < 0 ? ORDER.size() + source.hashCode() % 1000 : i;
    }

    /**
     * Hours that start where the month does: in a zone a half or quarter hour off UTC (Asia/Kolkata, Australia/
     * Adelaide) InfluxDB's hours would otherwise straddle the month's, and every series would lose its first half
     * hour and count its last one half full.
     */
    static String hours(long from) {
        long offset = Math.floorMod(from, HOUR);
        return offset == 0 ? "time(1h)" : "time(1h, " + offset + "ms)";
    }

    private static long[] counts(InfluxQuery.Series s, long from, int hours) {
        long[] c = new long[hours];
        for (Map<String, Object> row : s.rows()) {
            long t = ((Double) row.get("time")).longValue();
            int h = (int) Math.floorDiv(t - from, HOUR);
            Object n = row.get("n");
            if (h >= 0 && h < hours && n != null) {
                c[h] += ((Double) n).longValue();
            }
        }
        return c;
    }

    private static MonthlyReport.Completeness summarise(String name, List<Series> list, long from) {
        long expected = 0;
        long arrived = 0;
        Gap longest = null;
        int gaps = 0;
        List<LateStart> late = new ArrayList<>();
        int counted = 0;
        for (Series s : list) {
            long cadence = 0;
            for (long c : s.counts) {
                cadence = Math.max(cadence, c);
            }
            if (cadence == 0) {
                continue; // nothing in the month: not a series of this month
            }
            counted++;
            expected += cadence * s.counts.length;
            for (long c : s.counts) {
                arrived += Math.min(c, cadence);
            }
            int first = 0;
            while (s.counts[first] == 0) {
                first++;
            }
            if (first > 0) {
                late.add(new LateStart(s.name, from + first * HOUR));
            }
            for (int h = first; h < s.counts.length; ) {
                if (s.counts[h] != 0) {
                    h++;
                    continue;
                }
                int end = h;
                while (end < s.counts.length && s.counts[end] == 0) {
                    end++;
                }
                gaps++;
                Gap g = new Gap(s.name, from + h * HOUR, from + end * HOUR);
                if (longest == null || g.toMs() - g.fromMs() > longest.toMs() - longest.fromMs()) {
                    longest = g;
                }
                h = end;
            }
        }
        late.sort(Comparator.comparingLong(LateStart::firstMs).thenComparing(LateStart::series));
        return new MonthlyReport.Completeness(
                name, counted, expected == 0 ? 0 : (double) arrived / expected, longest, gaps, List.copyOf(late));
    }
}

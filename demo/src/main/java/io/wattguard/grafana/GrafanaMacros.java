package io.wattguard.grafana;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Grafana's expansion of a panel's InfluxQL, for the code that runs the dashboards' queries without a Grafana: the
 * dashboards' query test and their benchmark.
 */
public final class GrafanaMacros {
    private GrafanaMacros() {}

    /** Grafana's substitution: $timeFilter, $__interval and the variables, longest names first. */
    public static String substitute(String q, Map<String, String> vars, long from, long to) {
        String out = q.replace("$timeFilter", "time >= " + from + "ms and time <= " + to + "ms")
                .replace("$__interval", interval(to - from));
        List<String> names = new ArrayList<>(vars.keySet());
        names.sort((a, b) -> b.length() - a.length());
        for (String n : names) {
            out = out.replace("${" + n + "}", vars.get(n))
                    .replace("[[" + n + "]]", vars.get(n))
                    .replace("$" + n, vars.get(n));
        }
        return out;
    }

    /** Range over 1,000 points, rounded up to a round interval, at least the datasource's timeInterval (1m). */
    public static String interval(long rangeMs) {
        long raw = rangeMs / 1000;
        long[] steps = {
            60_000,
            120_000,
            300_000,
            600_000,
            900_000,
            1_800_000,
            3_600_000,
            7_200_000,
            10_800_000,
            21_600_000,
            43_200_000,
            86_400_000
        };
        for (long s : steps) {
            if (s >= raw) {
                return s / 60_000 + "m";
            }
        }
        return raw / 86_400_000 + 1 + "d";
    }
}

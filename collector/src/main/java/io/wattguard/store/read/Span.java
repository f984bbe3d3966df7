package io.wattguard.store.read;

import io.wattguard.analytics.Readings;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rows of a span of settled history, per measurement, each series' rows contiguous and in time order (GROUP BY tags),
 * fetched once and replayed window by window: each series keeps a position, so a window costs its own rows.
 */
final class Span {
    final long from;
    final long to;
    long servedUntil = Long.MIN_VALUE;
    private final List<ReadMeasurement> measurements = new ArrayList<>();
    private final List<ResultTable> tables = new ArrayList<>();
    private final List<int[]> positions = new ArrayList<>();
    private final List<int[]> ends = new ArrayList<>();

    Span(long from, long to) {
        this.from = from;
        this.to = to;
    }

    void add(ReadMeasurement m, ResultTable t) {
        int series = t.tags.size();
        int[] start = new int[series];
        int[] end = new int[series];
        Arrays.fill(start, -1);
        for (int r = 0; r < t.rows; r++) {
            int s = t.series[r];
            if (start[s] < 0) {
                start[s] = r;
            }
            end[s] = r + 1;
        }
        for (int s = 0; s < series; s++) {
            if (start[s] < 0) {
                start[s] = 0;
                end[s] = 0;
            }
        }
        measurements.add(m);
        tables.add(t);
        positions.add(start);
        ends.add(end);
    }

    /** Replays the rows in {@code [a, b)}; windows come in ascending order. */
    long replay(long a, long b, Readings out) {
        long n = 0;
        for (int i = 0; i < tables.size(); i++) {
            ResultTable t = tables.get(i);
            ReadMeasurement.Replay replay = measurements.get(i).replay();
            int[] pos = positions.get(i);
            int[] end = ends.get(i);
            long[] time = t.time;
            for (int s = 0; s < pos.length; s++) {
                int p = pos[s];
                int e = end[s];
                while (p < e && time[p] < b) {
                    if (time[p] >= a) {
                        replay.row(t, p, out);
                        n++;
                    }
                    p++;
                }
                pos[s] = p;
            }
        }
        servedUntil = b;
        return n;
    }
}

package io.wattguard.analytics;

import java.time.DayOfWeek;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * What one host usually draws in each of its weekly maintenance windows, beyond what its model predicts for the
 * load it reports: the allowance a window grants.
 *
 * <p>Why a bound at all: a declared window (a nightly backup, a weekly scrub) is recurring work, and recurring
 * work draws much the same watts each time; the load it reports (CPU utilisation) is explained in full, and what
 * it draws besides (disks, fans) shows as a residual that repeats. Watts above what that window drew on the same
 * weekday in earlier weeks are not that work's: a miner hidden in the backup window adds its hundred watts on
 * top.
 *
 * <p>The same weekday, because backup schedules are weekly: incrementals on weeknights, a full backup on Sunday
 * that draws more and longer. The allowance is the median, over the window's occurrences that started on the
 * same weekday in the last {@link #KEEP_MS}, of each one's largest 10-step mean residual (the scale the detector
 * decides on), at least zero. The median, not the largest: the largest is the noise's extreme and would stack
 * several of its sigmas on the floor, and the odd occurrence that held an excess too short to open does not move
 * the median. An occurrence in which an episode was open is not learnt. Until {@link #MIN_OCCURRENCES} are known
 * for the weekday there is no allowance and the window explains whatever runs, as it does for one-off windows.
 */
final class MaintenanceDraw {
    /** Occurrences of a weekday learnt before its window is bounded: one week's backup may be a light one. */
    static final int MIN_OCCURRENCES = 3;
    /** Occurrences older than this are forgotten, so a backup that grows is followed: five of each weekday. */
    static final long KEEP_MS = 35 * 86_400_000L;
    /** The mean over this many steps, as the detector's window. */
    static final int MEAN_STEPS = 10;
    /** Steps of one window further apart than this belong to different occurrences. */
    private static final long OCCURRENCE_GAP_MS = 3_600_000L;

    private final Map<String, Occurrences> windows = new HashMap<>();

    /**
     * Records this step's residual in window {@code name} and returns the allowance from earlier occurrences that
     * started on the weekday this one started on, NaN while too few are known. {@code day}: the local weekday of
     * {@code t}; {@code episodeOpen}: whether the host has an episode open now (its occurrence is then not learnt).
     */
    double allowance(String name, long t, DayOfWeek day, double residualW, boolean episodeOpen) {
        Occurrences o = windows.computeIfAbsent(name, n -> new Occurrences());
        if (o.lastMs < 0 || t - o.lastMs > OCCURRENCE_GAP_MS) {
            o.commit();
            o.day = day;
        }
        o.lastMs = t;
        o.add(residualW, episodeOpen);
        while (!o.past.isEmpty() && o.past.peekFirst().endMs < t - KEEP_MS) {
            o.past.pollFirst();
        }
        double[] most = new double[o.past.size()];
        int n = 0;
        for (Occurrence p : o.past) {
            if (p.day == o.day) {
                most[n++] = p.mostW;
            }
        }
        return n < MIN_OCCURRENCES ? Double.NaN : Math.max(0, Robust.median(Arrays.copyOf(most, n)));
    }

    /** One earlier occurrence: when it ended, the weekday it started on, its largest 10-step mean residual. */
    private record Occurrence(long endMs, DayOfWeek day, double mostW) {}

    private static final class Occurrences {
        final ArrayDeque<Occurrence> past = new ArrayDeque<>();

        final double[] ring = new double[MEAN_STEPS];
        int steps;
        double sum;
        double most = Double.NEGATIVE_INFINITY;
        boolean tainted;
        long lastMs = -1;
        DayOfWeek day;

        void add(double residualW, boolean episodeOpen) {
            int i = steps % MEAN_STEPS;
            sum += residualW - ring[i];
            ring[i] = residualW;
            steps++;
            if (steps >= MEAN_STEPS) {
                most = Math.max(most, sum / MEAN_STEPS);
            }
            tainted |= episodeOpen;
        }

        /** Ends the current occurrence: learnt if it was long enough for a mean and no episode was open in it. */
        void commit() {
            if (!tainted && steps >= MEAN_STEPS) {
                past.addLast(new Occurrence(lastMs, day, most));
            }
            Arrays.fill(ring, 0);
            steps = 0;
            sum = 0;
            most = Double.NEGATIVE_INFINITY;
            tainted = false;
        }
    }
}

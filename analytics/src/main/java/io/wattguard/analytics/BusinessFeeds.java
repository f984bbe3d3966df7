package io.wattguard.analytics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Business load as its feeds report it ({@code business_load}, by its {@code source} tag: the agents'
 * {@code allowlist}, a {@code scheduler}, a {@code cmdb}, a {@code query:NAME} mapping), each held at its
 * own cadence. An agent reports every poll; a scheduler or a CMDB may report every 1, 5 or 15 minutes. Held
 * for the agents' {@code hold} of 2 minutes, a 5-minute feed would look silent 2 steps of 5 and its jobs
 * unexplained, a 15-minute one 12 steps of 15.
 *
 * <p>Per source, its cadence is the median interval between its successive reports of an entity, over its
 * last {@value #CADENCE_SAMPLES} reporting steps (each step contributes the median interval of the entities
 * it reported, up to {@value #STEP_SAMPLE} of them, so a source reporting all its entities every 5 minutes,
 * at once or spread over the 5 minutes, has a 5-minute cadence, and the one huge interval after an outage
 * moves nothing). Its value for an entity is held for {@value #HOLD_INTERVALS} times that cadence, and never
 * less than {@code hold}.
 *
 * <p>A source that reports nothing at all for longer than that is silent: the entities it still covered when
 * it stopped (those it had reported within its hold of its last report) have no known business load, and get
 * no verdict, as with a silent meter, unless another source reports them fresh. An entity that a source
 * still reporting other entities has stopped naming: if that source names its entities busy or not (the
 * agents' {@code allowlist}, a scheduler, a CMDB; any source seen to report an entity at 0), its report of
 * that entity broke, and the entity gets no verdict; if it names only busy entities (a {@code query:NAME}
 * mapping returns rows for running jobs), the entity is idle: nothing from that source, as for an entity no
 * source ever named (business 0). Each report is also held for {@value #HOLD_INTERVALS} times its own last
 * interval, so an entity the source names less often than others is not taken as dropped. A source silent
 * for {@value #RETIRED_DAYS} days is taken as retired and forgotten.
 */
public final class BusinessFeeds {
    /** Reporting steps whose intervals make a source's cadence: 16 reports, 4 hours of a 15-minute feed. */
    static final int CADENCE_SAMPLES = 16;
    /**
     * Per reporting step at most this many entity intervals are looked at: a sample, so a large site's feed
     * costs no more than a small one's.
     */
    static final int STEP_SAMPLE = 16;
    /**
     * A value is held for this many intervals of its source: a report late by up to two intervals is delay
     * and jitter (a scheduler export queued behind a slow query, a CMDB sync that took longer); a feed that
     * has missed two reports in a row has stopped.
     */
    static final int HOLD_INTERVALS = 3;
    /** A source silent this long was retired rather than broken: its entities go back to uncovered. */
    static final int RETIRED_DAYS = 7;

    private static final long RETIRED_MS = RETIRED_DAYS * 86_400_000L;

    /** One source as the analysis sees it at one step, for {@code /health}. */
    public record SourceState(
            String source, long cadenceMs, long holdMs, long lastReportMs, long ageMs, boolean fresh) {
        /** {@code fresh}, or {@code silent} when it has reported nothing for longer than its hold. */
        public String state() {
            return fresh ? "fresh" : "silent";
        }
    }

    private static final class Feed {
        final String name;
        long lastMs = Long.MIN_VALUE;
        /** Median entity interval of each of its last reporting steps, a ring. */
        final long[] samples = new long[CADENCE_SAMPLES];

        int samplesCount;
        int samplesNext;
        /** This step's entity intervals. */
        final long[] step = new long[STEP_SAMPLE];

        int stepCount;
        /** Whether this step's intervals all equal the first, as they do in a steady feed: no sort then. */
        boolean stepUniform;

        long cadenceMs;
        long holdMs;
        /**
         * Whether it names its entities whether busy or not, so that its silence about one entity is a broken
         * report, not an idle entity. The agents' {@code allowlist} writes a point every poll, a scheduler or a
         * CMDB export lists its nodes; a {@code query:NAME} mapping returns rows only for entities with work
         * (an InfluxQL GROUP BY over running jobs), unless it has been seen to report one at 0.
         */
        boolean reportsIdle;

        Feed(String name, long minHoldMs) {
            this.name = name;
            this.reportsIdle = !name.startsWith(QUERY_PREFIX);
            this.holdMs = minHoldMs;
        }
    }

    private static final class Report {
        final Feed feed;
        double value;
        /** The step it was reported in. */
        long timeMs;
        /** When the source reported it: the newest of its readings in that step. */
        long asOfMs;
        /** The interval between this entity's last two reports from this source; 0 before the second. */
        long intervalMs;

        /**
         * Whether it still stands at {@code nowMs}: within the source's hold, or within {@link #HOLD_INTERVALS}
         * of its own interval. One source may name some entities less often than others (a push endpoint
         * that several exporters feed, each at its own rate); their reports are held as long as their own
         * rhythm says, not the busiest exporter's.
         */
        boolean fresh(long nowMs) {
            long age = nowMs - timeMs;
            return age <= feed.holdMs || age <= HOLD_INTERVALS * intervalMs;
        }

        Report(Feed feed, double value, long timeMs, long asOfMs) {
            this.feed = feed;
            this.value = value;
            this.timeMs = timeMs;
            this.asOfMs = asOfMs;
        }
    }

    /** The source tag's prefix of the business source's InfluxQL mappings ({@code query:NAME}). */
    public static final String QUERY_PREFIX = "query:";

    private final long minHoldMs;
    private final Map<String, Feed> feeds = new TreeMap<>();
    /** Per {@code level/entity}: the last report of each source that names it. */
    private final Map<String, List<Report>> byKey = new HashMap<>();

    private final List<Feed> reported = new ArrayList<>();
    private long prunedMs = Long.MIN_VALUE;

    /** {@code minHoldMs}: the agents' and meters' {@code hold}, the least any value is held. */
    BusinessFeeds(long minHoldMs) {
        this.minHoldMs = minHoldMs;
    }

    /** As {@link #report(String, String, double, long, long)}, reported at the step's start. */
    void report(String source, String key, double value, long timeMs) {
        report(source, key, value, timeMs, timeMs);
    }

    /**
     * A source's value for {@code level/entity} in the step at {@code timeMs}, reported at {@code asOfMs} (in
     * that step); steps come in time order.
     */
    void report(String source, String key, double value, long timeMs, long asOfMs) {
        Feed feed = feeds.get(source);
        if (feed == null) {
            feed = new Feed(source, minHoldMs);
            feeds.put(source, feed);
        }
        if (feed.lastMs != timeMs) {
            feed.lastMs = timeMs;
            reported.add(feed);
        }
        feed.reportsIdle |= value <= 0;
        List<Report> rs = byKey.computeIfAbsent(key, k -> new ArrayList<>(2));
        for (Report r : rs) {
            if (r.feed == feed) {
                if (timeMs > r.timeMs && feed.stepCount < STEP_SAMPLE) {
                    long interval = timeMs - r.timeMs;
                    feed.stepUniform = feed.stepCount == 0 || feed.stepUniform && interval == feed.step[0];
                    feed.step[feed.stepCount++] = interval;
                }
                r.intervalMs = timeMs > r.timeMs ? timeMs - r.timeMs : r.intervalMs;
                r.value = value;
                r.timeMs = timeMs;
                r.asOfMs = asOfMs;
                return;
            }
        }
        rs.add(new Report(feed, value, timeMs, asOfMs));
    }

    /** Closes the step at {@code timeMs}: the cadences of the sources that reported in it. */
    void finish(long timeMs) {
        for (Feed f : reported) {
            if (f.stepCount > 0) {
                long sample = f.stepUniform ? f.step[0] : median(f.step, f.stepCount);
                f.stepCount = 0;
                boolean same = f.samplesCount == CADENCE_SAMPLES && f.samples[f.samplesNext] == sample;
                f.samples[f.samplesNext] = sample;
                f.samplesNext = (f.samplesNext + 1) % CADENCE_SAMPLES;
                f.samplesCount = Math.min(CADENCE_SAMPLES, f.samplesCount + 1);
                if (!same) { // a steady feed replaces a sample by its equal: its median stays
                    f.cadenceMs = median(f.samples.clone(), f.samplesCount);
                    f.holdMs = Math.max(minHoldMs, HOLD_INTERVALS * f.cadenceMs);
                }
            }
        }
        reported.clear();
        if (prunedMs == Long.MIN_VALUE || timeMs - prunedMs >= 86_400_000L) {
            prune(timeMs);
            prunedMs = timeMs;
        }
    }

    private static long median(long[] v, int n) {
        Arrays.sort(v, 0, n);
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /**
     * The business load of an entity at {@code timeMs} from its own key and its rack's ({@code null} for
     * none): the largest value any source reports fresh; NaN (no verdict) where none does but a silent source
     * covered it; 0 where no source claims it.
     */
    double load(String key, String rackKey, long timeMs) {
        double best = Double.NaN;
        boolean unknown = false;
        for (int k = 0; k < 2; k++) {
            List<Report> rs = claims(k == 0 ? key : rackKey);
            for (int i = 0; i < rs.size(); i++) {
                Report r = rs.get(i);
                Feed f = r.feed;
                if (r.fresh(timeMs)) {
                    best = Double.isNaN(best) ? r.value : Math.max(best, r.value);
                } else if (timeMs - f.lastMs > f.holdMs ? r.fresh(f.lastMs) : f.reportsIdle && r.fresh(r.timeMs)) {
                    // The whole source stopped while it still claimed this entity; or a source that names idle
                    // entities at 0 stopped naming this one: its report broke, the entity is not idle.
                    unknown = true;
                }
            }
        }
        return !Double.isNaN(best) ? best : unknown ? Double.NaN : 0;
    }

    /**
     * When the explanation of an entity was last brought up to date: the oldest of the fresh reports that claim
     * it (its own key and its rack's), by when each was made, so that every source covering it has had its say
     * since then;
     * {@link Long#MAX_VALUE} where no source claims it fresh (nothing to wait for).
     */
    long asOf(String key, String rackKey, long timeMs) {
        long oldest = Long.MAX_VALUE;
        for (int k = 0; k < 2; k++) {
            List<Report> rs = claims(k == 0 ? key : rackKey);
            for (int i = 0; i < rs.size(); i++) {
                Report r = rs.get(i);
                if (r.fresh(timeMs)) {
                    oldest = Math.min(oldest, r.asOfMs);
                }
            }
        }
        return oldest;
    }

    /**
     * Each source's last report for {@code key} and {@code rackKey} ({@code null} for none) as of {@code timeMs},
     * judged as {@link #load} judges it; read only, for an explanation.
     */
    List<Explanation.Business> reports(String key, String rackKey, long timeMs) {
        List<Explanation.Business> l = new ArrayList<>();
        for (int k = 0; k < 2; k++) {
            String name = k == 0 ? key : rackKey;
            List<Report> rs = claims(name);
            for (int i = 0; i < rs.size(); i++) {
                Report r = rs.get(i);
                Feed f = r.feed;
                boolean fresh = r.fresh(timeMs);
                l.add(new Explanation.Business(
                        name,
                        f.name,
                        r.value,
                        timeMs - r.timeMs,
                        fresh,
                        f.cadenceMs,
                        Math.max(f.holdMs, HOLD_INTERVALS * r.intervalMs),
                        !fresh && timeMs - f.lastMs > f.holdMs && r.fresh(f.lastMs)));
            }
        }
        return l;
    }

    /** The last report of each source that names {@code key} ({@code null}: none). */
    private List<Report> claims(String key) {
        List<Report> rs = key == null ? null : byKey.get(key);
        return rs == null ? List.of() : rs;
    }

    /** Every source not yet retired, by name, as of the step at {@code timeMs}. */
    List<SourceState> sources(long timeMs) {
        List<SourceState> l = new ArrayList<>(feeds.size());
        for (Feed f : feeds.values()) {
            long age = timeMs - f.lastMs;
            l.add(new SourceState(f.name, f.cadenceMs, f.holdMs, f.lastMs, age, age <= f.holdMs));
        }
        return List.copyOf(l);
    }

    /** Forgets reports and sources silent for {@link #RETIRED_DAYS}. */
    private void prune(long timeMs) {
        for (Iterator<List<Report>> it = byKey.values().iterator(); it.hasNext(); ) {
            List<Report> rs = it.next();
            rs.removeIf(r -> timeMs - r.timeMs > RETIRED_MS);
            if (rs.isEmpty()) {
                it.remove();
            }
        }
        feeds.values().removeIf(f -> timeMs - f.lastMs > RETIRED_MS);
    }
}

package io.wattguard.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.analytics.Readings.BusinessLoadReading;
import io.wattguard.analytics.Readings.GpuReading;
import io.wattguard.analytics.Readings.HostReading;
import io.wattguard.analytics.Readings.MeterReading;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Business feeds at their own cadence (issue 11, item 4), on {@link AnalyzerTest}'s hand-written rack of six
 * 4-GPU hosts: a scheduler or CMDB that reports every 5 or 15 minutes keeps a busy host explained between its
 * reports; a feed that stops while jobs run gives no verdict (no episode, no baseline row) until it is back;
 * a host that another fresh source covers carries on.
 *
 * <p>Each scenario has {@code h2} run a batch job at night, 22:00 to 04:00 from day 8 (the nights it learned
 * on were idle), explained only by the feeds that name {@code h2}.
 */
class BusinessFeedCadenceTest {
    private static final long MIN = 60_000;
    private static final String HOST = "h2";
    private static final Set<String> ALL = Set.of("h0", "h1", "h2", "h3", "h4", "h5");
    private static final Set<String> OTHERS = Set.of("h0", "h1", "h3", "h4", "h5");
    /** Day 8, 22:00 to day 9, 04:00. */
    private static final long JOB_START = 8 * 1440 + 22 * 60;

    private static final long JOB_END = JOB_START + 6 * 60;
    /** Per GPU, on top of the idle night's 5%: 0.7 in all, within what the office hours taught the model. */
    private static final double JOB_UTIL = 0.65;

    private static final long FOREVER = Long.MAX_VALUE;

    /** A source that reports each of its hosts every {@code everyMin} minutes in {@code [fromMin, untilMin)}. */
    record Feed(String source, int everyMin, long fromMin, long untilMin, Set<String> hosts) {
        boolean reports(String host, long m) {
            return hosts.contains(host) && m >= fromMin && m < untilMin && m % everyMin == 0;
        }
    }

    /** Baseline rows per entity and step ({actual, expected, residual, business}) and the episodes. */
    static final class Rows implements AnalysisOutput {
        final Map<String, TreeMap<Long, double[]>> rows = new HashMap<>();
        final Map<String, Episode> episodes = new TreeMap<>();

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
            rows.computeIfAbsent(entity, k -> new TreeMap<>())
                    .put((timeMs - AnalyzerTest.T0) / MIN, new double[] {actualW, expectedW, residualW, businessLoad});
        }

        @Override
        public void episode(Episode e) {
            episodes.put(e.id(), e);
        }

        List<Episode> hostEpisodes() {
            return episodes.values().stream()
                    .filter(e -> e.level().equals("host"))
                    .toList();
        }

        /** The minutes of {@code [from, to)} with a baseline row for the entity. */
        Set<Long> minutes(String entity, long from, long to) {
            return rows.getOrDefault(entity, new TreeMap<>()).subMap(from, to).keySet();
        }

        double[] row(String entity, long minute) {
            return rows.getOrDefault(entity, new TreeMap<>()).get(minute);
        }
    }

    record Run(Rows rows, Analyzer analyzer) {}

    /** Ten days of the rack at one-minute steps, its business reported by {@code feeds}. */
    static Run run(long seed, List<Feed> feeds) {
        return run(seed, feeds, false, 0);
    }

    /**
     * As {@link #run(long, List)}; {@code unreported}: {@link #HOST}'s night job is one no feed reports (only its
     * usual night allocation); {@code readAfterMs}: the meters and agents read that long after each minute, while
     * the feeds report on the minute.
     */
    static Run run(long seed, List<Feed> feeds, boolean unreported, long readAfterMs) {
        Rows rows = new Rows();
        Analyzer a = new Analyzer(AnalysisSettings.defaults(), Schedule.always(), Map.of(), Map.of(), rows);
        StepAssembler asm = new StepAssembler(MIN, a::step);
        SplittableRandom rnd = new SplittableRandom(seed);
        double[] outletKwh = new double[6];
        double inletKwh = 0;
        for (long m = 0; m < 10 * 1440L; m++) {
            long t = AnalyzerTest.T0 + m * MIN;
            int hour = (int) (m % 1440 / 60);
            int dow = (int) (m / 1440 % 7); // T0 is a Monday
            boolean office = dow < 5 && hour >= 8 && hour < 18;
            double rackOutlets = 0;
            for (int h = 0; h < 6; h++) {
                String host = "h" + h;
                double work = office ? 0.5 + 0.3 * Math.sin(m / 37.0 + h) : 0.05;
                double allocated = office ? 0.8 : 0.05;
                if (host.equals(HOST) && m >= JOB_START && m < JOB_END) {
                    work += JOB_UTIL;
                    allocated += unreported ? 0 : JOB_UTIL;
                }
                long read = t + readAfterMs;
                double gpuW = 0;
                for (int g = 0; g < 4; g++) {
                    double w = 50 + 250 * work + 5 * AnalyzerTest.gaussian(rnd);
                    gpuW += w;
                    asm.gpu(new GpuReading(
                            read,
                            host,
                            "r1",
                            "room1",
                            Integer.toString(g),
                            "NVIDIA L4",
                            work * 100,
                            work * 40,
                            w,
                            300,
                            Double.NaN));
                }
                double cpu = 0.1 + 0.2 * work;
                asm.host(new HostReading(read, host, "r1", "room1", cpu * 100, 60 + 100 * cpu));
                double outlet = (gpuW + 60 + 100 * cpu + 120) / 0.94 + 8 * AnalyzerTest.gaussian(rnd);
                outletKwh[h] += outlet / 60_000;
                rackOutlets += outlet;
                asm.meter(new MeterReading(
                        read, "pdu-r1", Integer.toString(h + 1), "outlet", host, "r1", "room1", outlet, outletKwh[h]));
                for (Feed f : feeds) {
                    if (f.reports(host, m)) {
                        // The agents' allowlist reports the utilisation of business processes; a scheduler or a
                        // CMDB what it allocated, which a job fills to varying degrees.
                        asm.businessLoad(new BusinessLoadReading(
                                t, host, "host", f.source(), f.source().equals("allowlist") ? work : allocated));
                    }
                }
            }
            double inlet = rackOutlets + 15 + 5 * AnalyzerTest.gaussian(rnd);
            inletKwh += inlet / 60_000;
            asm.meter(new MeterReading(
                    t + readAfterMs, "pdu-r1", "total", "inlet", null, "r1", "room1", inlet, inletKwh));
            asm.advanceTo(t + MIN);
        }
        return new Run(rows, a);
    }

    private static Map<String, BusinessFeeds.SourceState> sources(Run r) {
        return r.analyzer().businessSources().stream()
                .collect(Collectors.toMap(BusinessFeeds.SourceState::source, Function.identity()));
    }

    /** Every step of the job has a row for {@link #HOST}, explained by its feed: business at the job's level. */
    private static void explainedThroughout(Rows rows) {
        Set<Long> seen = rows.minutes(HOST, JOB_START, JOB_END);
        assertEquals(JOB_END - JOB_START, seen.size(), "a row for every step of the job");
        for (long m = JOB_START; m < JOB_END; m++) {
            double[] row = rows.row(HOST, m);
            assertEquals(0.05 + JOB_UTIL, row[3], 1e-9, "held business at minute " + (m - JOB_START) + " of the job");
            assertTrue(Math.abs(row[2]) < 100, "residual at minute " + (m - JOB_START) + " of the job: " + row[2]);
        }
    }

    @Test
    void aFiveMinuteFeedKeepsABusyHostExplainedBetweenItsReports() {
        Run r = run(
                31,
                List.of(
                        new Feed("allowlist", 1, 0, FOREVER, OTHERS),
                        new Feed("scheduler", 5, 0, FOREVER, Set.of(HOST))));
        assertEquals(List.of(), r.rows().hostEpisodes());
        explainedThroughout(r.rows());
        BusinessFeeds.SourceState s = sources(r).get("scheduler");
        assertEquals(5 * MIN, s.cadenceMs(), "its cadence: " + s);
        assertEquals(15 * MIN, s.holdMs(), "held 3 intervals: " + s);
    }

    @Test
    void aFifteenMinuteFeedKeepsABusyHostExplainedBetweenItsReports() {
        Run r = run(
                32,
                List.of(new Feed("allowlist", 1, 0, FOREVER, OTHERS), new Feed("cmdb", 15, 0, FOREVER, Set.of(HOST))));
        assertEquals(List.of(), r.rows().hostEpisodes());
        explainedThroughout(r.rows());
        assertEquals(15 * MIN, sources(r).get("cmdb").cadenceMs());
    }

    /**
     * A report names the jobs running when it is made. A 15-minute scheduler reports at 22:00, the minute a load
     * it does not know starts on h2 (GPUs and outlet rise together: corroborated). Read on the minute, the load's
     * first readings are as old as the 22:00 report that leaves it out: it opens after the sustained window. Read
     * 30 s into each minute, its first readings postdate that report, which cannot have named a job started
     * after it: the verdict waits for the 22:15 report.
     */
    @Test
    void anExcessOpensOnceAReportMadeAtOrAfterItsFirstReadingLeavesItOut() {
        List<Feed> feeds = List.of(
                new Feed("allowlist", 1, 0, FOREVER, OTHERS), new Feed("scheduler", 15, 0, FOREVER, Set.of(HOST)));
        long start = AnalyzerTest.T0 + JOB_START * MIN;
        Episode onTheMinute = onlyHostEpisode(run(36, feeds, true, 0));
        Episode halfAMinuteLater = onlyHostEpisode(run(36, feeds, true, 30_000));
        for (Episode e : List.of(onTheMinute, halfAMinuteLater)) {
            assertEquals(HOST, e.entity());
            assertTrue(Math.abs(e.startedMs() - start) <= 2 * MIN, "dated to the load's start: " + e);
        }
        assertTrue(
                onTheMinute.detectedMs() <= start + 10 * MIN,
                "the 22:00 report was made at its first reading: " + onTheMinute);
        assertEquals(
                start + 15 * MIN, halfAMinuteLater.detectedMs(), "waits for the 22:15 report: " + halfAMinuteLater);
    }

    private static Episode onlyHostEpisode(Run r) {
        List<Episode> eps = r.rows().hostEpisodes();
        assertEquals(1, eps.size(), "one episode: " + eps);
        return eps.get(0);
    }

    @Test
    void aFeedThatStopsWhileJobsRunGivesNoVerdictUntilItIsBack() {
        long stop = 8 * 1440 + 23 * 60; // day 8, 23:00: last report 22:45, held until 23:30
        long back = 9 * 1440 + 60; // day 9, 01:00
        Run r = run(
                33,
                List.of(
                        new Feed("allowlist", 1, 0, FOREVER, OTHERS),
                        new Feed("scheduler", 15, 0, stop, Set.of(HOST)),
                        new Feed("scheduler", 15, back, FOREVER, Set.of(HOST))));
        Rows rows = r.rows();
        assertEquals(List.of(), rows.hostEpisodes(), "a silent feed is not zero business");
        long lastHeld = stop - 15 + 45;
        assertEquals(
                lastHeld - JOB_START + 1,
                rows.minutes(HOST, JOB_START, lastHeld + 1).size(),
                "held, so analysed, until 3 intervals after its last report");
        assertEquals(Set.of(), rows.minutes(HOST, lastHeld + 1, back), "no row, no detector update while silent");
        assertEquals(JOB_END - back, rows.minutes(HOST, back, JOB_END).size(), "analysed again once it reports");
        assertEquals(JOB_END - JOB_START, rows.minutes("h0", JOB_START, JOB_END).size(), "the other hosts carry on");
        for (long m = back; m < JOB_END; m++) {
            assertEquals(0.05 + JOB_UTIL, rows.row(HOST, m)[3], 1e-9, "explained after it came back, minute " + m);
        }
        BusinessFeeds.SourceState s = sources(r).get("scheduler");
        assertTrue(s.fresh(), "fresh at the end: " + s);
        assertEquals(15 * MIN, s.cadenceMs(), "the two-hour outage does not move its cadence: " + s);
    }

    @Test
    void aHostCoveredByTwoSourcesIsAnalysedWhileOneIsSilent() {
        // The allowlist stops for the whole rack at 23:00: h2 carries on with the scheduler, the others wait.
        long stop = 8 * 1440 + 23 * 60;
        Run r = run(
                34,
                List.of(new Feed("allowlist", 1, 0, stop, ALL), new Feed("scheduler", 5, 0, FOREVER, Set.of(HOST))));
        Rows rows = r.rows();
        assertEquals(List.of(), rows.hostEpisodes());
        explainedThroughout(rows);
        long lastHeld = stop - 1 + 3; // a one-minute feed is held for 3 minutes
        for (String other : OTHERS) {
            assertEquals(
                    Set.of(),
                    rows.minutes(other, lastHeld + 1, 10 * 1440),
                    other + ": only the silent feed covered it");
            assertTrue(rows.minutes(other, stop - 60, lastHeld + 1).size() >= 60, other + " was analysed before");
        }
        Map<String, BusinessFeeds.SourceState> s = sources(r);
        assertEquals(Set.of("allowlist", "scheduler"), s.keySet());
        BusinessFeeds.SourceState allowlist = s.get("allowlist");
        assertEquals("silent", allowlist.state());
        assertEquals(MIN, allowlist.cadenceMs());
        assertEquals(3 * MIN, allowlist.holdMs());
        assertEquals(AnalyzerTest.T0 + (stop - 1) * MIN, allowlist.lastReportMs());
        assertEquals((10 * 1440 - 1 - (stop - 1)) * MIN, allowlist.ageMs(), "its age as of the last step");
        BusinessFeeds.SourceState scheduler = s.get("scheduler");
        assertEquals("fresh", scheduler.state());
        assertEquals(5 * MIN, scheduler.cadenceMs());
    }

    @Test
    void aFeedStillReportingOtherHostsNoLongerClaimsOneItDropped() {
        // A query mapping (rows only for hosts with jobs) stops naming h2 at 23:00 but goes on reporting the
        // other hosts: h2 is idle as far as the business knows, its load unexplained, as with no feed, and found.
        long stop = 8 * 1440 + 23 * 60;
        List<Feed> feeds = new ArrayList<>(List.of(
                new Feed("query:slurm", 5, 0, FOREVER, OTHERS), new Feed("query:slurm", 5, 0, stop, Set.of(HOST))));
        Run r = run(35, feeds);
        List<Episode> eps = r.rows().hostEpisodes();
        assertEquals(1, eps.size(), "one episode: " + eps);
        assertEquals(HOST, eps.get(0).entity());
        assertTrue(
                eps.get(0).startedMs() >= AnalyzerTest.T0 + (stop - 5 + 15 - 3) * MIN, "once its hold ran out: " + eps);
    }
}

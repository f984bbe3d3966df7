package io.wattguard.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A weekly maintenance window explains the load a host reports and what the window usually draws beside it on
 * that weekday, not more (issue 11): on {@link AnalyzerTest}'s rack (day 0 is a Monday), h2 runs a nightly
 * incremental backup 02:00-03:00 in a declared window 01:30-04:00, drawing 150 W its components do not report
 * (disks), and a full backup on Sundays that draws 350 W until 03:30; a miner that no component reports either
 * hides in that window on day 23, a Wednesday with three Wednesdays learnt.
 */
class MaintenanceDrawTest {
    private static final long MIN = 60_000;
    private static final String HOST = "h2";
    private static final double INCREMENTAL_W = 150;
    private static final double FULL_W = 350;
    private static final double MINER_W = 300;
    private static final long MINER_START = 23 * 1440 + 2 * 60;

    private static final Schedule.Window NIGHTLY = Schedule.Window.weekly(
            "nightly-backup", EnumSet.allOf(DayOfWeek.class), LocalTime.of(1, 30), LocalTime.of(4, 0), List.of(HOST));

    private static Schedule schedule(Schedule.Window... windows) {
        Schedule.Builder b = Schedule.builder(ZoneOffset.UTC);
        for (Schedule.Window w : windows) {
            b.maintenance(w);
        }
        return b.build();
    }

    private static AnalyzerTest.Scenario backupsAndMiner(int minerMinutes) {
        return new AnalyzerTest.Scenario() {
            @Override
            public double outletOnlyW(String host, long m) {
                if (!host.equals(HOST)) {
                    return 0;
                }
                long minuteOfDay = m % 1440;
                boolean sunday = m / 1440 % 7 == 6;
                double backup = sunday
                        ? minuteOfDay >= 120 && minuteOfDay < 210 ? FULL_W : 0
                        : minuteOfDay >= 120 && minuteOfDay < 180 ? INCREMENTAL_W : 0;
                double miner = m >= MINER_START && m < MINER_START + minerMinutes ? MINER_W : 0;
                return backup + miner;
            }
        };
    }

    private static List<Episode> hostEpisodes(AnalyzerTest.Recorder r) {
        return r.episodes().stream().filter(e -> e.level().equals("host")).toList();
    }

    @Test
    void backupsThatDrawWhatTheyDrewOnTheirWeekdayAreNoEpisode() {
        // 29 days: the fourth Sunday's full backup is bounded by the three before it, not by the weeknights'.
        AnalyzerTest.Recorder r =
                AnalyzerTest.run(29, 31, backupsAndMiner(0), AnalysisSettings.defaults(), schedule(NIGHTLY));
        assertEquals(List.of(), hostEpisodes(r), "nightly 150 W and Sunday 350 W the components do not report");
    }

    @Test
    void aMinerHiddenInTheBackupWindowOpensOnceUncorroboratedForThirtyMinutesAndSaysWhy() {
        List<Explanation> seen = new ArrayList<>();
        AnalyzerTest.Recorder r = AnalyzerTest.run(
                24,
                31,
                backupsAndMiner(90),
                AnalysisSettings.defaults(),
                schedule(NIGHTLY),
                a -> a.setExplain(HOST, seen::add));
        List<Episode> eps = hostEpisodes(r);
        assertEquals(1, eps.size(), "one episode: " + eps);
        Episode e = eps.get(0);
        assertEquals(HOST, e.entity());
        long delayMin = (e.detectedMs() - (AnalyzerTest.T0 + MINER_START * MIN)) / MIN;
        assertTrue(delayMin >= 29 && delayMin <= 33, "outlet only: opens after 30 min, was " + delayMin);
        assertTrue(
                Math.abs(e.startedMs() - (AnalyzerTest.T0 + MINER_START * MIN)) <= 3 * MIN,
                "dated to the miner's start: " + Instant.ofEpochMilli(e.startedMs()));
        assertEquals(MINER_W, e.peakExcessW(), 0.2 * MINER_W, "the miner's watts, not the backup's: " + e);

        Explanation opened = seen.stream()
                .filter(x -> x.verdict() == Explanation.Verdict.OPENED)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no opening among " + seen.size() + " explanations"));
        assertTrue(opened.why().contains("in a maintenance window"), opened.why());
        Explanation thirdWednesday = seen.stream()
                .filter(x -> x.timeMs() == AnalyzerTest.T0 + (16 * 1440 + 2 * 60 + 30) * MIN)
                .findFirst()
                .orElseThrow();
        assertEquals(
                Explanation.Reason.MAINTENANCE,
                thirdWednesday.reason(),
                "two Wednesdays learnt are not enough: " + thirdWednesday.why());
    }

    @Test
    void aOneOffWindowStillExplainsWhateverRuns() {
        long from = AnalyzerTest.T0 + (MINER_START - 30) * MIN;
        Schedule.Window firmware = Schedule.Window.absolute(
                "firmware", Instant.ofEpochMilli(from), Instant.ofEpochMilli(from + 4 * 60 * MIN), List.of(HOST));
        AnalyzerTest.Recorder r =
                AnalyzerTest.run(24, 31, backupsAndMiner(90), AnalysisSettings.defaults(), schedule(NIGHTLY, firmware));
        assertEquals(List.of(), hostEpisodes(r), "a declared one-off window has no usual draw to bound it");
    }
}

package io.wattguard.report;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;

/**
 * Everything the monthly report says, read once from the store ({@link ReportReader}) and handed to every renderer
 * (HTML, PDF, CSV), so the three cannot disagree. Energies are kWh, powers W, times epoch ms, money in
 * {@link #currency}.
 *
 * @param month the month reported
 * @param generatedMs when the report was made (the injected clock)
 * @param dataUntilMs the end of what was read: the month's end, or now for a month still running
 * @param site the site's name, empty when the topology has none
 * @param currency the tariff's currency, empty without a tariff
 * @param priced whether a tariff with a price was configured (without one, costs are 0 and the report says so)
 * @param summary the month's figures and the previous month's
 * @param energyByDay per room, rack and host, kWh per local day
 * @param racks racks ranked by unexplained energy, largest first
 * @param hosts hosts ranked by unexplained energy, largest first
 * @param episodes every episode with a point in the month, by start
 * @param completeness per source (room meters, rack inlets, PDU outlets, host agents): how much of what was
 *     expected arrived
 * @param rackCompleteness the same per rack, over every series placed in it
 * @param heatMaps residual power by local hour of week: the site's, then the worst rack's (none without
 *     baselines)
 */
public record MonthlyReport(
        ReportMonth month,
        long generatedMs,
        long dataUntilMs,
        String site,
        String currency,
        boolean priced,
        Summary summary,
        List<DailyEnergy> energyByDay,
        List<Ranked> racks,
        List<Ranked> hosts,
        List<EpisodeReport> episodes,
        List<Completeness> completeness,
        List<Completeness> rackCompleteness,
        List<HeatMap> heatMaps) {

    /** Which kind of place an energy figure is for. */
    public enum Level {
        ROOM,
        RACK,
        HOST;

        /** As in the CSV and the store's tags. */
        public String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * @param energyKwh the rooms' meters' energy (the site's)
     * @param cost that energy at the tariff's price of each hour
     * @param unexplainedKwh excess energy of host and rack episodes in the month
     * @param unexplainedCost its cost, as the analysis priced it
     * @param episodesBySeverity episodes with a point in the month, per severity (low to critical), all present
     * @param previous the same figures for the month before; null when the store holds nothing for it
     * @param daysWithData local days of the month with room meter energy
     * @param days local days of the month (up to now for a month still running)
     */
    public record Summary(
            double energyKwh,
            double cost,
            double unexplainedKwh,
            double unexplainedCost,
            Map<String, Integer> episodesBySeverity,
            Previous previous,
            int daysWithData,
            int days) {}

    /** The month before: what the change is computed against, and how many of its days had data. */
    public record Previous(
            double energyKwh, double cost, double unexplainedKwh, double unexplainedCost, int daysWithData, int days) {}

    /**
     * How much of what a source (or a rack) should have written arrived. Each series' cadence is its busiest hour's
     * count of points; expected is that cadence over every hour of the month, so a series that starts late, stops
     * or has gaps shows a share below 1.
     *
     * @param name the source ({@code room_meters}, {@code rack_inlets}, {@code outlets}, {@code host_agents}) or
     *     the rack
     * @param series how many series (channels, hosts) it has
     * @param share points that arrived over points expected, 0..1
     * @param longestGap the longest run of hours without a point, of any of its series; null when none
     * @param gaps how many runs of one hour or more without a point, over its series
     * @param lateStarts series whose first point came after the month began: name and first time
     */
    public record Completeness(
            String name, int series, double share, Gap longestGap, int gaps, List<LateStart> lateStarts) {}

    /**
     * Mean residual power (measured less expected) by local hour of the week, Monday first: where in the week the
     * unexplained watts sit.
     *
     * @param name {@code site}, or the rack's name
     * @param meanW [day of week 0..6][hour 0..23], NaN where no hour of the month fell
     */
    public record HeatMap(String name, double[][] meanW) {}

    /** Hours in which one series wrote nothing: {@code [fromMs, toMs)}. */
    public record Gap(String series, long fromMs, long toMs) {}

    /** A series that began during the month: a host added, a meter installed. */
    public record LateStart(String series, long firstMs) {}

    /** One room's, rack's or host's energy on one local day. */
    public record DailyEnergy(Level level, String name, LocalDate day, double kwh) {}

    /**
     * A rack or host by its unexplained energy in the month.
     *
     * @param name the rack or host
     * @param rack the host's rack ("" for a rack or an unknown one)
     * @param energyKwh its metered energy in the month
     * @param unexplainedKwh its episodes' excess energy in the month (a rack's includes its hosts')
     * @param unexplainedCost their cost
     * @param episodes how many episodes
     */
    public record Ranked(
            String name, String rack, double energyKwh, double unexplainedKwh, double unexplainedCost, int episodes) {}

    /**
     * One episode as it stood at the end of the month (its last point in the month), every field of its
     * {@code anomaly} points, its share of the month, the evidence parsed, and the band around it.
     *
     * @param monthKwh its excess energy inside the month (less what it had before the month began)
     * @param monthCost the cost of that energy
     * @param endedMs when it ended, null while still open at the end of the month
     * @param lastPointMs the time of its last point in the month: how far an open episode is known to have lasted
     * @param evidenceJson the stored evidence, verbatim ("" when none)
     * @param chartEntity whose baseline the chart shows: the entity's own, or for a GPU its host's (the analysis
     *     writes no baseline per GPU)
     * @param chart actual against expected over the episode, with context before and after
     */
    public record EpisodeReport(
            String id,
            String entity,
            String level,
            String kind,
            String severity,
            String host,
            String state,
            String title,
            double excessW,
            double energyKwh,
            double cost,
            double score,
            long startedMs,
            long detectedMs,
            Long endedMs,
            long lastPointMs,
            double monthKwh,
            double monthCost,
            String evidenceJson,
            List<EvidenceItem> evidence,
            String chartEntity,
            List<BandPoint> chart) {}

    /**
     * One line of an episode's evidence.
     *
     * @param group {@code gpus}, {@code processes}, {@code connections}, {@code outlets}, {@code findings}, or
     *     another key the analysis wrote
     * @param fields what it says: the stored keys (gpu, pid, util_pct...) and their values, in stored order
     */
    public record EvidenceItem(String group, Map<String, String> fields) {}

    /** One bucket of an entity's {@code baseline}: means of measured, expected and expected-plus-floor. */
    public record BandPoint(long timeMs, double actualW, double expectedW, double upperW) {}
}

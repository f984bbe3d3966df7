package io.wattguard.alert;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The monthly report as the alert outputs send it: which month, where its files are, and its headline figures.
 *
 * @param month {@code YYYY-MM}
 * @param site {@code topology.site}, or "site" when unset
 * @param fromMs the month's start (local midnight of the 1st in business.zone)
 * @param toMs the next month's start
 * @param dir the folder of the month's files
 * @param files every file written, absolute paths, in the order written
 * @param currency the tariff's; null when it has none
 * @param episodesBySeverity episodes of the month by severity word, {@code low} to {@code critical}
 * @param episodes all episodes of the month
 */
public record ReportSummary(
        String month,
        String site,
        long fromMs,
        long toMs,
        Path dir,
        List<Path> files,
        double energyKwh,
        double cost,
        String currency,
        double unexplainedKwh,
        double unexplainedCost,
        Map<String, Integer> episodesBySeverity,
        int episodes,
        int daysWithData,
        int days) {

    public ReportSummary {
        files = List.copyOf(files);
        episodesBySeverity = Map.copyOf(episodesBySeverity);
    }

    /** {@code report-YYYY-MM}: the same month sent twice (a crash before the marker) has the same id. */
    public String id() {
        return "report-" + month;
    }

    /** One line for people: month, site, energy, cost, unexplained energy and cost, episodes, folder. */
    public String title() {
        String cur = currency == null ? "" : " " + currency;
        return String.format(
                Locale.ROOT,
                "Monthly report %s for %s: %.1f kWh, %.2f%s; unexplained %.1f kWh (%.2f%s); %d episodes; %s",
                month,
                site,
                energyKwh,
                cost,
                cur,
                unexplainedKwh,
                unexplainedCost,
                cur,
                episodes,
                dir);
    }
}

package io.wattguard.report;

import io.wattguard.report.MonthlyReport.DailyEnergy;
import io.wattguard.report.MonthlyReport.EpisodeReport;
import io.wattguard.store.Schema;
import io.wattguard.store.Schema.Anomaly;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * The report's figures as CSV (RFC 4180, UTF-8, machine formats whatever the report's language: ISO dates and
 * times, '.' decimals), for spreadsheets: energy per day per room, rack and host; and the episodes with every
 * field of the {@code anomaly} schema plus their share of the month.
 */
final class CsvReport {
    static final String ENERGY_LEVEL = "level";

    private CsvReport() {}

    /** {@code energy-YYYY-MM.csv}: level, name, date, kwh. */
    static Path energy(MonthlyReport report, Path dir) throws IOException {
        Path file = dir.resolve("energy-" + report.month() + ".csv");
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
                CSVPrinter csv = CSVFormat.RFC4180
                        .builder()
                        .setHeader(ENERGY_LEVEL, "name", "date", "kwh")
                        .get()
                        .print(w)) {
            for (DailyEnergy d : report.energyByDay()) {
                csv.printRecord(d.level().word(), d.name(), d.day().toString(), number(d.kwh()));
            }
        }
        return file;
    }

    /** The columns of {@code episodes-YYYY-MM.csv}: every anomaly tag and field, then the month's share. */
    static final List<String> EPISODE_COLUMNS = List.of(
            Anomaly.ID,
            Anomaly.ENTITY,
            Anomaly.LEVEL,
            Anomaly.KIND,
            Anomaly.SEVERITY,
            Schema.HOST,
            Anomaly.STATE,
            Anomaly.TITLE,
            Anomaly.EXCESS_W,
            Anomaly.ENERGY_KWH,
            Anomaly.COST,
            Anomaly.SCORE,
            Anomaly.STARTED_MS,
            Anomaly.DETECTED_MS,
            Anomaly.ENDED_MS,
            "last_point_ms",
            "started",
            "detected",
            "ended",
            "month_kwh",
            "month_cost",
            Anomaly.EVIDENCE);

    static Path episodes(MonthlyReport report, Path dir) throws IOException {
        Path file = dir.resolve("episodes-" + report.month() + ".csv");
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
                CSVPrinter csv = CSVFormat.RFC4180
                        .builder()
                        .setHeader(EPISODE_COLUMNS.toArray(String[]::new))
                        .get()
                        .print(w)) {
            for (EpisodeReport e : report.episodes()) {
                csv.printRecord(
                        e.id(),
                        e.entity(),
                        e.level(),
                        e.kind(),
                        e.severity(),
                        e.host(),
                        e.state(),
                        e.title(),
                        number(e.excessW()),
                        number(e.energyKwh()),
                        number(e.cost()),
                        number(e.score()),
                        e.startedMs(),
                        e.detectedMs(),
                        e.endedMs() == null ? "" : e.endedMs(),
                        e.lastPointMs(),
                        Instant.ofEpochMilli(e.startedMs()).toString(),
                        Instant.ofEpochMilli(e.detectedMs()).toString(),
                        e.endedMs() == null
                                ? ""
                                : Instant.ofEpochMilli(e.endedMs()).toString(),
                        number(e.monthKwh()),
                        number(e.monthCost()),
                        e.evidenceJson());
            }
        }
        return file;
    }

    /** Enough digits that sums agree with the report's figures to the cent and the watt-hour. */
    private static String number(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.6f", v);
    }
}

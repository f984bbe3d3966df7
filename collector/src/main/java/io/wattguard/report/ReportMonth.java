package io.wattguard.report;

import java.time.DateTimeException;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * A calendar month in the site's business zone: from local midnight of the 1st to local midnight of the next
 * 1st, so a month is what the people reading the report call a month (a DST change makes it an hour shorter or
 * longer, as their bill is).
 */
public record ReportMonth(YearMonth month, ZoneId zone) {
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("uuuu-MM");

    public ReportMonth {
        if (month == null || zone == null) {
            throw new IllegalArgumentException("a report month needs a month and a zone");
        }
    }

    /**
     * {@code YYYY-MM}, such as 2026-03.
     *
     * @throws IllegalArgumentException naming what was expected
     */
    public static ReportMonth parse(String text, ZoneId zone) {
        if (text == null || !text.matches("\\d{4}-\\d{2}")) {
            throw new IllegalArgumentException("expected a month as YYYY-MM, such as 2026-03, found '" + text + "'");
        }
        try {
            return new ReportMonth(YearMonth.parse(text, FORMAT), zone);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException(
                    "expected a month as YYYY-MM with a month 01 to 12, found '" + text + "'");
        }
    }

    /** Local midnight of the 1st, epoch ms. */
    public long fromMs() {
        return month.atDay(1).atStartOfDay(zone).toInstant().toEpochMilli();
    }

    /** Local midnight of the next month's 1st, epoch ms (exclusive). */
    public long toMs() {
        return month.plusMonths(1).atDay(1).atStartOfDay(zone).toInstant().toEpochMilli();
    }

    public ReportMonth previous() {
        return new ReportMonth(month.minusMonths(1), zone);
    }

    /** {@code 2026-03}: file names and the CSV. */
    @Override
    public String toString() {
        return FORMAT.format(month);
    }
}

package io.wattguard.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.store.InfluxSettings;
import io.wattguard.store.read.InfluxQuery;
import io.wattguard.testing.InfluxdTest;
import io.wattguard.testing.TinySite;
import java.time.LocalDate;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

/** Data completeness where the month does not start on a UTC hour. */
class CompletenessTest extends InfluxdTest {
    private static final long HOUR = 3_600_000L;

    @Test
    void aSiteHalfAnHourOffUtcCountsWholeHoursOfItsOwn() throws Exception {
        String db = "completeness_kolkata";
        TinySite.createDatabase(influxd.url(), db);
        // Two days of a Kolkata month (UTC+05:30), an outlet every 10 minutes, none missing.
        long from = LocalDate.of(2026, 3, 1)
                .atStartOfDay(ZoneId.of("Asia/Kolkata"))
                .toInstant()
                .toEpochMilli();
        long to = from + 48 * HOUR;
        StringBuilder lines = new StringBuilder();
        for (long t = from; t < to; t += 600_000) {
            lines.append("meter,kind=outlet,device=pdu-a1,channel=1,host=gpu-01,rack=a1 energy_kwh=")
                    .append((t - from) / 3.6e6)
                    .append(' ')
                    .append(t)
                    .append('\n');
        }
        TinySite.write(influxd.url(), db, lines.toString());

        Completeness.Result r;
        try (InfluxQuery q = new InfluxQuery(InfluxSettings.local(influxd.url(), db))) {
            r = Completeness.read(q, from, to);
        }
        MonthlyReport.Completeness outlets = r.sources().get(0);
        assertEquals("outlets", outlets.name());
        assertEquals(1.0, outlets.share(), 1e-12, "every point arrived: " + outlets);
        assertEquals(0, outlets.gaps(), outlets.toString());
        assertTrue(outlets.lateStarts().isEmpty(), "the series began with the month: " + outlets);
        assertEquals("time(1h, 1800000ms)", Completeness.hours(from));
        assertEquals("time(1h)", Completeness.hours(from + 30 * 60_000));
    }
}

package io.wattguard.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.DayOfWeek;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class TariffTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    private static long at(int y, int m, int d, int h, int min) {
        return ZonedDateTime.of(y, m, d, h, min, 0, 0, BERLIN).toInstant().toEpochMilli();
    }

    @Test
    void timeOfUseBandsAreLocalFirstMatchWinsAndNightBandsBelongToTheDayTheyStart() {
        Tariff t = new Tariff(
                "EUR",
                0.20,
                BERLIN,
                List.of(
                        new Tariff.Band(EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY), 8 * 60, 20 * 60, 0.31),
                        new Tariff.Band(EnumSet.of(DayOfWeek.FRIDAY), 22 * 60, 6 * 60, 0.12)));
        assertEquals(0.31, t.pricePerKwh(at(2026, 3, 27, 8, 0)), 1e-9, "Friday 08:00, from is inclusive");
        assertEquals(0.20, t.pricePerKwh(at(2026, 3, 27, 20, 0)), 1e-9, "Friday 20:00, to is exclusive");
        assertEquals(0.12, t.pricePerKwh(at(2026, 3, 27, 23, 30)), 1e-9, "Friday night");
        assertEquals(0.12, t.pricePerKwh(at(2026, 3, 28, 3, 0)), 1e-9, "Saturday 03:00 is still Friday's night band");
        assertEquals(0.20, t.pricePerKwh(at(2026, 3, 28, 23, 0)), 1e-9, "Saturday night has no band");
        // Across the DST change (29 March 2026) 08:00 stays 08:00 local.
        assertEquals(0.31, t.pricePerKwh(at(2026, 3, 30, 8, 0)), 1e-9);
        assertEquals(0.20, t.pricePerKwh(at(2026, 3, 30, 7, 59)), 1e-9);
    }

    @Test
    void flatIsOnePrice() {
        assertEquals(0.25, Tariff.flat(0.25, "EUR").pricePerKwh(at(2026, 1, 1, 3, 0)), 1e-9);
        assertEquals(0, Tariff.none().pricePerKwh(0), 1e-9);
    }
}

package io.wattguard.analytics;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Set;

/**
 * What a kWh costs at a moment: one flat price, or time-of-use bands in the site's local time (the first
 * band that covers the moment wins, else the default price). Bands may wrap midnight (22:00-06:00).
 */
public record Tariff(String currency, double defaultPrice, ZoneId zone, List<Band> bands) {

    /** Days of the week and {@code [fromMinute, toMinute)} of the local day; {@code from > to} wraps midnight. */
    public record Band(Set<DayOfWeek> days, int fromMinute, int toMinute, double price) {
        boolean covers(DayOfWeek day, int minute) {
            if (fromMinute <= toMinute) {
                return days.contains(day) && minute >= fromMinute && minute < toMinute;
            }
            // A night band belongs to the day it starts on: Friday 22:00-06:00 covers Saturday 03:00.
            return (days.contains(day) && minute >= fromMinute) || (days.contains(day.minus(1)) && minute < toMinute);
        }
    }

    public Tariff {
        bands = List.copyOf(bands);
    }

    public static Tariff flat(double price, String currency) {
        return new Tariff(currency, price, ZoneId.of("UTC"), List.of());
    }

    public static Tariff none() {
        return flat(0, "");
    }

    public double pricePerKwh(long epochMs) {
        if (bands.isEmpty()) {
            return defaultPrice;
        }
        ZonedDateTime t = Instant.ofEpochMilli(epochMs).atZone(zone);
        int minute = t.getHour() * 60 + t.getMinute();
        for (Band b : bands) {
            if (b.covers(t.getDayOfWeek(), minute)) {
                return b.price();
            }
        }
        return defaultPrice;
    }
}

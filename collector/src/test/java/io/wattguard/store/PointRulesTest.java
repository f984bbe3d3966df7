package io.wattguard.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.wattguard.core.Sample;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What influxd refuses (or silently drops) cannot be made into a Sample; the message says why. */
class PointRulesTest {
    private static String refusal(Sample.Builder b) {
        return assertThrows(IllegalArgumentException.class, b::build).getMessage();
    }

    @Test
    void namesInfluxdRefusesOrDropsAreRefusedWhereThePointIsMade() {
        assertEquals(
                "measurement must not be empty",
                refusal(Sample.builder("").field("x", 1L).time(0)));
        assertEquals(
                "measurement '#gpu' must not start with '#', a tab or NUL",
                refusal(Sample.builder("#gpu").field("x", 1L).time(0)));
        assertEquals(
                "gpu: field names must not be empty",
                refusal(Sample.builder("gpu").field("", 1L).time(0)));
        assertEquals(
                "gpu: tag names must not be empty",
                refusal(Sample.builder("gpu").tag("", "a").field("x", 1L).time(0)));
        assertEquals(
                "gpu: 'time' cannot be a tag name",
                refusal(Sample.builder("gpu").tag("time", "a").field("x", 1L).time(0)));
        assertEquals(
                "gpu: 'time' cannot be a field name",
                refusal(Sample.builder("gpu").field("time", 1L).time(0)));
        Sample ok = Sample.builder("gpu").field("x", 1L).time(0).build();
        assertEquals(
                "gpu: 'time' cannot be a tag name",
                assertThrows(IllegalArgumentException.class, () -> ok.withDefaultTags(Map.of("time", "t")))
                        .getMessage());
    }

    @Test
    void timestampsOutsideInfluxDbsRangeAreRefused() {
        Sample.builder("gpu").field("x", 1L).time(PointRules.MAX_MS).build();
        Sample.builder("gpu").field("x", 1L).time(PointRules.MIN_MS).build();
        assertEquals(
                "time 9999999999999 is outside InfluxDB's range of 1677-09-21T00:12:43.146Z to "
                        + "2262-04-11T23:47:16.854Z (epoch milliseconds expected; nanoseconds or microseconds?)",
                refusal(Sample.builder("gpu").field("x", 1L).time(9_999_999_999_999L)));
        Sample ok = Sample.builder("gpu").field("x", 1L).time(0).build();
        assertThrows(IllegalArgumentException.class, () -> ok.withTimestamp(PointRules.MIN_MS - 1));
    }
}

package io.wattguard.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The damping rule and the error's time and currency, on a clock the test moves. */
class HealthTest {
    /** A clock that stands still until the test moves it: the rule is about time, so the test sets the time. */
    private static final class StepClock extends Clock {
        long ms = Instant.parse("2026-12-04T10:00:00Z").toEpochMilli();

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(ms);
        }

        void advance(Duration d) {
            ms += d.toMillis();
        }
    }

    private final StepClock clock = new StepClock();
    private final Health health = new Health(clock, Health.SETTLE);

    private ObjectNode shown() {
        ObjectNode n = new ObjectMapper().createObjectNode();
        health.writeError(n);
        return n;
    }

    @Test
    void alternatingFailuresAndSuccessesStayFailingWithoutAFlip() {
        health.succeeded();
        assertTrue(health.ok());
        int flips = 0;
        boolean before = health.ok();
        for (int i = 0; i < 60; i++) { // a retry a second for a minute, every other one failing
            if (i % 2 == 0) {
                health.failed("cannot read spool /var/lib/wattguard/spool: Not a directory");
            } else {
                health.succeeded();
            }
            clock.advance(Duration.ofSeconds(1));
            flips += health.ok() == before ? 0 : 1;
            before = health.ok();
        }
        assertEquals(1, flips, "one change, to failing, and no flapping back");
        assertFalse(health.ok());
    }

    @Test
    void failingIsAtOnceAndOkComesAfterThirtySecondsOfSuccess() {
        health.failed("InfluxDB answered HTTP 401: authorization failed");
        assertFalse(health.ok(), "a failure shows at once");
        clock.advance(Duration.ofSeconds(5));
        health.succeeded();
        clock.advance(Duration.ofSeconds(29));
        health.succeeded();
        assertFalse(health.ok(), "29 s of success is not enough");
        clock.advance(Duration.ofSeconds(1));
        assertTrue(health.ok(), "30 s of success is");
    }

    @Test
    void theErrorCarriesItsTimeAndIsMarkedPastOnceOk() {
        assertEquals("{}", shown().toString(), "nothing to say before any error");
        health.failed("cannot reach InfluxDB at http://influx:8086/: Connection refused");
        ObjectNode now = shown();
        assertEquals(
                "cannot reach InfluxDB at http://influx:8086/: Connection refused",
                now.path("last_error").asText());
        assertEquals("2026-12-04T10:00:00Z", now.path("last_error_at").asText());
        assertFalse(now.has("previous_error"));

        clock.advance(Duration.ofSeconds(10));
        health.succeeded();
        assertTrue(shown().has("last_error"), "still current while settling");
        clock.advance(Health.SETTLE);
        ObjectNode past = shown();
        assertFalse(past.has("last_error"), past.toString());
        assertEquals(
                "cannot reach InfluxDB at http://influx:8086/: Connection refused",
                past.path("previous_error").asText());
        assertEquals("2026-12-04T10:00:00Z", past.path("previous_error_at").asText());
    }

    @Test
    void aNotedErrorIsKeptWithItsTimeButDoesNotMakeTheComponentFail() {
        health.succeeded();
        clock.advance(Duration.ofMinutes(1));
        health.noted("InfluxDB at http://influx:8086/ did not answer a write within 5000 ms (influxdb.timeout)");
        assertTrue(health.ok());
        assertEquals("2026-12-04T10:01:00Z", shown().path("previous_error_at").asText());
    }

    @Test
    void aComponentNeverRunIsNotStarted() {
        assertFalse(health.started());
        health.succeeded();
        assertTrue(health.started());
    }
}

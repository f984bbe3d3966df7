package io.wattguard.source.modbus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.config.ConfigException;
import io.wattguard.core.SourceSpec;
import io.wattguard.core.Topology;
import io.wattguard.testing.Configs;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The modbus source's {@code spread} as check-config judges it, and the phases it gives the devices. */
class ModbusFactoryTest {
    @TempDir
    Path tmp;

    private ModbusSource source(String keys) {
        var s = Configs.load(tmp, """
                http: {enabled: false}
                sources:
                  - name: pdus
                    type: modbus
                    devices: [{name: pdu, host: 127.0.0.1, port: 1, profile: generic-pdu}]
                """ + keys.indent(4));
        try {
            return (ModbusSource)
                    s.sources().get(0).create(new SourceSpec.Context(Clock.systemUTC(), Topology.empty(), "t"));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void spreadIsHalfTheIntervalUnlessTheTimeoutIsShort() {
        assertEquals(0.5, source("interval: 1s").spread(), 0.0);
        assertEquals(0.5, source("interval: 10s\ntimeout: 9s").spread(), 0.0);
        // A 1 s timeout at 10 s: the last device must start within 600 ms, so the default shrinks to that
        // instead of turning a configuration that was valid before spread existed into an error.
        assertEquals(0.06, source("interval: 10s\ntimeout: 1s").spread(), 1e-12);
    }

    @Test
    void spreadIsWrittenAsAPercentageOrZero() {
        assertEquals(0.25, source("interval: 1s\nspread: 25%").spread(), 0.0);
        assertEquals(0.125, source("interval: 1s\nspread: 12.5%").spread(), 0.0);
        assertEquals(0.0, source("interval: 1s\nspread: 0").spread(), 0.0);
        assertEquals(0.0, source("interval: 1s\nspread: 0%").spread(), 0.0);
    }

    @Test
    void everySpreadProblemIsReported() {
        for (String bad : List.of("50", "0.5", "half", "150%", "-5%")) {
            ConfigException e = assertThrows(ConfigException.class, () -> source("interval: 1s\nspread: " + bad), bad);
            assertTrue(
                    e.getMessage()
                            .contains("sources[0].spread: expected a share of the interval from 0% to 100%, "
                                    + "such as 50% (0 starts every device at the tick), found '" + bad + "'"),
                    e.getMessage());
        }
        ConfigException e =
                assertThrows(ConfigException.class, () -> source("interval: 1s\ntimeout: 500ms\nspread: 50%"));
        assertTrue(
                e.getMessage()
                        .contains("sources[0].spread: 50% of the 1s interval spreads the device polls over 500ms "
                                + "after the tick, but they must all start within 300ms (60% of the source's timeout, 500ms) to answer before the "
                                + "source stops waiting; lower spread or raise timeout"),
                e.getMessage());
    }

    @Test
    void devicesStartEvenlyOverTheWindowInTheirOrder() {
        assertEquals(List.of(0L, 125L, 250L, 375L), phases(4, 1000, 0.5));
        assertEquals(List.of(0L, 0L, 0L), phases(3, 1000, 0.0));
        assertEquals(List.of(0L), phases(1, 10_000, 0.5));
        List<Long> thousand = phases(1000, 1000, 0.5);
        assertEquals(0L, thousand.get(0));
        assertEquals(495L, thousand.get(999), "the last device starts within the window");
        for (int i = 1; i < thousand.size(); i++) {
            long step = thousand.get(i) - thousand.get(i - 1);
            assertTrue(step == 0 || step == 5, "ten devices every 5 ms: " + i);
        }
        assertEquals(10, thousand.stream().filter(p -> p == 250L).count());
    }

    private static List<Long> phases(int count, long intervalMs, double spread) {
        return java.util.stream.IntStream.range(0, count)
                .mapToObj(i -> ModbusSource.phaseMs(i, count, intervalMs, spread))
                .toList();
    }
}

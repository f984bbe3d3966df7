package io.wattguard.store.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.core.Sample;
import io.wattguard.store.InfluxSettings;
import io.wattguard.store.spool.FsyncPolicy;
import io.wattguard.store.spool.SpoolSettings;
import io.wattguard.testing.InfluxdTest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What we write is what InfluxDB stores: awkward names, every field type, exact values and timestamps. */
class LineProtocolRoundTripTest extends InfluxdTest {
    @TempDir
    Path tmp;

    private InfluxSink sink(String db) {
        InfluxSink s = new InfluxSink(
                new InfluxWriter(InfluxSettings.local(influxd.url(), db)),
                new SpoolSettings(
                        tmp.resolve("spool"), 1 << 24, 1 << 20, FsyncPolicy.BATCH, Duration.ofSeconds(1), 10_000),
                Clock.systemUTC());
        s.start();
        return s;
    }

    @Test
    void awkwardNamesAndEveryFieldTypeComeBackExactly() throws Exception {
        long t = 1_764_000_000_123L;
        Sample s = Sample.builder("gpu process")
                .tag("host", "rack 1,gpu=7")
                .tag("process", "python3 train.py")
                .field("sm_util_pct", 12.345678901234)
                .field("mem_bytes", 81_604_378_624L)
                .field("business", true)
                .field("exe", "/opt/a \"quoted\" \\path")
                .field("tiny", 1e-7)
                .field("huge", 1.5e20)
                .field("whole", 300.0)
                .field("negative", -40.25)
                .time(t)
                .build();
        try (InfluxSink sink = sink("rt")) {
            sink.accept(List.of(s));
            assertTrue(sink.flush(Duration.ofSeconds(30)), "delivered");
        }
        List<Map<String, Object>> rows = query("rt", "SELECT * FROM \"gpu process\" WHERE time >= 0 AND time <= now()");
        assertEquals(1, rows.size());
        Map<String, Object> r = rows.get(0);
        assertEquals(t, r.get("time"));
        assertEquals("rack 1,gpu=7", r.get("host"));
        assertEquals("python3 train.py", r.get("process"));
        assertEquals(12.345678901234, r.get("sm_util_pct"));
        assertEquals(81_604_378_624L, r.get("mem_bytes"));
        assertEquals(true, r.get("business"));
        assertEquals("/opt/a \"quoted\" \\path", r.get("exe"));
        assertEquals(1e-7, r.get("tiny"));
        assertEquals(1.5e20, r.get("huge"));
        assertEquals(300L, ((Number) r.get("whole")).longValue());
        assertEquals(-40.25, r.get("negative"));
        // A float written as "300" must still be a float to InfluxDB, or the next 300.5 would be a type conflict.
        assertEquals(
                List.of(Map.of("fieldKey", "whole", "fieldType", "float")),
                query("rt", "SHOW FIELD KEYS FROM \"gpu process\"").stream()
                        .filter(m -> "whole".equals(m.get("fieldKey")))
                        .toList());
    }
}

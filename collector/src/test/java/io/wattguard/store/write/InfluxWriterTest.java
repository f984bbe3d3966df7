package io.wattguard.store.write;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.core.Sample;
import io.wattguard.store.InfluxSettings;
import io.wattguard.store.spool.FsyncPolicy;
import io.wattguard.store.spool.SpoolSettings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An InfluxDB whose host name does not resolve (yet) is an outage like any other, not a failure at start. */
class InfluxWriterTest {
    /** {@code .invalid} never resolves (RFC 2606). */
    private static final URI NO_SUCH_HOST = URI.create("http://influxdb.wattguard.invalid:8086");

    @TempDir
    Path tmp;

    @Test
    void aHostNameThatDoesNotResolveIsRetriedNamingTheUrl() {
        try (InfluxWriter w = new InfluxWriter(InfluxSettings.local(NO_SUCH_HOST, "x"))) {
            InfluxWriter.Outcome o = w.write("m v=1 1700000000000");
            InfluxWriter.Outcome.Retry retry = assertInstanceOf(InfluxWriter.Outcome.Retry.class, o);
            assertTrue(retry.reason().startsWith("cannot reach InfluxDB at " + NO_SUCH_HOST + ": "), retry.reason());
            assertTrue(retry.reason().contains("influxdb.wattguard.invalid"), retry.reason());
        }
    }

    @Test
    void theSinkKeepsTheBatchesInTheSpoolMeanwhile() throws Exception {
        SpoolSettings spool = new SpoolSettings(
                tmp.resolve("spool"), 1 << 26, 1 << 20, FsyncPolicy.BATCH, Duration.ofSeconds(1), 100_000);
        try (InfluxSink sink =
                new InfluxSink(new InfluxWriter(InfluxSettings.local(NO_SUCH_HOST, "x")), spool, Clock.systemUTC())) {
            sink.start();
            sink.accept(List.of(Sample.builder("gpu")
                    .tag("host", "a")
                    .field("power_w", 1.0)
                    .time(1_700_000_000_000L)
                    .build()));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (sink.stats().lastError.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertTrue(
                    sink.stats().lastError.contains("cannot reach InfluxDB at " + NO_SUCH_HOST),
                    sink.stats().lastError);
            assertTrue(sink.spoolBytes() > 0, "the batch waits in the spool");
        }
    }
}

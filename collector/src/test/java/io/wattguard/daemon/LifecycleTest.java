package io.wattguard.daemon;

import io.wattguard.core.Topology;
import io.wattguard.influx.PrivateInfluxd;
import io.wattguard.store.InfluxSettings;
import io.wattguard.store.spool.FsyncPolicy;
import io.wattguard.store.spool.Spool;
import io.wattguard.store.spool.SpoolSettings;
import io.wattguard.store.write.InfluxSink;
import io.wattguard.store.write.InfluxWriter;
import io.wattguard.testing.Configs;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/** Every component: {@code close()} twice, and {@code close()} without {@code start()}, neither throws nor hangs. */
class LifecycleTest {
    @TempDir
    static Path tmp;

    private static final URI NOWHERE = URI.create("http://127.0.0.1:1");

    private static SpoolSettings spool(String name) {
        return new SpoolSettings(tmp.resolve(name), 1 << 20, 1 << 16, FsyncPolicy.BATCH, Duration.ofSeconds(1), 1000);
    }

    @TestFactory
    Stream<DynamicTest> closeIsIdempotentAndSafeWithoutStart() {
        List<Object[]> components = List.of(
                new Object[] {
                    "Spool",
                    (Supplier<AutoCloseable>) () -> {
                        try {
                            return new Spool(
                                    tmp.resolve("s"), 1 << 20, 1 << 16, FsyncPolicy.BATCH, 1000, Clock.systemUTC());
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                },
                new Object[] {
                    "InfluxWriter", (Supplier<AutoCloseable>) () -> new InfluxWriter(InfluxSettings.local(NOWHERE, "x"))
                },
                new Object[] {
                    "InfluxSink",
                    (Supplier<AutoCloseable>) () -> new InfluxSink(
                            new InfluxWriter(InfluxSettings.local(NOWHERE, "x")), spool("sink"), Clock.systemUTC())
                },
                new Object[] {
                    "InfluxSink started",
                    (Supplier<AutoCloseable>) () -> {
                        InfluxSink s = new InfluxSink(
                                new InfluxWriter(InfluxSettings.local(NOWHERE, "x")),
                                spool("sink2"),
                                Clock.systemUTC());
                        s.start();
                        return s;
                    }
                },
                new Object[] {
                    "Batcher",
                    (Supplier<AutoCloseable>) () -> new Batcher(
                            Topology.empty(),
                            new io.wattguard.core.Sink() {
                                public void accept(List<io.wattguard.core.Sample> batch) {}

                                public void close() {}
                            },
                            new Settings.Batch(10, Duration.ofMillis(50), 100),
                            f -> {})
                },
                new Object[] {
                    "Scheduler", (Supplier<AutoCloseable>) () -> new Scheduler(List.of(), b -> {}, Clock.systemUTC(), 4)
                },
                new Object[] {
                    "Daemon", (Supplier<AutoCloseable>) () -> new Daemon(Configs.load(tmp, """
                        influxdb: {url: http://127.0.0.1:1}
                        spool: {dir: daemon-spool}
                        http: {enabled: false}
                        sources: [{name: s, type: synthetic, series: [{measurement: gpu, fields: {power_w: 1}}]}]
                        """), Clock.systemUTC())
                },
                new Object[] {"AnalysisService", (Supplier<AutoCloseable>) () -> analysis(false)},
                new Object[] {"AnalysisService started, InfluxDB away", (Supplier<AutoCloseable>) () -> analysis(true)},
                new Object[] {
                    "Alerts",
                    (Supplier<AutoCloseable>) () -> io.wattguard.alert.Alerts.create(
                            io.wattguard.alert.AlertSettings.none(), Clock.systemUTC(), "h")
                },
                new Object[] {
                    "StoreReader",
                    (Supplier<AutoCloseable>) () -> new io.wattguard.store.read.StoreReader(
                            InfluxSettings.local(NOWHERE, "x"), 100, System::currentTimeMillis)
                },
                new Object[] {
                    "PrivateInfluxd",
                    (Supplier<AutoCloseable>) () -> {
                        try {
                            return PrivateInfluxd.startTemporary();
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }
                });
        return components.stream()
                .map(c -> DynamicTest.dynamicTest((String) c[0], () -> {
                    // A close that hangs fails the test instead of the build.
                    @SuppressWarnings("unchecked")
                    AutoCloseable a = ((Supplier<AutoCloseable>) c[1]).get();
                    org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
                        a.close();
                        a.close();
                    });
                }));
    }

    private static io.wattguard.detect.AnalysisService analysis(boolean start) {
        var s = new io.wattguard.detect.AnalysisService(
                io.wattguard.detect.AnalysisConfig.defaults(),
                InfluxSettings.local(NOWHERE, "x"),
                io.wattguard.analytics.Schedule.always(),
                Topology.empty(),
                Clock.systemUTC(),
                b -> {},
                io.wattguard.analytics.AnalysisOutput.NONE);
        if (start) {
            s.start();
        }
        return s;
    }
}

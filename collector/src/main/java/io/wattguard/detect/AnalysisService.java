package io.wattguard.detect;

import io.wattguard.analytics.AnalysisOutput;
import io.wattguard.analytics.BusinessFeeds;
import io.wattguard.analytics.Schedule;
import io.wattguard.core.Health;
import io.wattguard.core.Sample;
import io.wattguard.core.Topology;
import io.wattguard.store.InfluxSettings;
import io.wattguard.store.read.StoreReader;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The analysis inside the daemon: at every step it reads from the store what has become complete (the step
 * ended at least {@code grace} ago, so the spool and the batcher have delivered it) and runs the same
 * {@link AnalysisRunner} as {@code analyze}. It reads the store rather than the daemon's own samples so that
 * it sees what every agent, the push endpoint and other tools wrote, exactly as {@code analyze} would.
 * If InfluxDB is away it keeps its place and catches up when it is back: no step is skipped.
 */
public final class AnalysisService implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AnalysisService.class);

    private final AnalysisConfig config;
    private final InfluxSettings influx;
    private final Clock clock;
    private final AnalysisRunner runner;
    private final Consumer<List<Sample>> out;
    private final List<Sample> pending = new ArrayList<>();
    private final Thread thread;
    private volatile boolean closed;
    /** Where the analysis is: starting, warming_up or live; {@link #state} shows failing over it. */
    private volatile String phase = "starting";

    private final Health health;
    private boolean failing; // analysis thread only
    private volatile long analysedUntil;
    private volatile long liveFrom;
    private volatile List<io.wattguard.analytics.Episode> openEpisodes = List.of();
    private volatile List<BusinessFeeds.SourceState> businessSources = List.of();

    /** {@code out} takes the baseline and anomaly samples; {@code alerts} also sees every episode state. */
    public AnalysisService(
            AnalysisConfig config,
            InfluxSettings influx,
            Schedule schedule,
            Topology topology,
            Clock clock,
            Consumer<List<Sample>> out,
            AnalysisOutput alerts) {
        this.config = config;
        this.influx = influx;
        this.clock = clock;
        this.health = new Health(clock, Health.SETTLE);
        this.out = out;
        AnalysisSamples samples =
                new AnalysisSamples(pending::add, config.settings().stepMs(), config.baselineEvery());
        this.runner = new AnalysisRunner(config, schedule, topology, samples.and(alerts));
        this.thread = new Thread(this::loop, "wattguard-analysis");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    private long due() {
        return clock.millis() - config.grace().toMillis();
    }

    private void loop() {
        long step = runner.stepMs();
        try (StoreReader reader = new StoreReader(influx, 10_000, clock::millis)) {
            long first = Math.floorDiv(due(), step) * step;
            phase = "warming_up";
            liveFrom = first;
            while (!closed && !attempt(() -> runner.start(reader, first, t -> {}), "warm-up")) {
                sleep(10_000); // a retry resumes where the failed read stopped
            }
            log.info(
                    "analysis live from {} at {} s steps, after {} of warm-up",
                    java.time.Instant.ofEpochMilli(first),
                    step / 1000,
                    io.wattguard.config.Durations.format(config.warmup()));
            while (!closed) {
                long next =
                        (Math.floorDiv(due(), step) + 1) * step + config.grace().toMillis();
                sleep(Math.max(0, next - clock.millis()));
                if (closed) {
                    break;
                }
                if (attempt(() -> runner.advance(reader, due(), t -> flush()), "step")) {
                    phase = "ok";
                }
            }
        }
    }

    private interface Work {
        void run() throws IOException;
    }

    private boolean attempt(Work w, String what) {
        try {
            w.run();
            flush();
            analysedUntil = runner.cursor();
            openEpisodes = List.copyOf(runner.openEpisodes());
            businessSources = runner.businessSources();
            if (failing) {
                log.info(
                        "analysis: InfluxDB answers again; caught up to {}",
                        java.time.Instant.ofEpochMilli(analysedUntil));
            }
            failing = false;
            health.succeeded();
            return true;
        } catch (IOException | RuntimeException e) {
            String msg = what + ": " + e.getMessage();
            if (!failing || !msg.equals(health.lastError())) {
                log.warn("analysis {} failed, will retry and catch up: {}", what, e.getMessage());
            }
            failing = true;
            health.failed(msg);
            return false;
        }
    }

    private void flush() {
        if (!pending.isEmpty()) {
            out.accept(List.copyOf(pending));
            pending.clear();
        }
    }

    private void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
        }
    }

    /** starting, warming_up, ok, or failing (by {@link Health}'s damped rule, over the others). */
    public String state() {
        return health.ok() ? phase : "failing";
    }
    /** The last error, current or past, with its time. */
    public Health health() {
        return health;
    }

    public long analysedUntil() {
        return analysedUntil;
    }
    /** The first step analysed live (the warm-up ends there). */
    public long liveFrom() {
        return liveFrom;
    }

    public int openEpisodes() {
        return openEpisodes.size();
    }

    /** The episodes open as of {@link #analysedUntil}: an immutable snapshot. */
    public List<io.wattguard.analytics.Episode> openEpisodeList() {
        return openEpisodes;
    }
    /** Each business source's cadence and freshness as of {@link #analysedUntil}: an immutable snapshot. */
    public List<BusinessFeeds.SourceState> businessSources() {
        return businessSources;
    }

    @Override
    public void close() {
        if (closed && !thread.isAlive()) {
            return;
        }
        closed = true;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package io.wattguard.daemon;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.wattguard.alert.Alerts;
import io.wattguard.analytics.AnalysisOutput;
import io.wattguard.core.Emitter;
import io.wattguard.core.Sample;
import io.wattguard.core.Source;
import io.wattguard.core.SourceSpec;
import io.wattguard.detect.AnalysisService;
import io.wattguard.report.MonthlyReports;
import io.wattguard.store.Schema.Collector;
import io.wattguard.store.write.InfluxSink;
import io.wattguard.store.write.InfluxWriter;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The collector: sources on a scheduler, samples through the batcher into the spooling InfluxDB sink, its
 * own health on HTTP and in the {@code collector} measurement. A source that cannot be created (a missing
 * library, a bad device) is reported and retried; the others carry on.
 */
public final class Daemon implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Daemon.class);

    private final Settings settings;
    private final Clock clock;
    private final long startedMs;
    private final InfluxSink sink;
    private final Batcher batcher;
    private final Scheduler scheduler;
    private final PrometheusRegistry registry = new PrometheusRegistry();
    private HttpEndpoints http;
    private final AnalysisService analysis;
    private final Alerts alerts;
    private final MonthlyReports reports;
    private boolean closed;
    private final java.util.concurrent.CompletableFuture<Batcher.Failed> failed =
            new java.util.concurrent.CompletableFuture<>();
    /**
     * How long a poll thread waits for room in a full batcher before its samples are dropped and counted: long
     * enough to ride out a slow fsync or a GC pause, short enough not to hold a poll thread through tick after tick.
     */
    private static final Duration POLL_WAIT = Duration.ofSeconds(5);

    public Daemon(Settings settings, Clock clock) {
        this(settings, clock, samples -> {});
    }

    /** {@code tap} sees every batch of samples a source emitted, before topology tags (tests compare it with the store). */
    public Daemon(Settings settings, Clock clock, java.util.function.Consumer<List<Sample>> tap) {
        this.settings = settings;
        this.clock = clock;
        this.startedMs = clock.millis();
        this.sink = new InfluxSink(new InfluxWriter(settings.influx()), settings.spool(), clock);
        this.batcher = new Batcher(settings.topology(), sink, settings.batch(), failed::complete);
        SourceSpec.Context ctx = new SourceSpec.Context(clock, settings.topology(), settings.instance());
        List<Source> sources = new ArrayList<>();
        for (SourceSpec spec : settings.sources()) {
            sources.add(new ManagedSource(spec, ctx));
        }
        sources.add(new SelfSource());
        this.scheduler = new Scheduler(
                sources,
                samples -> {
                    tap.accept(samples);
                    batcher.offer(samples, POLL_WAIT);
                },
                clock,
                64);
        this.alerts = Alerts.create(settings.alerts(), clock, settings.instance());
        this.analysis = settings.analysis().enabled()
                ? new AnalysisService(
                        settings.analysis(),
                        settings.influx(),
                        settings.schedule(),
                        settings.topology(),
                        clock,
                        batcher::add,
                        AnalysisOutput.episodes(alerts::publish)) // queues; never waits
                : null;
        this.reports = settings.report() == null
                ? null
                : new MonthlyReports(
                        settings.report(),
                        settings.influx(),
                        settings.analysis().settings().tariff(),
                        settings.topology().site(),
                        settings.schedule().zone(),
                        clock,
                        System::getenv,
                        alerts::publish); // queues; never waits
        registerMetrics();
    }

    public void start() throws IOException {
        sink.start();
        scheduler.start();
        alerts.start();
        if (analysis != null) {
            analysis.start();
        }
        if (reports != null) {
            reports.start(); // its own thread: a report never delays a poll
        }
        if (settings.http().enabled()) {
            // Pushed business load takes the sources' way in: topology tags, batches, spool, InfluxDB.
            http = new HttpEndpoints(settings.http(), registry, this::health, batcher::add, clock);
        }
        log.info(
                "wattguard {} collecting {} sources into {} database '{}'",
                settings.instance(),
                settings.sources().size(),
                settings.influx().url(),
                settings.influx().database());
    }

    public InfluxSink sink() {
        return sink;
    }

    /** Completes when the daemon can no longer collect (its batcher died); the command should then exit 1. */
    public java.util.concurrent.CompletableFuture<Batcher.Failed> failed() {
        return failed;
    }

    public Scheduler scheduler() {
        return scheduler;
    }

    public HttpEndpoints http() {
        return http;
    }

    /** The live analysis, or null when the config has no {@code analysis:} section. */
    public io.wattguard.detect.AnalysisService analysis() {
        return analysis;
    }

    public ObjectNode health() {
        ObjectNode root = HttpEndpoints.object();
        boolean ok = true;
        ArrayNode sources = root.putArray("sources");
        for (SourceStatus st : scheduler.statuses()) {
            ObjectNode n = sources.addObject();
            n.put("name", st.name)
                    .put("type", st.type)
                    .put("state", st.state())
                    .put("polls", st.polls.get())
                    .put("errors", st.errors.get())
                    .put("overruns", st.overruns.get())
                    .put("samples", st.samples.get())
                    .put("latency_ms", st.lastLatencyMs);
            n.put(
                    "last_poll",
                    st.lastPollMs == 0
                            ? null
                            : Instant.ofEpochMilli(st.lastPollMs).toString());
            n.put(
                    "last_ok",
                    st.lastOkMs == 0 ? null : Instant.ofEpochMilli(st.lastOkMs).toString());
            st.health.writeError(n);
            ok &= !"failing".equals(st.state());
        }
        ObjectNode s = root.putObject("sink");
        InfluxSink.Stats stats = sink.stats();
        s.put("influxdb", sink.influxHealthy() ? "ok" : "unreachable")
                .put("spool", sink.spoolHealthy() ? "ok" : "failing")
                .put("points_written", stats.pointsWritten.get())
                .put("spool_bytes", sink.spoolBytes())
                .put("spool_dropped", sink.spoolDroppedPoints())
                .put("dead_letter_points", stats.deadLetterPoints.get())
                .put("batcher_dropped", batcher.droppedPoints());
        if (batcher.failure() != null) {
            s.put("batcher", batcher.failure().getMessage());
            ok = false;
        }
        sink.influxHealth().writeError(s, "influxdb_");
        sink.spoolHealth().writeError(s, "spool_");
        ok &= sink.influxHealthy() && sink.spoolHealthy();
        if (analysis != null) {
            ObjectNode a = root.putObject("analysis");
            a.put("state", analysis.state())
                    .put("open_episodes", analysis.openEpisodes())
                    .put(
                            "live_from",
                            analysis.liveFrom() == 0
                                    ? null
                                    : Instant.ofEpochMilli(analysis.liveFrom()).toString())
                    .put(
                            "analysed_until",
                            analysis.analysedUntil() == 0
                                    ? null
                                    : Instant.ofEpochMilli(analysis.analysedUntil())
                                            .toString());
            analysis.health().writeError(a);
            // Each business feed as the analysis sees it: a silent one means no verdict for the hosts it covered.
            ObjectNode feeds = a.putObject("business_sources");
            for (io.wattguard.analytics.BusinessFeeds.SourceState b : analysis.businessSources()) {
                ObjectNode n = feeds.putObject(b.source());
                n.put("cadence_s", b.cadenceMs() == 0 ? null : Long.valueOf(b.cadenceMs() / 1000))
                        .put("hold_s", b.holdMs() / 1000)
                        .put("last_report_age_s", b.ageMs() / 1000)
                        .put(
                                "last_report",
                                Instant.ofEpochMilli(b.lastReportMs()).toString())
                        .put("state", b.state());
            }
            ok &= !"failing".equals(analysis.state());
        }
        if (reports != null) {
            // Shown, not counted in status: a failed report is retried within the hour and harms no collection.
            ObjectNode r = root.putObject("report");
            r.put("state", reports.state()).put("written", reports.written()).put("errors", reports.failures());
            reports.health().writeError(r);
        }
        root.put("status", ok ? "ok" : "degraded");
        root.put("instance", settings.instance());
        root.put("uptime_s", (clock.millis() - startedMs) / 1000);
        return root;
    }

    private void registerMetrics() {
        counter("wattguard_polls_total", "Polls completed per source", st -> st.polls.get());
        counter("wattguard_poll_errors_total", "Failed polls or device errors per source", st -> st.errors.get());
        counter(
                "wattguard_poll_overruns_total",
                "Ticks skipped because the previous poll was still running",
                st -> st.overruns.get());
        counter("wattguard_samples_total", "Samples emitted per source", st -> st.samples.get());
        GaugeWithCallback.builder()
                .name("wattguard_poll_latency_seconds")
                .help("Duration of the last poll")
                .labelNames("source")
                .callback(cb -> scheduler.statuses().forEach(st -> cb.call(st.lastLatencyMs / 1000.0, st.name)))
                .register(registry);
        InfluxSink.Stats s = sink.stats();
        CounterWithCallback.builder()
                .name("wattguard_points_written_total")
                .help("Points InfluxDB accepted")
                .callback(cb -> cb.call(s.pointsWritten.get()))
                .register(registry);
        CounterWithCallback.builder()
                .name("wattguard_write_errors_total")
                .help("Failed write attempts to InfluxDB")
                .callback(cb -> cb.call(s.writeErrors.get()))
                .register(registry);
        CounterWithCallback.builder()
                .name("wattguard_dead_letter_points_total")
                .help("Points InfluxDB refused, kept in the dead-letter folder")
                .callback(cb -> cb.call(s.deadLetterPoints.get()))
                .register(registry);
        CounterWithCallback.builder()
                .name("wattguard_spool_errors_total")
                .help("Spool open, write or read failures")
                .callback(cb -> cb.call(s.spoolErrors.get()))
                .register(registry);
        CounterWithCallback.builder()
                .name("wattguard_spool_dropped_points_total")
                .help("Undelivered points dropped by the spool size cap or the memory fallback")
                .callback(cb -> cb.call(sink.spoolDroppedPoints()))
                .register(registry);
        CounterWithCallback.builder()
                .name("wattguard_batcher_dropped_points_total")
                .help(
                        "Points dropped before the spool: the sink did not keep up (batch.max_pending_points) or shutdown")
                .callback(cb -> cb.call(batcher.droppedPoints()))
                .register(registry);
        GaugeWithCallback.builder()
                .name("wattguard_spool_bytes")
                .help("Spooled bytes waiting for InfluxDB")
                .callback(cb -> cb.call(sink.spoolBytes()))
                .register(registry);
        if (analysis != null) {
            GaugeWithCallback.builder()
                    .name("wattguard_analysis_open_episodes")
                    .help("Anomaly episodes open now")
                    .callback(cb -> cb.call(analysis.openEpisodes()))
                    .register(registry);
            GaugeWithCallback.builder()
                    .name("wattguard_analysis_lag_seconds")
                    .help("How far the live analysis is behind the clock (grace included)")
                    .callback(cb -> cb.call(
                            analysis.analysedUntil() == 0 ? 0 : (clock.millis() - analysis.analysedUntil()) / 1000.0))
                    .register(registry);
        }
        CounterWithCallback.builder()
                .name("wattguard_alerts_total")
                .help("Alert events per output and outcome")
                .labelNames("output", "outcome")
                .callback(cb -> alerts.stats().forEach(o -> {
                    cb.call(o.sent(), o.name(), "sent");
                    cb.call(o.failed(), o.name(), "failed");
                    cb.call(o.dropped(), o.name(), "dropped");
                }))
                .register(registry);
        GaugeWithCallback.builder()
                .name("wattguard_up")
                .help("1 when every source and the sink are healthy")
                .callback(cb -> cb.call("ok".equals(health().path("status").asText()) ? 1 : 0))
                .register(registry);
    }

    private void counter(String name, String help, ToDoubleFunction<SourceStatus> f) {
        CounterWithCallback.builder()
                .name(name)
                .help(help)
                .labelNames("source")
                .callback(cb -> scheduler.statuses().forEach(st -> cb.call(f.applyAsDouble(st), st.name)))
                .register(registry);
    }

    /** Writes the {@code collector} measurement: one point per source and one for the sink. */
    private final class SelfSource implements Source {
        @Override
        public String name() {
            return "self";
        }

        @Override
        public String type() {
            return "self";
        }

        @Override
        public Duration interval() {
            return settings.selfInterval();
        }

        @Override
        public void poll(Emitter out) {
            for (SourceStatus st : scheduler.statuses()) {
                if (st.name.equals("self")) {
                    continue;
                }
                out.emit(point(out, st.name)
                        .field(Collector.POLLS, st.polls.get())
                        .field(Collector.ERRORS, st.errors.get())
                        .field(Collector.LATENCY_MS, st.lastLatencyMs)
                        .field(Collector.LATENESS_MS, st.lastLatenessMs)
                        .field(Collector.OVERRUNS, st.overruns.get())
                        .build());
            }
            InfluxSink.Stats s = sink.stats();
            out.emit(point(out, Collector.SOURCE_SINK)
                    .field(Collector.POINTS_WRITTEN, s.pointsWritten.get())
                    .field(Collector.SPOOL_BYTES, sink.spoolBytes())
                    .field(Collector.SPOOL_DROPPED, sink.spoolDroppedPoints())
                    .field(Collector.ERRORS, s.writeErrors.get())
                    .field(Collector.DEAD_LETTER_POINTS, s.deadLetterPoints.get())
                    .field(Collector.SPOOL_ERRORS, s.spoolErrors.get())
                    .field(Collector.BATCHER_DROPPED, batcher.droppedPoints())
                    .build());
            if (analysis != null) {
                long until = analysis.analysedUntil();
                out.emit(point(out, Collector.SOURCE_ANALYSIS)
                        .field(Collector.LAG_MS, until == 0 ? 0 : Math.max(0, clock.millis() - until))
                        .field(Collector.OPEN_EPISODES, analysis.openEpisodes())
                        .build());
            }
            if (reports != null) {
                out.emit(point(out, Collector.SOURCE_REPORT)
                        .field(Collector.ERRORS, reports.failures())
                        .field(Collector.REPORTS, reports.written())
                        .build());
            }
            for (io.wattguard.alert.OutputStats o : alerts.stats()) {
                out.emit(point(out, Collector.SOURCE_ALERTS)
                        .tag(Collector.OUTPUT, o.name())
                        .field(Collector.SENT, o.sent())
                        .field(Collector.FAILED, o.failed())
                        .field(Collector.DROPPED, o.dropped())
                        .field(Collector.QUEUED, (long) o.queued())
                        .build());
            }
        }

        private Sample.Builder point(Emitter out, String source) {
            return out.point(Collector.NAME)
                    .tag(Collector.INSTANCE, settings.instance())
                    .tag(Collector.SOURCE, source);
        }
    }

    /**
     * Creates its source at the first poll and again after a failed creation, so a source whose library or
     * device is missing at start shows as failing in /health and the metrics, and starts working once the
     * problem is fixed, while the others carry on.
     */
    private static final class ManagedSource implements Source {
        private final SourceSpec spec;
        private final SourceSpec.Context ctx;
        private Source delegate;

        ManagedSource(SourceSpec spec, SourceSpec.Context ctx) {
            this.spec = spec;
            this.ctx = ctx;
        }

        @Override
        public String name() {
            return spec.common().name();
        }

        @Override
        public String type() {
            return spec.common().type();
        }

        @Override
        public Duration interval() {
            return spec.common().interval();
        }

        @Override
        public Duration timeout() {
            return spec.common().timeout();
        }

        @Override
        public void poll(Emitter out) throws Exception {
            if (delegate == null) {
                Source s = spec.create(ctx);
                try {
                    s.start();
                } catch (Exception | LinkageError e) {
                    s.close();
                    throw e;
                }
                delegate = s;
            }
            delegate.poll(out);
        }

        @Override
        public void close() {
            if (delegate != null) {
                delegate.close();
            }
        }
    }

    /** Stops polling, delivers what it can for a few seconds, and leaves the rest in the spool. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (http != null) {
            http.close();
        }
        if (analysis != null) {
            analysis.close();
        }
        if (reports != null) {
            reports.close();
        }
        alerts.close();
        scheduler.close();
        batcher.close();
        sink.close();
        log.info("wattguard stopped");
    }
}

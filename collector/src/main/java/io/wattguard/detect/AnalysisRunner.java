package io.wattguard.detect;

import io.wattguard.analytics.AnalysisOutput;
import io.wattguard.analytics.Analyzer;
import io.wattguard.analytics.BusinessFeeds;
import io.wattguard.analytics.Episode;
import io.wattguard.analytics.Schedule;
import io.wattguard.analytics.StepAssembler;
import io.wattguard.core.Topology;
import io.wattguard.store.read.StoreReader;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Runs the analysis over the store: a silent warm-up over the history before the first step of interest,
 * then the steps themselves, read window by window. {@code analyze} calls it once over a range; the daemon
 * calls {@link #advance} every step with the range that has become complete. Both read the same store the
 * same way, so both find the same episodes.
 */
public final class AnalysisRunner {
    private final AnalysisConfig config;
    private final Analyzer analyzer;
    private final StepAssembler steps;
    private long cursor = Long.MIN_VALUE;

    public AnalysisRunner(AnalysisConfig config, Schedule schedule, Topology topology, AnalysisOutput out) {
        this.config = config;
        Map<String, Analyzer.HostPlace> hosts = new HashMap<>();
        topology.hosts()
                .values()
                .forEach(h ->
                        hosts.put(h.name(), new Analyzer.HostPlace(h.rack(), h.room(), h.model(), h.nameplateW())));
        Map<String, Analyzer.RackPlace> racks = new HashMap<>();
        topology.racks().values().forEach(r -> racks.put(r.name(), new Analyzer.RackPlace(r.room(), r.nameplateW())));
        this.analyzer = new Analyzer(config.settings(), schedule, hosts, racks, out);
        this.steps = new StepAssembler(config.settings().stepMs(), analyzer::step);
    }

    public long stepMs() {
        return steps.stepMs();
    }

    /** The first step not yet analysed, or {@code Long.MIN_VALUE} before {@link #start}. */
    public long cursor() {
        return cursor;
    }

    /**
     * Replays {@code [fromMs - warmup, fromMs)} without writing anything; {@code fromMs} is aligned to a step.
     * Called again after a failed read, it resumes where that read stopped.
     */
    public void start(StoreReader reader, long fromMs, LongConsumer progress) throws IOException {
        long from = align(fromMs);
        analyzer.setMuted(true);
        try {
            if (cursor == Long.MIN_VALUE) {
                cursor = align(from - config.warmup().toMillis());
            }
            advance(reader, from, progress);
        } finally {
            analyzer.setMuted(false);
        }
    }

    /** Analyses {@code [cursor, untilMs)}, window by window; {@code progress} gets the end of each window. */
    public void advance(StoreReader reader, long untilMs, LongConsumer progress) throws IOException {
        long until = align(untilMs);
        long window = Math.max(steps.stepMs(), align(config.window().toMillis()));
        while (cursor < until) {
            long end = Math.min(until, cursor + window);
            reader.read(cursor, end, steps);
            steps.advanceTo(end);
            cursor = end;
            progress.accept(end);
        }
    }

    /** Every step from now on hands {@code sink} an explanation of {@code entity} (see {@link Analyzer#setExplain}). */
    public void explain(String entity, java.util.function.Consumer<io.wattguard.analytics.Explanation> sink) {
        analyzer.setExplain(entity, sink);
    }

    public List<Episode> openEpisodes() {
        return analyzer.openEpisodes();
    }

    /** Each business source's cadence and freshness as of the last step analysed. */
    public List<BusinessFeeds.SourceState> businessSources() {
        return analyzer.businessSources();
    }

    private long align(long ms) {
        return Math.floorDiv(ms, steps.stepMs()) * steps.stepMs();
    }
}

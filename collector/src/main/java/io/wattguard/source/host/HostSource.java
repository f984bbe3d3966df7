package io.wattguard.source.host;

import io.wattguard.core.Emitter;
import io.wattguard.core.Sample;
import io.wattguard.core.Source;
import io.wattguard.core.SourceSpec;
import io.wattguard.store.Schema;
import io.wattguard.store.Schema.Evidence;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the {@code host} measurement at every poll and, every {@code evidence_interval}, one {@code evidence}
 * point per kind and process found by an {@link EvidenceScanner}. The host tag is the collector's instance
 * name unless the config names the host, so the topology can add the rack.
 */
final class HostSource implements Source {
    private final SourceSpec.Common common;
    private final HostFactory.Config config;
    private final String host;
    private final java.time.Clock clock;
    private final HostMetrics metrics;
    private final EvidenceScanner scanner;
    private long nextScanMs = Long.MIN_VALUE;
    private volatile EvidenceScan latest;

    HostSource(SourceSpec.Common common, HostFactory.Config config, SourceSpec.Context ctx) {
        this.common = common;
        this.config = config;
        this.host = config.host() != null ? config.host() : ctx.instance();
        this.clock = ctx.clock();
        this.metrics = new HostMetrics(new HostFs(config.options().root()), ctx.clock());
        this.scanner =
                config.evidence() ? new EvidenceScanner(config.options(), config.signatures(), ctx.clock()) : null;
    }

    @Override
    public String name() {
        return common.name();
    }

    @Override
    public String type() {
        return "host";
    }

    @Override
    public Duration interval() {
        return common.interval();
    }

    @Override
    public Duration timeout() {
        return common.timeout();
    }

    @Override
    public void start() {
        if (scanner != null) {
            scanner.start();
        }
    }

    /** The last evidence scan, or null before the first. */
    EvidenceScan latest() {
        return latest;
    }

    @Override
    public void poll(Emitter out) {
        HostMetrics.Values v = metrics.read();
        Sample.Builder b = out.point(Schema.Host.NAME)
                .tags(common.tags())
                .tag(Schema.HOST, host)
                .field(Schema.Host.CPU_UTIL_PCT, v.cpuUtilPct())
                .field(Schema.Host.CPU_POWER_W, v.cpuPowerW())
                .field(Schema.Host.MEM_USED_PCT, v.memUsedPct());
        if (b.hasFields()) {
            out.emit(b.build());
        }
        long now = clock.millis();
        if (scanner == null || now < nextScanMs) {
            return;
        }
        nextScanMs =
                now + config.evidenceInterval().toMillis() - common.interval().toMillis() / 2;
        EvidenceScan scan = scanner.scan();
        latest = scan;
        for (Sample s : points(scan, out.tickMs())) {
            out.emit(s);
        }
    }

    /**
     * InfluxDB keeps one point per tag set and timestamp, so findings of one kind about processes of the same
     * name (three xmrig workers) become one point: the strongest one's pid and score, the others named in detail.
     */
    private List<Sample> points(EvidenceScan scan, long t) {
        Map<String, List<Finding>> groups = new LinkedHashMap<>();
        for (Finding f : scan.findings()) {
            groups.computeIfAbsent(f.kind() + "\0" + f.process(), k -> new ArrayList<>())
                    .add(f);
        }
        List<Sample> out = new ArrayList<>();
        for (List<Finding> g : groups.values()) {
            g.sort(Comparator.comparing(Finding::score).reversed().thenComparingInt(Finding::pid));
            Finding top = g.get(0);
            String detail = top.detail();
            if (g.size() > 1) {
                List<String> pids = g.stream()
                        .skip(1)
                        .map(f -> f.pid() > 0 ? "pid " + f.pid() : f.detail())
                        .toList();
                detail += "; also " + String.join(", ", pids.subList(0, Math.min(20, pids.size())))
                        + (pids.size() > 20 ? " and " + (pids.size() - 20) + " more" : "");
            }
            out.add(Sample.builder(Evidence.NAME)
                    .time(t)
                    .tags(common.tags())
                    .tag(Schema.HOST, host)
                    .tag(Evidence.KIND, top.kind())
                    .tag(Evidence.PROCESS, top.process())
                    .field(Evidence.PID, (long) top.pid())
                    .field(Evidence.DETAIL, detail)
                    .field(Evidence.SCORE, top.score())
                    .build());
        }
        return out;
    }

    @Override
    public void close() {
        if (scanner != null) {
            scanner.close();
        }
    }
}

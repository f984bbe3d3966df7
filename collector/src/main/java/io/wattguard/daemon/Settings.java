package io.wattguard.daemon;

import io.wattguard.alert.AlertSettings;
import io.wattguard.analytics.Schedule;
import io.wattguard.config.ConfigException;
import io.wattguard.config.Problems;
import io.wattguard.config.Section;
import io.wattguard.core.SourceFactory;
import io.wattguard.core.SourceSpec;
import io.wattguard.core.Topology;
import io.wattguard.detect.AnalysisConfig;
import io.wattguard.report.ReportSettings;
import io.wattguard.source.business.BusinessSchedule;
import io.wattguard.store.InfluxSettings;
import io.wattguard.store.spool.SpoolSettings;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;

/** The whole configuration file, validated once: every problem in it is reported together. */
public record Settings(
        Path file,
        String instance,
        InfluxSettings influx,
        Batch batch,
        SpoolSettings spool,
        HttpSettings http,
        Topology topology,
        Duration selfInterval,
        List<SourceSpec> sources,
        Schedule schedule,
        AnalysisConfig analysis,
        AlertSettings alerts,
        ReportSettings report) {

    private static final Pattern SOURCE_NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]*");

    /**
     * The {@code batch:} section: a batch leaves when it has {@code max_points} or is {@code max_delay} old, and at
     * most {@code max_pending_points} wait in memory for the spool (each costs about a kilobyte of heap).
     */
    public record Batch(int maxPoints, Duration maxDelay, int maxPendingPoints) {
        static Batch read(Section s) {
            int max = (int) s.integer("max_points", 5000, 1, 1_000_000);
            Duration delay =
                    s.duration("max_delay", Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofMinutes(10));
            // Two full batches: one being written to the spool while the next fills.
            int pending = (int) s.integer("max_pending_points", Math.max(20_000, 2L * max), 1, 10_000_000);
            if (pending < max) {
                s.error(
                        "max_pending_points",
                        "must be at least max_points (" + max + "), found " + pending
                                + ": a full batch must fit in memory");
            }
            s.finish();
            return new Batch(max, delay, pending);
        }
    }

    /** These settings with other InfluxDB settings, e.g. a URL given on the command line. */
    public Settings withInflux(InfluxSettings influx) {
        return new Settings(
                file,
                instance,
                influx,
                batch,
                spool,
                http,
                topology,
                selfInterval,
                sources,
                schedule,
                analysis,
                alerts,
                report);
    }

    public static Map<String, SourceFactory> factories() {
        Map<String, SourceFactory> m = new TreeMap<>();
        for (SourceFactory f : ServiceLoader.load(SourceFactory.class)) {
            m.put(f.type(), f);
        }
        return m;
    }

    public static Settings load(Path file) {
        return load(file, System::getenv);
    }

    /** Reads and validates; throws {@link ConfigException} listing every problem. */
    public static Settings load(Path file, Function<String, String> env) {
        Problems problems = new Problems();
        Section.Context ctx =
                new Section.Context(problems, env, file.toAbsolutePath().getParent());
        Section root = Section.load(file, ctx);
        problems.throwIfAny(); // unreadable or not YAML: nothing else can be judged
        String instance = root.string("instance", hostname());
        if (instance != null && instance.isBlank()) {
            root.error("instance", "must not be empty: it tags every collector point (default: this host's name)");
        }
        InfluxSettings influx = InfluxSettings.read(root.section("influxdb"));
        Batch batch = Batch.read(root.section("batch"));
        SpoolSettings spool = SpoolSettings.read(root.section("spool"));
        HttpSettings http = HttpSettings.read(root.section("http"));
        Topology topology = Topology.read(root.section("topology"));
        Duration self =
                root.duration("self_interval", Duration.ofSeconds(10), Duration.ofSeconds(1), Duration.ofHours(1));
        Schedule schedule = BusinessSchedule.read(root.section("business"));
        boolean analyse = root.has("analysis");
        AnalysisConfig analysis = AnalysisConfig.read(root.section("analysis"), analyse, schedule.zone());
        AlertSettings alerts = AlertSettings.read(root.section("alerts"))
                .withDefaultCurrency(analysis.settings().tariff().currency());
        ReportSettings report = ReportSettings.read(root, "report");
        // Episodes come from the analysis, the monthly report's event from the report: either gives alerts a use.
        if (!alerts.isEmpty() && !analysis.enabled() && !root.has("report")) {
            root.error(
                    "alerts",
                    "alerts are sent by the analysis and the monthly report: add an 'analysis' section (or enable it)"
                            + " or a 'report' section to send them");
        }
        List<SourceSpec> sources = readSources(root, factories(), topology, analyse);
        root.finish();
        problems.throwIfAny();
        return new Settings(
                file, instance, influx, batch, spool, http, topology, self, sources, schedule, analysis, alerts,
                report);
    }

    private static List<SourceSpec> readSources(
            Section root, Map<String, SourceFactory> factories, Topology topology, boolean analyse) {
        List<SourceSpec> out = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        List<Section> list = root.sections("sources");
        if (list.isEmpty() && !root.has("sources") && !analyse) {
            // An analysis-only instance (the central one reading what agents wrote) needs no sources.
            root.error(
                    "sources",
                    "no sources configured: add at least one under 'sources', or an 'analysis' section (see examples/)");
        }
        for (Section s : list) {
            String name = s.requiredString("name", "a unique name for this source, e.g. gpus or pdu-r01");
            if (name != null && !SOURCE_NAME.matcher(name).matches()) {
                s.error("name", "expected lower-case letters, digits, '_', '.' or '-', found '" + name + "'");
            } else if ("self".equals(name) || "sink".equals(name)) {
                s.error("name", "'" + name + "' is reserved for the collector's own rows in the collector measurement");
            } else if (name != null && seen.containsKey(name)) {
                s.error("name", "duplicate source name '" + name + "' (also at sources[" + seen.get(name) + "])");
            }
            if (name != null) {
                seen.putIfAbsent(name, out.size());
            }
            String type = s.requiredString("type", "one of " + String.join(", ", factories.keySet()));
            Duration interval =
                    s.duration("interval", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofDays(1));
            Duration timeout = s.duration("timeout", interval, Duration.ofMillis(10), Duration.ofDays(1));
            if (timeout.compareTo(interval) > 0) {
                s.error(
                        "timeout",
                        "must not be longer than the interval (" + io.wattguard.config.Durations.format(interval)
                                + "): polls of one source never overlap");
            }
            Map<String, String> tags = s.stringMap("tags");
            boolean enabled = s.bool("enabled", true);
            SourceFactory f = type == null ? null : factories.get(type);
            if (type != null && f == null) {
                s.error(
                        "type",
                        "unknown source type '" + type + "'" + Section.didYouMean(type, factories.keySet())
                                + "; known types: " + String.join(", ", factories.keySet()));
                continue; // its other keys cannot be judged without the type
            }
            if (f == null) {
                continue;
            }
            SourceSpec spec = f.read(new SourceSpec.Common(name, type, interval, timeout, tags), s, topology);
            s.finish();
            if (enabled && spec != null) {
                out.add(spec);
            }
        }
        return out;
    }

    static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "localhost";
        }
    }
}

package io.wattguard.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.wattguard.analytics.AnalysisOutput;
import io.wattguard.analytics.Episode;
import io.wattguard.analytics.Explanation;
import io.wattguard.config.Durations;
import io.wattguard.daemon.Settings;
import io.wattguard.detect.AnalysisConfig;
import io.wattguard.detect.AnalysisRunner;
import io.wattguard.detect.AnalysisSamples;
import io.wattguard.store.InfluxSettings;
import io.wattguard.store.read.StoreReader;
import io.wattguard.store.write.InfluxWriter;
import io.wattguard.store.write.StoreWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.influxdb.InfluxDBIOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "analyze",
        mixinStandardHelpOptions = true,
        description = {
            "Run detection over the history in InfluxDB and print the episodes found.",
            "",
            "Reads gpu, host, meter, business_load, evidence and gpu_process points of the",
            "range (after a silent warm-up over the history before it, 'analysis.warmup' in",
            "the config, 14 days by default), writes 'baseline' and 'anomaly' points back",
            "(unless --dry-run), and prints one line per episode. The daemon runs the same",
            "analysis live when the config has an 'analysis' section; both find the same",
            "episodes in the same data. Running it again over the same range rewrites the",
            "same points.",
            "",
            "Times: an ISO date (2026-11-01, midnight in the site's zone), a date-time",
            "(2026-11-01T08:00:00Z), or 'now', 'now-7d', 'now-12h'.",
            "",
            "--explain ENTITY says why an entity (host, rack or room; rack/NAME where names",
            "repeat; a GPU as its host and index, as in the examples) was or was not",
            "paged: one row per step with",
            "measured, expected and excess watts, floor, sigma, CUSUM, EWMA, sustained and",
            "corroborated steps of the 10-step window and the verdict; then, for the step at",
            "--at (or the last of the range) and each step that opened or closed an episode,",
            "where the watts came from (outlets or GPU and CPU watts), the model and",
            "baseline behind the expectation, business load by source and age,",
            "corroboration, and the reason: episode opened, ongoing or closed, or no episode",
            "because below the floor, not sustained, uncorroborated and not yet lasted",
            "confirm_uncorroborated, stale input, maintenance, beyond the fitted range, no",
            "model yet, or peers' common move discounted. With --at T it shows the step",
            "containing T and the confirm_uncorroborated window before it; with --from/--to",
            "every step of the range. It writes nothing. A GPU is explained by its",
            "utilisation, its processes and which of them are business: busy, explained,",
            "unexplained for n of the 10 steps, or no allowlist data.",
            "",
            "Exit codes: 0 done, 1 InfluxDB unreachable or refusing, 2 bad input."
        },
        footer = {
            "",
            "Examples:",
            "  wattguard analyze --config /etc/wattguard/central.yaml \\",
            "      --from 2026-11-01 --to 2026-12-01",
            "  wattguard analyze --config site.yaml --explain gpu07 --at 2026-11-03T02:14:00Z",
            "  wattguard analyze --config site.yaml --explain gpu07:3 --at now-2h",
            "  wattguard analyze --config site.yaml --from now-2d --to now --dry-run --json"
        })
public final class AnalyzeCommand implements java.util.concurrent.Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions options = new ConfigOptions();

    @Option(names = "--from", paramLabel = "T", description = "start of the range (inclusive)")
    String from;

    @Option(names = "--to", paramLabel = "T", description = "end of the range (exclusive)")
    String to;

    @Option(
            names = "--explain",
            paramLabel = "ENTITY",
            description = {
                "print why ENTITY (host, rack, room or GPU) was or was not",
                "paged, step by step, instead of the episodes; writes nothing"
            })
    String explain;

    @Option(
            names = "--at",
            paramLabel = "T",
            description = {"with --explain: the step containing T and the window before it", "(instead of --from/--to)"
            })
    String at;

    @Option(
            names = "--warmup",
            paramLabel = "DURATION",
            description = {"history replayed before --from, such as 7d or 0s", "(default: analysis.warmup in the file)"
            })
    String warmup;

    @Option(names = "--dry-run", description = "print the episodes but write nothing to InfluxDB")
    boolean dryRun;

    @Option(names = "--json", description = "print the episodes as a JSON array instead of a table")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Settings settings = options.load();
        ZoneId zone = settings.schedule().zone();
        if (at != null && explain == null) {
            throw new UserError("--at needs --explain ENTITY");
        }
        if (explain != null && json) {
            throw new UserError("--json lists episodes; --explain prints text");
        }
        if (explain != null && at != null && (from != null || to != null)) {
            throw new UserError("--explain takes either --at or --from and --to, not both");
        }
        if (explain != null && at != null) {
            return explain(settings, zone);
        }
        if (from == null || to == null) {
            throw new UserError("--from and --to are required" + (explain != null ? " (or --at)" : ""));
        }
        long fromMs = parseTime("--from", from, zone);
        long toMs = parseTime("--to", to, zone);
        if (toMs <= fromMs) {
            throw new UserError("--to (" + to + ") must be after --from (" + from + ")");
        }
        var cfg = settings.analysis();
        if (warmup != null) {
            cfg = cfg.withWarmup(parseDuration(warmup));
        }
        PrintWriter out = spec.commandLine().getOut();
        long started = System.nanoTime();
        Progress progress = new Progress(
                spec.commandLine().getErr(),
                "analyze",
                toMs - fromMs + cfg.warmup().toMillis());
        Outcome done;
        List<Explanation> explanations = new ArrayList<>();
        try {
            done = explain != null
                    ? analyse(settings, cfg, fromMs, toMs, false, progress, explain, explanations::add)
                    : analyse(settings, cfg, fromMs, toMs, !dryRun, progress);
        } catch (IOException | UncheckedIOException | InfluxDBIOException e) {
            // The config was good: a store that cannot be reached or refuses is a failure at run time.
            throw new Failure(influxFailure(settings.influx(), e));
        }
        progress.done(String.format(
                Locale.ROOT,
                "%,d rows read in %.1f s, %,d points written",
                done.rows(),
                (System.nanoTime() - started) / 1e9,
                done.written()));
        if (explain != null) {
            // The range's last step in full too: where its watts come from, its model, its business sources.
            printExplained(
                    out,
                    zone,
                    done,
                    explanations,
                    cfg.settings().stepMs(),
                    x -> x == explanations.get(explanations.size() - 1));
            return 0;
        }
        List<Episode> list = done.episodes();
        if (json) {
            printJson(out, list);
        } else {
            printTable(out, list, zone);
        }
        return 0;
    }

    /** {@code --explain ENTITY --at T}: the step containing T and the confirm_uncorroborated window before it. */
    private Integer explain(Settings settings, ZoneId zone) throws IOException {
        long atMs = parseTime("--at", at, zone);
        var cfg = settings.analysis();
        if (warmup != null) {
            cfg = cfg.withWarmup(parseDuration(warmup));
        }
        long step = cfg.settings().stepMs();
        long atStep = Math.floorDiv(atMs, step) * step;
        long fromMs = atStep - cfg.settings().detector().confirmSamples() * step;
        long toMs = atStep + step;
        List<Explanation> explanations = new ArrayList<>();
        long started = System.nanoTime();
        Progress progress = new Progress(
                spec.commandLine().getErr(),
                "analyze",
                toMs - fromMs + cfg.warmup().toMillis());
        Outcome done;
        try {
            done = analyse(settings, cfg, fromMs, toMs, false, progress, explain, explanations::add);
        } catch (IOException | UncheckedIOException | InfluxDBIOException e) {
            throw new Failure(influxFailure(settings.influx(), e));
        }
        progress.done(String.format(
                Locale.ROOT, "%,d rows read in %.1f s", done.rows(), (System.nanoTime() - started) / 1e9));
        printExplained(spec.commandLine().getOut(), zone, done, explanations, step, x -> x.timeMs() == atStep);
        return 0;
    }

    /**
     * The explanations as rows, a block for each step {@code detail} selects and each that opened or closed an
     * episode, then the entity's episodes in the range.
     */
    private void printExplained(
            PrintWriter out,
            ZoneId zone,
            Outcome done,
            List<Explanation> explanations,
            long stepMs,
            java.util.function.Predicate<Explanation> detail) {
        new ExplainPrinter(out, zone)
                .print(
                        explain,
                        explanations,
                        stepMs,
                        detail.or(x -> x.verdict() == Explanation.Verdict.OPENED
                                || x.verdict() == Explanation.Verdict.CLOSED));
        String name = explain.substring(explain.indexOf('/') + 1);
        // A host's own episodes, and those of its GPUs (HOST:INDEX).
        List<Episode> mine = done.episodes().stream()
                .filter(e -> e.entity().equals(name) || e.entity().startsWith(name + ":"))
                .toList();
        out.println();
        if (mine.isEmpty()) {
            out.println("no episode of " + name + " in this range");
        }
        var time =
                java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(zone);
        for (Episode e : mine) {
            out.printf(
                    Locale.ROOT,
                    "episode %s: %s, %s, since %s, detected %d min later%n",
                    e.kind(),
                    e.state().word(),
                    e.severity().word(),
                    time.format(Instant.ofEpochMilli(e.startedMs())),
                    e.delayMs() / 60_000);
            out.printf(Locale.ROOT, "  %.0f W excess, %.2f kWh: %s%n", e.excessW(), e.energyKwh(), e.title());
        }
    }

    /** What an analysis over the store did: each episode in its last state, rows read, points written. */
    public record Outcome(List<Episode> episodes, long rows, long written) {}

    /**
     * The analysis of {@code [fromMs, toMs)} over the store, after the config's warm-up; writes the
     * {@code baseline} and {@code anomaly} points when {@code write}. {@code analyze} and the demo both run it.
     */
    public static Outcome analyse(
            Settings settings, AnalysisConfig cfg, long fromMs, long toMs, boolean write, Progress progress)
            throws IOException {
        return analyse(settings, cfg, fromMs, toMs, write, progress, null, null);
    }

    /** As above; {@code sink} gets an explanation of {@code entity} for each step of the range (not the warm-up). */
    static Outcome analyse(
            Settings settings,
            AnalysisConfig cfg,
            long fromMs,
            long toMs,
            boolean write,
            Progress progress,
            String entity,
            Consumer<Explanation> explained)
            throws IOException {
        Map<String, Episode> episodes = new LinkedHashMap<>();
        long warmFrom = fromMs - cfg.warmup().toMillis();
        // The command is where the wall clock comes in: it decides which of the range is settled history.
        try (StoreReader reader = new StoreReader(settings.influx(), 10_000, System::currentTimeMillis);
                InfluxWriter influx = new InfluxWriter(settings.influx());
                StoreWriter writer = new StoreWriter(influx)) {
            AnalysisOutput sink = AnalysisOutput.episodes(e -> episodes.put(e.id(), e));
            if (write) {
                sink = sink.and(
                        new AnalysisSamples(writer::accept, cfg.settings().stepMs(), cfg.baselineEvery()));
            }
            AnalysisRunner runner = new AnalysisRunner(cfg, settings.schedule(), settings.topology(), sink);
            if (entity != null) {
                runner.explain(entity, x -> {
                    if (x.timeMs() >= fromMs) {
                        explained.accept(x);
                    }
                });
            }
            runner.start(
                    reader,
                    fromMs,
                    t -> progress.update(
                            t - warmFrom, String.format(Locale.ROOT, "warm-up %,d rows read", reader.rows())));
            runner.advance(
                    reader,
                    toMs,
                    t -> progress.update(t - warmFrom, String.format(Locale.ROOT, "%,d rows read", reader.rows())));
            writer.flush();
            return new Outcome(new ArrayList<>(episodes.values()), reader.rows(), writer.written());
        }
    }

    /**
     * What went wrong with InfluxDB, for an operator. The store's own messages say which query got which answer;
     * a network failure reaches us as a Java exception, whose class name is replaced by what it means.
     */
    static String influxFailure(InfluxSettings influx, Exception e) {
        String at = "InfluxDB at " + influx.url() + " (URL from " + influx.urlFrom() + ")";
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof ConnectException) {
                return "cannot reach " + at + ": connection refused";
            }
            if (c instanceof UnknownHostException) {
                return "cannot reach " + at + ": unknown host " + influx.url().getHost();
            }
            if (c instanceof NoRouteToHostException) {
                return "cannot reach " + at + ": no route to host";
            }
            if (c instanceof SocketTimeoutException) {
                return at + " did not answer within " + Durations.format(influx.timeout()) + " (influxdb.timeout)";
            }
        }
        String m = e instanceof UncheckedIOException || e instanceof InfluxDBIOException
                ? e.getCause().getMessage()
                : e.getMessage();
        // "java.io.IOException: reason" as some libraries word it: keep the reason.
        return m == null
                ? "InfluxDB at " + influx.url() + ": " + e.getClass().getSimpleName()
                : m.replaceAll("(?:[a-z][\\w$]*\\.)+[A-Z][\\w$]*(?:Exception|Error): ?", "");
    }

    static long parseTime(String option, String value, ZoneId zone) {
        String v = value.trim();
        try {
            if (v.startsWith("now")) {
                long now = System.currentTimeMillis();
                return v.equals("now")
                        ? now
                        : now - parseDuration(v.substring(v.indexOf('-') + 1)).toMillis();
            }
            if (v.length() == 10) {
                return LocalDate.parse(v).atStartOfDay(zone).toInstant().toEpochMilli();
            }
            return Instant.parse(v).toEpochMilli();
        } catch (DateTimeParseException | StringIndexOutOfBoundsException | UserError e) {
            throw new UserError(option + ": expected a date (2026-11-01), an ISO date-time (2026-11-01T08:00:00Z) "
                    + "or now-DURATION (now-7d), found '" + value + "'");
        }
    }

    static Duration parseDuration(String v) {
        Duration d = Durations.parse(v);
        if (d == null) {
            throw new UserError("expected a duration such as 30s, 12h or 7d, found '" + v + "'");
        }
        return d;
    }

    public static void printTable(PrintWriter out, List<Episode> list, ZoneId zone) {
        if (list.isEmpty()) {
            out.println("no episodes in this range");
            return;
        }
        String fmt = "%-8s %-9s %-17s %-14s %-16s %-16s %6s %9s %9s %8s  %s%n";
        out.printf(
                Locale.ROOT,
                fmt,
                "SEVERITY",
                "STATE",
                "KIND",
                "ENTITY",
                "STARTED",
                "DETECTED",
                "DELAY",
                "EXCESS",
                "kWh",
                "COST",
                "TITLE");
        var time =
                java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(zone);
        for (Episode e : list) {
            out.printf(
                    Locale.ROOT,
                    fmt,
                    e.severity().word(),
                    e.state().word(),
                    e.kind(),
                    e.entity(),
                    time.format(Instant.ofEpochMilli(e.startedMs())),
                    time.format(Instant.ofEpochMilli(e.detectedMs())),
                    e.delayMs() / 60_000 + "m",
                    String.format(Locale.ROOT, "%.0f W", e.excessW()),
                    String.format(Locale.ROOT, "%.2f", e.energyKwh()),
                    String.format(Locale.ROOT, "%.2f", e.cost()),
                    e.title());
        }
        out.printf(Locale.ROOT, "%d episodes; times in %s%n", list.size(), zone);
    }

    private static void printJson(PrintWriter out, List<Episode> list) throws IOException {
        ObjectMapper m = new ObjectMapper();
        ArrayNode a = m.createArrayNode();
        for (Episode e : list) {
            var o = a.addObject()
                    .put("id", e.id())
                    .put("entity", e.entity())
                    .put("level", e.level())
                    .put("kind", e.kind())
                    .put("state", e.state().word())
                    .put("severity", e.severity().word())
                    .put("title", e.title())
                    .put("started_ms", e.startedMs())
                    .put("detected_ms", e.detectedMs())
                    .put("ended_ms", e.endedMs())
                    .put("excess_w", e.excessW())
                    .put("peak_excess_w", e.peakExcessW())
                    .put("energy_kwh", e.energyKwh())
                    .put("cost", e.cost())
                    .put("score", e.score());
            o.set("evidence", m.readTree(e.evidenceJson()));
        }
        out.println(m.writerWithDefaultPrettyPrinter().writeValueAsString(a));
    }
}

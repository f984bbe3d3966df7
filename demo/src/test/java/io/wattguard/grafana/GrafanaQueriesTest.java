package io.wattguard.grafana;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wattguard.core.Sample;
import io.wattguard.daemon.Batcher;
import io.wattguard.daemon.Daemon;
import io.wattguard.daemon.Settings;
import io.wattguard.demo.DemoSite;
import io.wattguard.simulator.site.SiteSpec;
import io.wattguard.simulator.site.SyntheticSite;
import io.wattguard.store.write.InfluxSink;
import io.wattguard.store.write.InfluxWriter;
import io.wattguard.testing.Cli;
import io.wattguard.testing.InfluxdTest;
import java.io.IOException;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every query of every dashboard, run as Grafana runs it against a real influxd holding the demo's simulated site
 * (four days, 12 hosts, two racks, written through the real batcher, spool and InfluxDB sink, then analysed by
 * {@code wattguard analyze}, so {@code baseline} and {@code anomaly} hold open and closed episodes), plus the
 * {@code collector} measurement of a real daemon (a synthetic source, the live analysis and a JSON-lines alert
 * output) that ran meanwhile.
 *
 * <p>Variables are resolved as Grafana resolves them: each query variable's own query is run with the values of
 * those before it; a single-value variable takes a value from the data (the host with evidence findings, and its
 * rack), a multi-value one "All" (its {@code allValue}, else every value as a regular expression alternation).
 * {@code $timeFilter} becomes {@code time >= Xms and time <= Yms} over the site's days (the daemon's run for the
 * health dashboard's panels; its annotations look at the site's days, where the episodes are) and
 * {@code $__interval} the range over 1,000 points, at least the datasource's 1m. Panels' own time overrides (this
 * month, last month, 15 minutes) are replaced by that range: the data has fixed dates.
 *
 * <p>Each query must answer without error, with at least one series holding a value, and with the columns its
 * {@code AS} aliases name, each holding a value in some row (except the GPU clocks and throttle reasons, which the
 * simulator does not write). A failure names the dashboard and the panel.
 */
class GrafanaQueriesTest extends InfluxdTest {
    /** The demo's site over fixed dates; these end with episodes still open. */
    private static final LocalDate END = LocalDate.of(2026, 12, 4);

    private static final int DAYS = 4;
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;

    private static SiteSpec site;
    private static long daemonFrom;
    private static long daemonTo;

    @BeforeAll
    static void writeAndAnalyseTheSite() throws Exception {
        site = DemoSite.spec(DAYS, END);
        String url = influxd.url().toString();
        Path config = Files.writeString(
                tmp.resolve("site.yaml"),
                DemoSite.config(site, url, tmp.resolve("spool").toString(), "127.0.0.1:0"));
        // The daemon of a collector with a source, the live analysis and an alert output, writing the collector
        // measurement every second while the history is written and analysed.
        String live = DemoSite.config(site, url, tmp.resolve("spool-live").toString(), "127.0.0.1:0")
                        .replaceFirst("(?m)^  warmup: .*$", "  warmup: 10m")
                + "self_interval: 1s\n"
                + "sources:\n"
                + "  - {name: probe, type: synthetic, interval: 1s, series: [{measurement: grafana_probe, "
                + "tags: {probe: \"1\"}, fields: {value: {sine: {mean: 1, amplitude: 1, period: 1h}}}}]}\n"
                + "alerts:\n"
                + "  jsonl: {path: \"" + tmp.resolve("alerts.jsonl") + "\", min_severity: low}\n";
        Path liveConfig = Files.writeString(tmp.resolve("live.yaml"), live);
        assertEquals(
                0, Cli.run("check-config", "--config", liveConfig.toString()).code(), live);
        Clock clock = Clock.systemUTC();
        try (Daemon daemon = new Daemon(Settings.load(liveConfig), clock)) {
            daemon.start();
            daemonFrom = clock.millis();
            Settings settings = Settings.load(config);
            backfill(settings, clock, new SyntheticSite(site));
            Cli.Result analysed = Cli.run(
                    "analyze",
                    "--config",
                    config.toString(),
                    "--warmup",
                    "0s",
                    "--from",
                    Instant.ofEpochMilli(site.startMs()).toString(),
                    "--to",
                    Instant.ofEpochMilli(site.endMs()).toString());
            assertEquals(0, analysed.code(), analysed.err());
            // Counters are shown per interval (non_negative_difference): the daemon's points must span two minutes.
            long twoBuckets = (daemonFrom / 60_000 + 1) * 60_000 + 5_000;
            while (clock.millis() < twoBuckets) {
                Thread.sleep(200);
            }
            daemonTo = clock.millis();
        }
        await(Duration.ofSeconds(30), "the daemon's last collector points", () -> !query(
                        "wattguard",
                        "SELECT last(\"points_written\") FROM \"collector\" WHERE time >= " + (daemonTo - 3_000) + "ms")
                .isEmpty());
        daemonTo = System.currentTimeMillis();
    }

    /** The demo's way: the site's points through the real batcher, spool and sink, paced by acknowledgements. */
    private static void backfill(Settings settings, Clock clock, SyntheticSite simulated) throws Exception {
        InfluxSink sink = new InfluxSink(new InfluxWriter(settings.influx()), settings.spool(), clock);
        sink.start();
        long[] count = {0};
        try (Batcher batcher = new Batcher(settings.topology(), sink, settings.batch(), f -> {})) {
            List<Sample> batch = new ArrayList<>(5000);
            simulated.run(p -> {
                batch.add(DemoSite.sample(p));
                count[0]++;
                if (batch.size() == 5000) {
                    batcher.add(batch);
                    batch.clear();
                    awaitAcked(sink, count[0] - 100_000);
                }
            });
            batcher.add(batch);
        }
        try {
            awaitAcked(sink, count[0]);
        } finally {
            sink.close();
        }
        assertEquals(count[0], sink.stats().pointsWritten.get(), "every point of the site written");
    }

    private static void awaitAcked(InfluxSink sink, long target) {
        await(
                Duration.ofMinutes(2),
                target + " points acknowledged",
                () -> sink.stats().pointsWritten.get()
                                + sink.stats().deadLetterPoints.get()
                                + sink.spoolDroppedPoints()
                        >= target);
    }

    @Test
    void theSiteHasOpenAndClosedEpisodes() {
        assertFalse(
                query("wattguard", "SELECT \"id\" FROM \"anomaly\" WHERE \"state\" = 'closed' AND " + site())
                        .isEmpty(),
                "a closed episode");
        assertFalse(
                query(
                                "wattguard",
                                "SELECT * FROM (SELECT last(\"state\") AS \"st\" FROM \"anomaly\" WHERE " + site()
                                        + " GROUP BY \"entity\", \"kind\", \"severity\") WHERE \"st\" = 'open' AND "
                                        + site())
                        .isEmpty(),
                "an episode still open at the end");
    }

    @Test
    void everyQueryOfEveryDashboardAnswersWithTheColumnsItsPanelExpects() {
        List<String> failures = new ArrayList<>();
        int total = 0;
        for (Map.Entry<String, JsonNode> e : Dashboards.all().entrySet()) {
            String file = e.getKey();
            boolean health = file.equals("health.json");
            long from = health ? daemonFrom : site.startMs();
            long to = health ? daemonTo : site.endMs();
            Map<String, String> vars = variables(e.getValue(), from, to, failures, file);
            List<Dashboards.Query> queries = Dashboards.queries(file, e.getValue());
            assertTrue(queries.size() > 1, file + ": no queries");
            for (Dashboards.Query q : queries) {
                total++;
                // Annotations are the site's episodes on every dashboard: over the site's days even where the panels
                // (collector health) look at the daemon's minutes, which had none.
                boolean annotation = q.refId().equals("annotation");
                String influxQl = GrafanaMacros.substitute(
                        q.influxQl(), vars, annotation ? site.startMs() : from, annotation ? site.endMs() : to);
                try {
                    check(q, influxQl, run(influxQl));
                } catch (AssertionError | IOException ex) {
                    failures.add(q.where() + ": " + ex.getMessage() + "\n    " + influxQl);
                }
            }
        }
        assertTrue(
                failures.isEmpty(),
                failures.size() + " of " + total + " queries failed:\n" + String.join("\n", failures));
        assertTrue(total >= 40, "queries run: " + total);
    }

    private static String site() {
        return "time >= " + site.startMs() + "ms AND time <= " + site.endMs() + "ms";
    }

    /** The dashboard's variables in order, each resolved as Grafana would with the ones before it. */
    private static Map<String, String> variables(
            JsonNode dashboard, long from, long to, List<String> failures, String file) {
        Map<String, String> vars = new LinkedHashMap<>();
        String evidenceHost = single("SHOW TAG VALUES FROM \"evidence\" WITH KEY = \"host\"");
        String evidenceRack =
                single("SHOW TAG VALUES FROM \"host\" WITH KEY = \"rack\" WHERE \"host\" = '" + evidenceHost + "'");
        Map<String, String> preferred = Map.of("host", evidenceHost, "rack", evidenceRack);
        for (JsonNode v : dashboard.path("templating").path("list")) {
            String name = v.path("name").asText();
            String type = v.path("type").asText();
            List<String> values = new ArrayList<>();
            switch (type) {
                case "query" -> {
                    for (Map<String, Object> row : query(
                            "wattguard",
                            GrafanaMacros.substitute(v.path("query").asText(), vars, from, to))) {
                        values.add(String.valueOf(row.get("value")));
                    }
                }
                case "custom" -> values.addAll(List.of(v.path("query").asText().split("\\s*,\\s*")));
                case "textbox", "constant" -> values.add(v.path("query").asText());
                default -> failures.add(file + ": variable " + name + " of a type the test does not know: " + type);
            }
            if (values.isEmpty()) {
                failures.add(file + ": variable " + name + " has no values in the data");
                values.add("none");
            }
            String value;
            if (!v.path("multi").asBoolean() && preferred.containsKey(name) && values.contains(preferred.get(name))) {
                value = regex(preferred.get(name));
            } else if (v.path("includeAll").asBoolean()) {
                value = v.hasNonNull("allValue")
                        ? v.path("allValue").asText()
                        : "("
                                + String.join(
                                        "|",
                                        values.stream()
                                                .map(GrafanaQueriesTest::regex)
                                                .toList()) + ")";
            } else {
                value = type.equals("query") || type.equals("custom") ? regex(values.get(0)) : values.get(0);
            }
            vars.put(name, value);
        }
        return vars;
    }

    private static String single(String influxQl) {
        List<Map<String, Object>> rows = query("wattguard", influxQl);
        assertFalse(rows.isEmpty(), influxQl);
        return String.valueOf(rows.get(0).get("value"));
    }

    /** As Grafana escapes a value for an InfluxQL regular expression. */
    private static String regex(String value) {
        return value.replaceAll("([\\\\/^$.|?*+()\\[\\]{}])", "\\\\$1");
    }

    private static JsonNode run(String influxQl) throws IOException {
        String q = "db=wattguard&epoch=ms&q=" + URLEncoder.encode(influxQl, StandardCharsets.UTF_8);
        try {
            HttpResponse<String> r = HTTP.send(
                    HttpRequest.newBuilder(influxd.url().resolve("/query?" + q)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body()).path("results").path(0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static final Pattern ALIAS = Pattern.compile("AS \"([^\"]+)\"");

    private static void check(Dashboards.Query q, String influxQl, JsonNode result) {
        if (result.has("error")) {
            throw new AssertionError("InfluxDB: " + result.path("error").asText());
        }
        JsonNode series = result.path("series");
        if (series.isEmpty()) {
            throw new AssertionError("no series");
        }
        Set<String> columns = new LinkedHashSet<>();
        Set<String> tags = new LinkedHashSet<>();
        boolean value = false;
        for (JsonNode s : series) {
            s.path("columns").forEach(c -> columns.add(c.asText()));
            s.path("tags").fieldNames().forEachRemaining(tags::add);
            for (JsonNode row : s.path("values")) {
                for (int i = 1; i < row.size(); i++) {
                    value |= !row.get(i).isNull();
                }
            }
        }
        if (!value) {
            throw new AssertionError("series without a single value: "
                    + series.toString()
                            .substring(0, Math.min(300, series.toString().length())));
        }
        for (String alias : expectedColumns(influxQl)) {
            if (!columns.contains(alias)) {
                throw new AssertionError("no column '" + alias + "', found " + columns);
            }
            // A misspelt field gives a column of nulls beside the others: every column must hold a value.
            if (!NOT_SIMULATED.contains(alias) && !hasValue(series, alias)) {
                throw new AssertionError("column '" + alias + "' has no value in any row");
            }
        }
        if (q.refId().equals("annotation")) {
            String text = q.owner().path("textColumn").asText();
            if (!columns.contains(text)) {
                throw new AssertionError("annotation text column '" + text + "' missing, found " + columns);
            }
            for (String t : q.owner().path("tagsColumn").asText().split(",")) {
                if (!t.isBlank() && !tags.contains(t.trim()) && !columns.contains(t.trim())) {
                    throw new AssertionError("annotation tag '" + t + "' missing, found " + tags + " " + columns);
                }
            }
        }
    }

    /** Columns of fields the simulated site does not write (its GPUs report no clocks or throttle reasons). */
    private static final Set<String> NOT_SIMULATED = Set.of("SM clock MHz", "memory clock MHz", "throttle reasons");

    private static boolean hasValue(JsonNode series, String column) {
        for (JsonNode s : series) {
            int i = 0;
            for (JsonNode c : s.path("columns")) {
                if (c.asText().equals(column)) {
                    for (JsonNode row : s.path("values")) {
                        if (!row.get(i).isNull()) {
                            return true;
                        }
                    }
                }
                i++;
            }
        }
        return false;
    }

    /** The aliases of the outermost SELECT (of the subquery for SELECT *). */
    static List<String> expectedColumns(String influxQl) {
        String outer =
                influxQl.startsWith("SELECT * FROM (") ? influxQl.substring("SELECT * FROM (".length()) : influxQl;
        int from = topLevelFrom(outer);
        List<String> out = new ArrayList<>();
        Matcher m = ALIAS.matcher(outer.substring(0, from));
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static int topLevelFrom(String s) {
        int depth = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (depth == 0 && s.startsWith(" FROM ", i)) {
                return i;
            }
        }
        return s.length();
    }
}

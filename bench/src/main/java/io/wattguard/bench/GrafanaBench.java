package io.wattguard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wattguard.cli.Main;
import io.wattguard.grafana.GrafanaMacros;
import io.wattguard.influx.PrivateInfluxd;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The wall overview's queries over a large site (issue 14: 1,000 hosts, 30 days): each query's time and rows
 * returned, and what influxd decoded for it ({@code EXPLAIN ANALYZE}: blocks and their bytes), printed beside a
 * raw {@code SELECT *} of every measurement it reads over the same range.
 *
 * <pre>GrafanaBench HOSTS DAYS LOAD_THREADS [DASHBOARD.json]</pre>
 *
 * The data is {@link LeanDataset} (per host and minute one outlet {@code meter}, one {@code gpu} and one
 * {@code business_load} point) analysed by {@code analyze}, which writes {@code baseline} and {@code anomaly}.
 * Variables are "All": every rack and host as a regular expression alternation, as Grafana sends them;
 * {@code $__interval} is the range over 1,000 points, at least 1 minute. A benchmark, not a test: it prints.
 * With {@code -Dwattguard.bench.data=DIR} the loaded and analysed data is kept in DIR and reused.
 */
public final class GrafanaBench {
    private static final long FROM = Instant.parse("2026-10-01T00:00:00Z").toEpochMilli();
    private static final String DB = "lean";
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        int hosts = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int days = args.length > 1 ? Integer.parseInt(args[1]) : 7;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        Path file = Path.of(args.length > 3 ? args[3] : "grafana/dashboards/wall.json");
        long to = FROM + days * 86_400_000L;
        LeanDataset data = new LeanDataset(hosts, FROM, to);
        System.out.printf(
                Locale.ROOT,
                "grafana bench: %s over %d hosts x %d days at 1 min (%,d points of meter, gpu, " + "business_load)%n",
                file,
                hosts,
                days,
                data.points());
        String keep = System.getProperty("wattguard.bench.data");
        try (PrivateInfluxd influxd =
                keep == null ? PrivateInfluxd.startTemporary() : PrivateInfluxd.startIn(Path.of(keep))) {
            loadAndAnalyseOnce(influxd, data, hosts, days, threads, to);
            Set<String> racks = new LinkedHashSet<>();
            List<String> hostNames = new ArrayList<>();
            for (int h = 0; h < hosts; h++) {
                racks.add(LeanDataset.rack(h));
                hostNames.add(LeanDataset.host(h));
            }
            String timeFilter = "time >= " + FROM + "ms and time <= " + to + "ms";
            String interval = GrafanaMacros.interval(to - FROM);
            JsonNode dashboard = JSON.readTree(file.toFile());
            System.out.printf(Locale.ROOT, "$__interval %s; times are the best of 2 runs%n", interval);
            System.out.printf(
                    Locale.ROOT,
                    "%-48s %9s %9s %12s %14s   %s%n",
                    "panel (query)",
                    "ms",
                    "rows",
                    "blocks",
                    "block bytes",
                    "raw SELECT * of the same range");
            for (JsonNode p : dashboard.path("panels")) {
                for (JsonNode t : p.path("targets")) {
                    String q = GrafanaMacros.substitute(
                            t.path("query").asText(),
                            Map.of(
                                    "site",
                                    ".*",
                                    "room",
                                    ".*",
                                    "rack",
                                    "(" + String.join("|", racks) + ")",
                                    "host",
                                    "(" + String.join("|", hostNames) + ")"),
                            FROM,
                            to);
                    long[] best = {Long.MAX_VALUE, 0};
                    for (int run = 0; run < 2; run++) {
                        long t0 = System.nanoTime();
                        long rows = rows(influxd.url(), q);
                        best[0] = Math.min(best[0], (System.nanoTime() - t0) / 1_000_000);
                        best[1] = rows;
                    }
                    long[] decoded = explain(influxd.url(), q);
                    StringBuilder raw = new StringBuilder();
                    for (String m : measurements(q)) {
                        String r = "SELECT * FROM \"" + m + "\" WHERE " + timeFilter;
                        long t0 = System.nanoTime();
                        long rows = rows(influxd.url(), r);
                        long ms = (System.nanoTime() - t0) / 1_000_000;
                        long[] rd = explain(influxd.url(), r);
                        raw.append(String.format(
                                Locale.ROOT,
                                "%s: %,d ms, %,d rows, %,d blocks, %,d bytes; ",
                                m,
                                ms,
                                rows,
                                rd[0],
                                rd[1]));
                    }
                    String name =
                            p.path("title").asText() + " (" + t.path("refId").asText() + ")";
                    System.out.printf(
                            Locale.ROOT,
                            "%-48s %,9d %,9d %,12d %,14d   %s%n",
                            name.length() > 48 ? name.substring(0, 48) : name,
                            best[0],
                            best[1],
                            decoded[0],
                            decoded[1],
                            raw);
                }
            }
        }
    }

    /**
     * Loads {@code data} and analyses it, unless this folder's marker says that was done: a kept folder
     * ({@code -Dwattguard.bench.data}) is reused by this benchmark and by {@link ReportBench}.
     */
    static void loadAndAnalyseOnce(PrivateInfluxd influxd, LeanDataset data, int hosts, int days, int threads, long to)
            throws Exception {
        Path marker = influxd.dir().resolve("grafana-" + hosts + "x" + days);
        if (!Files.exists(marker)) {
            long t0 = System.nanoTime();
            long n = data.load(influxd.url(), DB, threads);
            System.out.printf(
                    Locale.ROOT, "load: %,d points in %.1f s (not measured)%n", n, (System.nanoTime() - t0) / 1e9);
            analyse(influxd, to);
            Files.writeString(marker, "");
        }
    }

    private static void analyse(PrivateInfluxd influxd, long to) throws Exception {
        Path dir = Files.createTempDirectory("wattguard-grafana-bench-");
        Path config = dir.resolve("wattguard.yaml");
        Files.writeString(config, """
                influxdb: {url: %s, database: %s}
                spool: {dir: %s}
                http: {enabled: false}
                analysis: {}
                """.formatted(influxd.url(), DB, dir.resolve("spool")), StandardCharsets.UTF_8);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        long t0 = System.nanoTime();
        int code = Main.execute(
                new PrintWriter(out, true),
                new PrintWriter(err, true),
                "analyze",
                "--config",
                config.toString(),
                "--from",
                Instant.ofEpochMilli(FROM).toString(),
                "--to",
                Instant.ofEpochMilli(to).toString(),
                "--warmup",
                "0s");
        if (code != 0) {
            throw new IllegalStateException("analyze exited " + code + ": " + err);
        }
        System.out.printf(
                Locale.ROOT,
                "analyze (writes baseline and anomaly): %.1f s (not measured); %s%n",
                (System.nanoTime() - t0) / 1e9,
                out.toString().lines().reduce((a, b) -> b).orElse(""));
        Files.walk(dir).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile()
                .delete());
    }

    /** Rows of a query on the lean database, streamed (chunked) so a raw select of a month need not fit in memory. */
    static long rows(URI influx, String q) throws Exception {
        HttpResponse<InputStream> r = HTTP.send(
                HttpRequest.newBuilder(influx.resolve("/query?db=" + DB + "&epoch=ms&chunked=true&chunk_size=10000&q="
                                + URLEncoder.encode(q, StandardCharsets.UTF_8)))
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        long rows = 0;
        try (var parser = JSON.getFactory().createParser(r.body())) {
            parser.configure(com.fasterxml.jackson.core.JsonParser.Feature.AUTO_CLOSE_SOURCE, true);
            var it = JSON.readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                JsonNode chunk = it.next();
                for (JsonNode res : chunk.path("results")) {
                    if (res.has("error")) {
                        throw new IllegalStateException(res.path("error").asText() + " for " + q);
                    }
                    for (JsonNode s : res.path("series")) {
                        rows += s.path("values").size();
                    }
                }
            }
        }
        return rows;
    }

    private static final Pattern DECODED = Pattern.compile("(\\w+_blocks_decoded|\\w+_blocks_size_bytes): (\\d+)");

    /** Blocks and their bytes that influxd decoded for the query, summed over its iterators (EXPLAIN ANALYZE). */
    private static long[] explain(URI influx, String q) throws Exception {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(influx.resolve("/query?db=" + DB + "&q="
                                + URLEncoder.encode("EXPLAIN ANALYZE " + q, StandardCharsets.UTF_8)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        long[] out = new long[2];
        Matcher m = DECODED.matcher(r.body());
        while (m.find()) {
            out[m.group(1).endsWith("bytes") ? 1 : 0] += Long.parseLong(m.group(2));
        }
        return out;
    }

    private static final Pattern FROM_MEASUREMENT = Pattern.compile("FROM \"([a-z_]+)\"");

    private static Set<String> measurements(String q) {
        Set<String> out = new LinkedHashSet<>();
        Matcher m = FROM_MEASUREMENT.matcher(q);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }
}

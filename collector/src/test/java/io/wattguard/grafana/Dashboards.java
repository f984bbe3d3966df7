package io.wattguard.grafana;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The repository's {@code grafana/} folder as the tests see it: the dashboards' JSON and every InfluxQL query in
 * them (panel targets and annotations), each named by dashboard and panel so a failure says where to look.
 */
final class Dashboards {
    /** Maven runs the collector's tests in {@code collector/}; the folder is beside it. */
    static final Path GRAFANA = Path.of("..", "grafana");

    static final Path DASHBOARDS = GRAFANA.resolve("dashboards");
    private static final ObjectMapper JSON = new ObjectMapper();

    private Dashboards() {}

    /** One InfluxQL query of a dashboard: a panel target or an annotation. */
    record Query(String dashboard, String panel, String refId, String format, String influxQl, JsonNode owner) {
        String where() {
            return dashboard + ", panel '" + panel + "' (" + refId + ")";
        }
    }

    /** File name to dashboard, in name order. */
    static Map<String, JsonNode> all() {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(DASHBOARDS)) {
            for (Path f :
                    files.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                out.put(f.getFileName().toString(), JSON.readTree(f.toFile()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + DASHBOARDS.toAbsolutePath(), e);
        }
        return out;
    }

    /** Every panel, rows' collapsed panels included. */
    static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            out.add(p);
            p.path("panels").forEach(out::add);
        }
        return out;
    }

    /** Every query of a dashboard: each target of each panel, then each annotation that queries InfluxDB. */
    static List<Query> queries(String file, JsonNode dashboard) {
        List<Query> out = new ArrayList<>();
        for (JsonNode p : panels(dashboard)) {
            if (p.path("type").asText().equals("row")) {
                continue;
            }
            for (JsonNode t : p.path("targets")) {
                out.add(new Query(
                        file,
                        p.path("title").asText(),
                        t.path("refId").asText(),
                        t.path("resultFormat").asText("time_series"),
                        t.path("query").asText(),
                        t));
            }
        }
        for (JsonNode a : dashboard.path("annotations").path("list")) {
            // Grafana 10 and 11 read an InfluxDB annotation's query from its target.
            JsonNode t = a.path("target");
            if (t.has("query")) {
                out.add(new Query(
                        file,
                        "annotation " + a.path("name").asText(),
                        "annotation",
                        "table",
                        t.path("query").asText(),
                        t));
            }
        }
        return out;
    }

    /** Calls {@code each} on every string value anywhere in {@code node}. */
    static void strings(JsonNode node, Consumer<String> each) {
        if (node.isTextual()) {
            each.accept(node.asText());
        } else if (node.isContainerNode()) {
            node.forEach(n -> strings(n, each));
        }
    }

    /** Calls {@code each} on every object anywhere in {@code node} that has a field {@code name}. */
    static void withField(JsonNode node, String name, Consumer<JsonNode> each) {
        if (node.isObject() && node.has(name)) {
            each.accept(node);
        }
        if (node.isContainerNode()) {
            node.forEach(n -> withField(n, name, each));
        }
    }
}

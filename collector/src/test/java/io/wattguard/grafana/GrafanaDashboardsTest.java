package io.wattguard.grafana;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.wattguard.store.Schema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The structure of {@code grafana/}: six dashboards, unique panel ids, a grid without overlaps, every datasource
 * the provisioned one, every variable defined, every link to a dashboard that exists, every query bounded by
 * the time range. {@link GrafanaQueriesTest} runs the queries.
 */
class GrafanaDashboardsTest {
    static final String DATASOURCE_UID = "wattguard-influxdb";
    /** Variables Grafana defines itself, and the alias patterns of the InfluxDB datasource. */
    private static final Pattern BUILT_IN = Pattern.compile("__.*|timeFilter|tag_.*|col|m|measurement");

    private static final Pattern VARIABLE = Pattern.compile(
            "\\$\\{([A-Za-z0-9_.]+)(?::[^}]*)?}|\\$([A-Za-z_][A-Za-z0-9_]*)|\\[\\[([A-Za-z0-9_]+)(?::[^]]*)?]]");
    private static final Pattern LINK = Pattern.compile("/d/([A-Za-z0-9_-]+)");

    @Test
    void sixDashboardsWithUniqueUidsAndThePlaceVariables() {
        Map<String, JsonNode> all = Dashboards.all();
        assertEquals(
                Set.of("wall.json", "rack.json", "host.json", "energy.json", "anomalies.json", "health.json"),
                all.keySet());
        Set<String> uids = new HashSet<>();
        all.forEach((file, d) -> {
            assertTrue(uids.add(d.path("uid").asText()), file + ": uid " + d.path("uid") + " used twice");
            assertFalse(d.path("title").asText().isEmpty(), file + ": no title");
            assertTrue(d.path("schemaVersion").asInt() >= 36, file + ": schemaVersion of Grafana 10 or later");
            assertTrue(
                    variables(d).containsAll(List.of("site", "room", "rack", "host")),
                    file + ": site, room, rack and host variables, found " + variables(d));
            assertTrue(
                    d.path("annotations").path("list").findValuesAsText("query").stream()
                            .anyMatch(q -> q.contains("FROM \"anomaly\"")),
                    file + ": anomaly episodes as annotations");
        });
        JsonNode wall = all.get("wall.json");
        assertEquals("30s", wall.path("refresh").asText(), "the wall refreshes every 30 s");
    }

    /**
     * Every measurement a dashboard reads, and every quoted name in its queries that is not an alias, is one the
     * {@link Schema} names: a dashboard cannot go on asking for a name the writers stopped writing.
     */
    @Test
    void queriesUseOnlyTheSchemasNames() {
        Set<String> names = new HashSet<>();
        for (Schema.Measurement m : Schema.ALL) {
            names.add(m.name());
            names.addAll(m.tags());
            names.addAll(m.fields());
        }
        Pattern from = Pattern.compile("FROM \"([^\"]+)\"");
        Pattern quoted = Pattern.compile("(AS\\s+)?\"([^\"]+)\"");
        List<String> unknown = new ArrayList<>();
        Dashboards.all().forEach((file, d) -> {
            for (Dashboards.Query q : Dashboards.queries(file, d)) {
                Matcher f = from.matcher(q.influxQl());
                while (f.find()) {
                    if (Schema.measurement(f.group(1)) == null) {
                        unknown.add(q.where() + ": measurement " + f.group(1));
                    }
                }
                Set<String> aliases = new HashSet<>(); // an outer query reads its subquery's aliases
                for (Matcher a = quoted.matcher(q.influxQl()); a.find(); ) {
                    if (a.group(1) != null) {
                        aliases.add(a.group(2));
                    }
                }
                Matcher n = quoted.matcher(q.influxQl());
                while (n.find()) {
                    if (n.group(1) == null && !names.contains(n.group(2)) && !aliases.contains(n.group(2))) {
                        unknown.add(q.where() + ": " + n.group(2));
                    }
                }
            }
        });
        assertEquals(List.of(), unknown, "names the Schema does not know");
    }

    @Test
    void panelIdsAreUniqueAndPanelsDoNotOverlap() {
        Dashboards.all().forEach((file, d) -> {
            Set<Integer> ids = new HashSet<>();
            List<int[]> boxes = new ArrayList<>();
            List<String> titles = new ArrayList<>();
            for (JsonNode p : Dashboards.panels(d)) {
                String title = file + " panel '" + p.path("title").asText() + "'";
                if (!p.path("type").asText().equals("row")) {
                    // A panel shows what its queries return: one without a query would escape GrafanaQueriesTest.
                    assertTrue(p.path("targets").size() > 0, title + ": no query");
                }
                assertTrue(p.path("id").isInt(), title + ": no id");
                assertTrue(ids.add(p.path("id").asInt()), title + ": id " + p.path("id") + " used twice");
                JsonNode g = p.path("gridPos");
                int[] box = {
                    g.path("x").asInt(-1),
                    g.path("y").asInt(-1),
                    g.path("w").asInt(0),
                    g.path("h").asInt(0)
                };
                assertTrue(
                        box[0] >= 0 && box[1] >= 0 && box[2] > 0 && box[3] > 0 && box[0] + box[2] <= 24,
                        title + ": gridPos inside the 24-column grid, found " + g);
                for (int i = 0; i < boxes.size(); i++) {
                    int[] o = boxes.get(i);
                    boolean apart = box[0] + box[2] <= o[0]
                            || o[0] + o[2] <= box[0]
                            || box[1] + box[3] <= o[1]
                            || o[1] + o[3] <= box[1];
                    assertTrue(apart, title + " overlaps '" + titles.get(i) + "'");
                }
                boxes.add(box);
                titles.add(p.path("title").asText());
            }
            assertFalse(ids.isEmpty(), file + ": no panels");
        });
    }

    @Test
    void everyDatasourceIsTheProvisionedOne() throws IOException {
        // Both provisioning variants define the same uid, so the dashboards do not change with the InfluxDB version.
        List<Path> provisioned;
        try (Stream<Path> s = Stream.concat(
                Files.list(Dashboards.GRAFANA.resolve("provisioning/datasources")),
                Files.list(Dashboards.GRAFANA.resolve("provisioning/variants")))) {
            provisioned = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertEquals(2, provisioned.size(), "the 1.x datasource and the 2.x/3.x variant: " + provisioned);
        for (Path p : provisioned) {
            String yaml = Files.readString(p);
            assertEquals(
                    List.of(DATASOURCE_UID), all(Pattern.compile("(?m)^\\s+uid:\\s*(\\S+)\\s*$"), yaml), p.toString());
            assertTrue(
                    yaml.contains("type: influxdb")
                            && yaml.contains("version: InfluxQL")
                            && yaml.contains("dbName: wattguard"),
                    p + ": InfluxQL on database wattguard");
        }
        assertTrue(
                Files.readString(provisioned.get(1)).contains("httpHeaderValue1: Token ${WATTGUARD_INFLUX_TOKEN}"),
                "the 2.x/3.x variant sends the token");
        String provider = Files.readString(Dashboards.GRAFANA.resolve("provisioning/dashboards/wattguard.yaml"));
        assertTrue(
                provider.contains("type: file") && provider.contains("path: /var/lib/grafana/dashboards/wattguard"),
                provider);
        Dashboards.all().forEach((file, d) -> {
            int[] count = {0};
            Dashboards.withField(d, "datasource", o -> {
                JsonNode ds = o.get("datasource");
                if (ds.path("type").asText().equals("grafana")) {
                    return; // the built-in annotations of alerts
                }
                count[0]++;
                assertEquals(DATASOURCE_UID, ds.path("uid").asText(), file + ": datasource " + ds + " in " + o);
                assertEquals("influxdb", ds.path("type").asText(), file + ": datasource " + ds);
            });
            assertTrue(count[0] > 0, file);
        });
    }

    @Test
    void everyVariableUsedIsDefined() {
        Dashboards.all().forEach((file, d) -> {
            Set<String> defined = new HashSet<>(variables(d));
            Set<String> missing = new TreeSet<>();
            Dashboards.strings(d.path("panels"), s -> missing.addAll(undefined(s, defined)));
            Dashboards.strings(d.path("annotations"), s -> missing.addAll(undefined(s, defined)));
            Dashboards.strings(d.path("links"), s -> missing.addAll(undefined(s, defined)));
            for (JsonNode v : d.path("templating").path("list")) {
                // A variable's query may use only those defined before it.
                Set<String> before = new HashSet<>();
                for (JsonNode w : d.path("templating").path("list")) {
                    if (w == v) {
                        break;
                    }
                    before.add(w.path("name").asText());
                }
                missing.addAll(undefined(v.path("query").asText(), before).stream()
                        .map(n -> n + " (in variable " + v.path("name").asText() + ", not defined before it)")
                        .toList());
            }
            assertTrue(missing.isEmpty(), file + ": undefined variables " + missing);
        });
    }

    @Test
    void linksPointToDashboardsThatExist() {
        Set<String> uids = new HashSet<>();
        Dashboards.all().values().forEach(d -> uids.add(d.path("uid").asText()));
        Set<String> linked = new HashSet<>();
        Dashboards.all()
                .forEach((file, d) -> Dashboards.strings(d, s -> {
                    Matcher m = LINK.matcher(s);
                    while (m.find()) {
                        assertTrue(uids.contains(m.group(1)), file + ": link to a dashboard that does not exist: " + s);
                        linked.add(m.group(1));
                    }
                }));
        // rack -> host -> GPU (the host dashboard with one GPU), and every dashboard reachable.
        assertEquals(uids, linked, "every dashboard is linked from another");
        String rack = Dashboards.all().get("rack.json").toString();
        String host = Dashboards.all().get("host.json").toString();
        assertTrue(rack.contains("/d/wattguard-host/") && rack.contains("var-host="), "rack links to its hosts");
        assertTrue(host.contains("var-gpu=${__field.labels.gpu}"), "host links to one GPU");
    }

    @Test
    void everyQueryIsBoundedByTheTimeRange() {
        Dashboards.all().forEach((file, d) -> {
            List<Dashboards.Query> queries = Dashboards.queries(file, d);
            assertTrue(queries.size() > 1, file + ": queries");
            for (Dashboards.Query q : queries) {
                String text = q.influxQl();
                assertTrue(text.contains("$timeFilter"), q.where() + ": not bounded by $timeFilter: " + text);
                // Raw series are read grouped by time; only the analysis's own rows and one host's tables are read
                // as they are.
                boolean grouped = text.contains("GROUP BY time(");
                boolean analysis = text.matches("(?s).*FROM \"(baseline|anomaly)\".*")
                        && !text.matches(
                                "(?s).*FROM \"(gpu|gpu_process|host|meter|collector|business_load|evidence)\".*");
                boolean oneHost = text.contains("\"host\" =~ /^$host$/") && file.equals("host.json");
                assertTrue(
                        grouped || analysis || oneHost,
                        q.where() + ": reads raw points without GROUP BY time(): " + text);
                // Every (sub)query carries the range, so influxd never reads a measurement's whole history.
                int selects = count(text, "SELECT "), filters = count(text, "$timeFilter");
                assertTrue(filters >= selects, q.where() + ": a subquery without $timeFilter: " + text);
            }
        });
    }

    static Set<String> variables(JsonNode dashboard) {
        Set<String> out = new LinkedHashSet<>();
        dashboard
                .path("templating")
                .path("list")
                .forEach(v -> out.add(v.path("name").asText()));
        return out;
    }

    private static Set<String> undefined(String s, Set<String> defined) {
        Set<String> out = new TreeSet<>();
        Matcher m = VARIABLE.matcher(s);
        while (m.find()) {
            String name = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
            if (!BUILT_IN.matcher(name).matches() && !defined.contains(name)) {
                out.add(name);
            }
        }
        return out;
    }

    private static List<String> all(Pattern p, String s) {
        List<String> out = new ArrayList<>();
        Matcher m = p.matcher(s);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }
}

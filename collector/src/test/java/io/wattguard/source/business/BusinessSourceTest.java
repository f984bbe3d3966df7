package io.wattguard.source.business;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.config.ConfigException;
import io.wattguard.core.Emitter;
import io.wattguard.core.Sample;
import io.wattguard.core.Source;
import io.wattguard.core.SourceSpec;
import io.wattguard.core.Topology;
import io.wattguard.daemon.Daemon;
import io.wattguard.daemon.Settings;
import io.wattguard.influx.PrivateInfluxd;
import io.wattguard.testing.Configs;
import io.wattguard.testing.InfluxdTest;
import io.wattguard.testing.TinySite;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code business} source against a real influxd: an existing metric (jobs per node, jobs per rack) mapped to
 * business load, written by the daemon and read back; and what a failing query looks like to the operator.
 */
class BusinessSourceTest extends InfluxdTest {

    @TempDir
    Path tmp;

    /** Writes line protocol (ms timestamps) into {@code db} through influxd's own API, as another tool would. */
    static void write(String db, String lines) throws Exception {
        TinySite.createDatabase(influxd.url(), db);
        TinySite.write(influxd.url(), db, lines);
    }

    /** The scheduler's metric, once every 100 ms from 10 s ago to 2 min ahead, so every poll window holds some. */
    static void slurmMetric(String db) throws Exception {
        StringBuilder sb = new StringBuilder();
        long now = System.currentTimeMillis();
        for (long t = now - 10_000; t < now + 120_000; t += 100) {
            sb.append("slurm_jobs,node=h1 running=3 ").append(t).append('\n');
            sb.append("slurm_jobs,node=h2 running=8 ").append(t).append('\n');
            sb.append("slurm_jobs,node=h3 running=12 ").append(t).append('\n');
            sb.append("rack_jobs,rack=a01 jobs=5 ").append(t).append('\n');
        }
        write(db, sb.toString());
    }

    private String source(String influxUrl, String db, String queries) {
        return """
                sources:
                  - name: jobs
                    type: business
                    interval: 500ms
                    tags: {cluster: hpc}
                    influxdb: {url: %s, database: %s}
                    queries:
                %s""".formatted(influxUrl, db, queries.indent(6));
    }

    static final String QUERIES = """
            - name: slurm
              query: SELECT last(running) FROM slurm_jobs WHERE $timeFilter GROUP BY node
              entity_tag: node
              level: host
              min: 0
              max: 8
            - name: racks
              query: SELECT max(jobs) FROM rack_jobs WHERE $timeFilter GROUP BY "rack"
              entity_tag: rack
              level: rack
              max: 10
            """;

    @Test
    void mappedMetricsAreWrittenAsNormalisedBusinessLoad() throws Exception {
        slurmMetric("site");
        Settings settings = Configs.load(
                tmp,
                """
                instance: collector-1
                influxdb: {url: %s, database: out}
                batch: {max_points: 100, max_delay: 50ms}
                spool: {dir: %s}
                http: {enabled: false}
                self_interval: 1h
                topology:
                  site: lab
                  rooms: [{name: hall-a, racks: [{name: a01, hosts: [{name: h1}]}]}]
                """.formatted(influxd.url(), tmp.resolve("spool"))
                        + source(influxd.url().toString(), "site", QUERIES));
        try (Daemon d = new Daemon(settings, Clock.systemUTC())) {
            d.start();
            await(Duration.ofSeconds(20), "business_load of four entities", () -> latest().size() == 4);
            assertEquals(
                    0,
                    d.health().path("sources").path(0).path("errors").asLong(),
                    d.health().toString());
        }
        Map<String, Map<String, Object>> got = latest();
        assertEquals(0.375, got.get("h1").get("value"), "3 of 8");
        assertEquals(3.0, got.get("h1").get("raw"));
        assertEquals(1.0, got.get("h2").get("value"));
        assertEquals(1.0, got.get("h3").get("value"), "12 of 8 is clamped to 1");
        assertEquals(12.0, got.get("h3").get("raw"));
        assertEquals(0.5, got.get("a01").get("value"), "5 of 10");
        assertEquals("query:slurm", got.get("h1").get("source"));
        assertEquals("host", got.get("h1").get("level"));
        assertEquals("query:racks", got.get("a01").get("source"));
        assertEquals("rack", got.get("a01").get("level"));
        assertEquals("hpc", got.get("h1").get("cluster"), "the source's tags");
        assertEquals("a01", got.get("h1").get("rack"), "topology tags of a known host");
        assertEquals("hall-a", got.get("a01").get("room"), "and of a known rack");
    }

    private static Map<String, Map<String, Object>> latest() {
        Map<String, Map<String, Object>> out = new TreeMap<>();
        for (Map<String, Object> row :
                query("out", "SELECT * FROM business_load WHERE time >= now() - 1h AND " + "time <= now() + 1h")) {
            Map<String, Object> v = new TreeMap<>();
            row.forEach((k, x) -> {
                if (x != null) {
                    v.put(k, x instanceof Number n ? (Object) n.doubleValue() : x);
                }
            });
            out.put((String) row.get("entity"), v);
        }
        return out;
    }

    /** One poll outside the scheduler, keeping the samples and the device errors apart. */
    private static List<String> pollErrors(Source s, long tick, List<Sample> samples) throws Exception {
        List<String> errors = new ArrayList<>();
        s.poll(new Emitter() {
            @Override
            public long tickMs() {
                return tick;
            }

            @Override
            public void emit(Sample x) {
                samples.add(x);
            }

            @Override
            public void error(String device, String message) {
                errors.add(device + ": " + message);
            }
        });
        return errors;
    }

    private Source create(String yaml) throws Exception {
        Settings s = Configs.load(tmp, yaml);
        return s.sources().get(0).create(new SourceSpec.Context(Clock.systemUTC(), Topology.empty(), "c"));
    }

    @Test
    void aBrokenQueryIsAnErrorNamingItAndTheOthersCarryOn() throws Exception {
        slurmMetric("site2");
        String queries = """
                - name: broken
                  query: SELECT last(running) FROM slurm_jobs WHERE $timeFilter AND GROUP BY node
                  entity_tag: node
                  level: host
                """ + QUERIES;
        List<Sample> samples = new ArrayList<>();
        try (Source s = create(source(influxd.url().toString(), "site2", queries))) {
            s.start();
            List<String> errors = pollErrors(s, System.currentTimeMillis(), samples);
            assertEquals(1, errors.size(), errors.toString());
            assertTrue(errors.get(0).startsWith("query broken: "), errors.get(0));
            assertTrue(errors.get(0).contains("error parsing query"), errors.get(0));
        }
        assertEquals(4, samples.size(), "the other two queries still wrote their entities: " + samples);
    }

    @Test
    void influxdDownIsAnErrorPerQueryNotACrashAndCloseIsIdempotent() throws Exception {
        String nowhere = "http://127.0.0.1:" + PrivateInfluxd.freePort();
        Source never = create(source(nowhere, "site", QUERIES));
        never.close();
        never.close();
        List<Sample> samples = new ArrayList<>();
        try (Source s = create(source(nowhere, "site", QUERIES))) {
            s.start();
            List<String> errors = pollErrors(s, System.currentTimeMillis(), samples);
            assertEquals(2, errors.size(), errors.toString());
            assertTrue(
                    errors.get(0).startsWith("query slurm: InfluxDB at " + nowhere + ": cannot reach it: "),
                    errors.get(0));
            assertTrue(errors.get(1).startsWith("query racks: "), errors.get(1));
            s.close();
            s.close();
        }
        assertTrue(samples.isEmpty());
    }

    @Test
    void theTimeFilterBoundsEveryQueryToTheLastInterval() {
        BusinessConfig.Query q = new BusinessConfig.Query(
                "q", "SELECT last(x) FROM m WHERE $timeFilter GROUP BY host", "host", BusinessLoad.Level.HOST, 0, 1);
        assertEquals(
                "SELECT last(x) FROM m WHERE time >= 1000ms AND time < 6000ms GROUP BY host", q.bounded(1000, 6000));
    }

    @Test
    void queriesThatAreNotBoundedOrWriteOrCannotNameTheirEntityAreRefused() {
        ConfigException e = assertThrows(
                ConfigException.class, () -> Configs.load(tmp, source("http://127.0.0.1:8086", "db", """
                - {name: a, query: "SELECT last(x) FROM m GROUP BY host", entity_tag: host, level: host}
                - {name: b, query: "SELECT mean(x) FROM m GROUP BY time(1m), host", entity_tag: host, level: host}
                - {name: c, query: "SELECT x INTO y FROM m WHERE $timeFilter GROUP BY host", entity_tag: host, level: host}
                - {name: d, query: "DROP MEASUREMENT m", entity_tag: host, level: host}
                - {name: e, query: "SELECT last(x) FROM m WHERE $timeFilter", entity_tag: host, level: room}
                - {name: e, query: "SELECT last(x) FROM m WHERE $timeFilter GROUP BY *", entity_tag: host, level: host, min: 5, max: 5}
                """)));
        String m = e.getMessage();
        assertTrue(m.startsWith("8 problems in the configuration:"), m);
        assertTrue(
                m.contains(
                        "sources[0].queries[0].query: must contain $timeFilter (e.g. WHERE $timeFilter): every "
                                + "query is bounded in time; $timeFilter becomes time >= START AND time < END for the last poll interval"),
                m);
        assertTrue(
                m.contains("sources[0].queries[1].query: GROUP BY time(...) without $timeFilter would make influxd "
                        + "aggregate the measurement's whole history"),
                m);
        assertTrue(
                m.contains("sources[0].queries[2].query: SELECT ... INTO writes into the database; a business query "
                        + "only reads"),
                m);
        assertTrue(
                m.contains("sources[0].queries[3].query: expected an InfluxQL SELECT, found 'DROP MEASUREMENT m'"), m);
        assertTrue(
                m.contains("sources[0].queries[4].entity_tag: the query must GROUP BY host so each row names its "
                        + "entity"),
                m);
        assertTrue(m.contains("sources[0].queries[4].level: expected host or rack, found 'room'"), m);
        assertTrue(m.contains("sources[0].queries[5].name: duplicate query name 'e' (also at queries[4])"), m);
        assertTrue(m.contains("sources[0].queries[5].max: must be greater than min (5)"), m);
    }
}

package io.wattguard.store.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.analytics.Readings;
import io.wattguard.store.InfluxSettings;
import io.wattguard.testing.InfluxdTest;
import io.wattguard.testing.TinySite;
import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The store reader against a real influxd: exactly the stored points of the range reach the readings. */
class StoreReaderTest extends InfluxdTest {
    private static final String DB = "reader";
    private static final long FROM = Instant.parse("2026-03-02T10:00:00Z").toEpochMilli();
    private static final long TO = FROM + 3_600_000L;
    private static final String DETAIL = "stratum+tcp://pool.example:3333 --algo \"kawpow\", ünïcödé ✓ \\ end";
    private static final String CONTAINER = "job, \"x\" ü";

    @BeforeAll
    static void points() throws Exception {
        TinySite.createDatabase(influxd.url(), DB);
        String detail = DETAIL.replace("\\", "\\\\").replace("\"", "\\\"");
        String container = CONTAINER.replace("\"", "\\\"");
        String lines = String.join(
                "\n",
                // gpu: at both edges inside, just outside on both sides, a tag missing, fields missing
                "gpu,host=g1,rack=r1,room=a,gpu=0,model=A100\\ 80GB,uuid=U1 util_pct=50.5,mem_util_pct=20,power_w=250.25,"
                        + "power_limit_w=400,energy_j=123456789012 " + FROM,
                "gpu,host=g1,rack=r1,room=a,gpu=0,model=A100\\ 80GB,uuid=U1 util_pct=51,mem_util_pct=21,power_w=251,"
                        + "power_limit_w=400,energy_j=123456789999 " + (TO - 1),
                "gpu,host=g1,rack=r1,room=a,gpu=0,model=A100\\ 80GB,uuid=U1 util_pct=1 " + TO,
                "gpu,host=g1,rack=r1,room=a,gpu=0,model=A100\\ 80GB,uuid=U1 util_pct=2 " + (FROM - 1),
                "gpu,host=g2,gpu=1 util_pct=7.5 " + (FROM + 60_000),
                // host: one point without cpu_power_w
                "host,host=g1,rack=r1,room=a cpu_util_pct=12.5,cpu_power_w=80 " + (FROM + 1_000),
                "host,host=g2 cpu_util_pct=3 " + (FROM + 2_000),
                // meter: an outlet with its host, an inlet without
                "meter,device=pdu-1,channel=o3,kind=outlet,host=g1,rack=r1,room=a power_w=310.5,energy_kwh=1234.567 "
                        + (FROM + 3_000),
                "meter,device=pdu-1,channel=total,kind=inlet,rack=r1,room=a power_w=2000,voltage_v=230 "
                        + (FROM + 3_000),
                // business_load at host and rack level
                "business_load,entity=g1,level=host,source=allowlist value=0.75,raw=3 " + (FROM + 4_000),
                "business_load,entity=r1,level=rack,source=slurm value=0.5 " + (FROM + 4_000),
                // evidence with a string that has quotes, commas, spaces, a backslash and unicode; a tag with a space
                "evidence,host=g2,rack=r1,kind=miner_process,process=xmrig\\ \\,x pid=4242i,detail=\"" + detail
                        + "\",score=0.97 " + (FROM + 5_000),
                "evidence,host=g2,kind=pool_connection score=0.5 " + (FROM + 5_001),
                // gpu_process: booleans both ways, a missing user, string fields with commas and quotes
                "gpu_process,host=g1,rack=r1,gpu=0,process=python pid=100i,mem_bytes=5i,sm_util_pct=60,user=\"alice\","
                        + "container=\"" + container + "\",business=true " + (FROM + 6_000),
                "gpu_process,host=g2,gpu=1,process=xmrig pid=4242i,sm_util_pct=99.5,business=false " + (FROM + 6_000),
                "gpu_process,host=g2,gpu=1,process=xmrig pid=4243i,sm_util_pct=98 " + TO);
        TinySite.write(influxd.url(), DB, lines);
    }

    private static List<String> expected() {
        List<String> e = new ArrayList<>(List.of(
                "gpu " + FROM + " g1 r1 a 0 A100 80GB 50.5 20.0 250.25 400.0 1.23456789012E11",
                "gpu " + (TO - 1) + " g1 r1 a 0 A100 80GB 51.0 21.0 251.0 400.0 1.23456789999E11",
                "gpu " + (FROM + 60_000) + " g2 null null 1 null 7.5 NaN NaN NaN NaN",
                "host " + (FROM + 1_000) + " g1 r1 a 12.5 80.0",
                "host " + (FROM + 2_000) + " g2 null null 3.0 NaN",
                "meter " + (FROM + 3_000) + " pdu-1 o3 outlet g1 r1 a 310.5 1234.567",
                "meter " + (FROM + 3_000) + " pdu-1 total inlet null r1 a 2000.0 NaN",
                "business " + (FROM + 4_000) + " g1 host allowlist 0.75",
                "business " + (FROM + 4_000) + " r1 rack slurm 0.5",
                "evidence " + (FROM + 5_000) + " g2 miner_process xmrig ,x 4242 " + DETAIL + " 0.97",
                "evidence " + (FROM + 5_001) + " g2 pool_connection null 0 null 0.5",
                "process " + (FROM + 6_000) + " g1 0 python 100 60.0 true alice " + CONTAINER,
                "process " + (FROM + 6_000) + " g2 1 xmrig 4242 99.5 false null null"));
        Collections.sort(e);
        return e;
    }

    /** A reader that sees the test's range as settled history (read ahead in spans) or as the recent past (streamed). */
    private static StoreReader reader(String db, int chunk, boolean settled) {
        // Long after the range, it is settled history; a minute into it, the recent past.
        long now = settled ? System.currentTimeMillis() : FROM + 60_000;
        return new StoreReader(InfluxSettings.local(influxd.url(), db), chunk, () -> now);
    }

    @ParameterizedTest(name = "settled history: {0}")
    @ValueSource(booleans = {true, false})
    void exactlyThePointsOfTheRangeArriveWithEveryTagAndValue(boolean settled) throws IOException {
        Recording rec = new Recording();
        try (StoreReader reader = reader(DB, 10_000, settled)) {
            reader.read(FROM, TO, rec);
            assertEquals(expected(), rec.sorted());
            assertEquals(expected().size(), reader.rows());
            assertEquals("application/x-msgpack", reader.lastContentType(), "influxd 1.6.7 offers MessagePack");
        }
    }

    @ParameterizedTest(name = "settled history: {0}")
    @ValueSource(booleans = {true, false})
    void windowsSplitTheRangeWithoutLossOrOverlap(boolean settled) throws IOException {
        Recording rec = new Recording();
        try (StoreReader reader = reader(DB, 10_000, settled)) {
            for (long a = FROM; a < TO; a += 1_000) { // many windows, edges on points
                reader.read(a, Math.min(TO, a + 1_000), rec);
            }
        }
        assertEquals(expected(), rec.sorted());
    }

    @ParameterizedTest(name = "settled history: {0}")
    @ValueSource(booleans = {true, false})
    void batchesSmallerThanASeriesKeepEachRowsTags(boolean settled) throws Exception {
        String db = "reader_many_" + settled;
        TinySite.createDatabase(influxd.url(), db);
        StringBuilder lines = new StringBuilder();
        List<String> want = new ArrayList<>();
        for (int h = 0; h < 5; h++) {
            for (int i = 0; i < 23; i++) {
                long t = FROM + i * 60_000L;
                lines.append("meter,device=d")
                        .append(h)
                        .append(",channel=c")
                        .append(h % 2)
                        .append(",rack=r")
                        .append(h)
                        .append(" power_w=")
                        .append(h * 100 + i)
                        .append(' ')
                        .append(t)
                        .append('\n');
                want.add(String.format(
                        Locale.ROOT, "meter %d d%d c%d null null r%d null %s NaN", t, h, h % 2, h, (double)
                                (h * 100 + i)));
            }
        }
        TinySite.write(influxd.url(), db, lines.toString());
        Collections.sort(want);
        Recording rec = new Recording();
        try (StoreReader reader = reader(db, 7, settled)) {
            for (long a = FROM; a < TO; a += 300_000) { // windows of 5 of each series' 23 minutes
                reader.read(a, a + 300_000, rec);
            }
        }
        assertEquals(want, rec.sorted());
    }

    @ParameterizedTest(name = "settled history: {0}")
    @ValueSource(booleans = {true, false})
    void everyQueryIsBoundedInTime(boolean settled) throws IOException {
        List<String> queries = new CopyOnWriteArrayList<>();
        try (StoreReader reader = reader(DB, 10_000, settled)) {
            reader.onQuery(queries::add);
            for (long a = FROM - 3_600_000L; a < TO + 3_600_000L; a += 600_000) {
                reader.read(a, a + 600_000, new Recording());
            }
        }
        assertTrue(queries.size() >= StoreReader.measurements().size(), queries.toString());
        Pattern bounded = Pattern.compile(".* WHERE time >= (\\d+)ms AND time < (\\d+)ms( GROUP BY .*)?");
        for (String q : queries) {
            var m = bounded.matcher(q);
            assertTrue(m.matches(), "bounded on both sides: " + q);
            assertTrue(Long.parseLong(m.group(1)) < Long.parseLong(m.group(2)), q);
            assertFalse(q.toUpperCase(Locale.ROOT).contains(" OR "), q);
        }
    }

    @Test
    void jsonAndMessagePackAnswersDecodeAlike() throws Exception {
        // the reader takes JSON from servers that do not offer MessagePack: both decoders over influxd's own answers
        String q =
                "SELECT \"pid\", \"sm_util_pct\", \"business\", \"user\", \"container\" FROM \"gpu_process\" WHERE time >= "
                        + FROM + "ms AND time < " + TO + "ms GROUP BY \"host\", \"gpu\", \"process\"";
        List<String> fields = List.of("pid", "sm_util_pct", "business", "user", "container");
        List<String> tags = List.of("host", "gpu", "process");
        List<String> fromJson = new ArrayList<>();
        List<String> fromMsgpack = new ArrayList<>();
        new ResultDecoder(fields, tags, 1, t -> dump(t, fromJson)).json(fetch(q, "application/json"));
        new ResultDecoder(fields, tags, 1, t -> dump(t, fromMsgpack)).msgpack(fetch(q, "application/x-msgpack"));
        assertEquals(2, fromJson.size(), fromJson.toString());
        assertEquals(fromJson, fromMsgpack);
    }

    @Test
    void aMissingDatabaseIsAnErrorNamingTheServerAndTheReason() {
        try (StoreReader reader =
                new StoreReader(InfluxSettings.local(influxd.url(), "no_such_db"), 10_000, System::currentTimeMillis)) {
            IOException e = assertThrows(IOException.class, () -> reader.read(FROM, TO, new Recording()));
            assertTrue(e.getMessage().contains(influxd.url().toString()), e.getMessage());
            assertTrue(e.getMessage().contains("database not found"), e.getMessage());
        }
    }

    @Test
    void aStoppedServerIsAnErrorNamingTheServer() throws IOException {
        try (StoreReader reader =
                new StoreReader(InfluxSettings.local(influxd.url(), DB), 10_000, System::currentTimeMillis)) {
            influxd.stop();
            try {
                IOException e = assertThrows(IOException.class, () -> reader.read(FROM, TO, new Recording()));
                assertTrue(e.getMessage().contains(influxd.url().toString()), e.getMessage());
                assertTrue(e.getMessage().contains("did not answer"), e.getMessage());
            } finally {
                influxd.start();
            }
            Recording rec = new Recording();
            reader.read(FROM, TO, rec); // and reads again once it is back
            assertEquals(expected(), rec.sorted());
        }
    }

    @ParameterizedTest(name = "settled history: {0}")
    @ValueSource(booleans = {true, false})
    void aFailingConsumerStopsTheReadAndTheReaderStaysUsable(boolean settled) throws IOException {
        try (StoreReader reader = reader(DB, 1, settled)) {
            Recording failing = new Recording() {
                @Override
                public void host(HostReading r) {
                    throw new IllegalStateException("consumer broke");
                }
            };
            assertThrows(IllegalStateException.class, () -> reader.read(FROM, TO, failing));
            Recording rec = new Recording();
            reader.read(FROM, TO, rec);
            assertEquals(expected(), rec.sorted());
        }
    }

    private static InputStream fetch(String q, String accept) throws Exception {
        String url = influxd.url().resolve("/query") + "?db=" + DB + "&epoch=ms&chunked=true&chunk_size=1&q="
                + URLEncoder.encode(q, StandardCharsets.UTF_8);
        HttpResponse<InputStream> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(java.net.URI.create(url))
                                .header("Accept", accept)
                                .build(),
                        HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        assertTrue(
                r.headers().firstValue("Content-Type").orElse("").contains(accept.substring(12)),
                r.headers().toString());
        return r.body();
    }

    private static void dump(ResultTable t, List<String> out) {
        for (int r = 0; r < t.rows; r++) {
            StringBuilder sb = new StringBuilder().append(t.time[r]);
            for (int i = 0; i < 3; i++) {
                sb.append(' ').append(t.tag(r, i));
            }
            for (int f = 0; f < t.fields; f++) {
                sb.append(' ')
                        .append(t.d(r, f))
                        .append('/')
                        .append(t.s(r, f))
                        .append('/')
                        .append(Boolean.TRUE.equals(t.bool(r, f)));
            }
            out.add(sb.toString());
        }
    }

    /** Each call as one line; the order across measurements is free, so tests compare them sorted. */
    static class Recording implements Readings {
        final List<String> calls = new ArrayList<>();
        private final Thread owner = Thread.currentThread();

        List<String> sorted() {
            List<String> s = new ArrayList<>(calls);
            Collections.sort(s);
            return s;
        }

        private void add(Object... parts) {
            assertEquals(owner, Thread.currentThread(), "readings come on the caller's thread");
            StringBuilder sb = new StringBuilder();
            for (Object p : parts) {
                sb.append(sb.length() == 0 ? "" : " ").append(p);
            }
            calls.add(sb.toString());
        }

        @Override
        public void gpu(GpuReading r) {
            add(
                    "gpu",
                    r.timeMs(),
                    r.host(),
                    r.rack(),
                    r.room(),
                    r.gpu(),
                    r.model(),
                    r.utilPct(),
                    r.memUtilPct(),
                    r.powerW(),
                    r.powerLimitW(),
                    r.energyJ());
        }

        @Override
        public void host(HostReading r) {
            add("host", r.timeMs(), r.host(), r.rack(), r.room(), r.cpuUtilPct(), r.cpuPowerW());
        }

        @Override
        public void meter(MeterReading r) {
            add(
                    "meter",
                    r.timeMs(),
                    r.device(),
                    r.channel(),
                    r.kind(),
                    r.host(),
                    r.rack(),
                    r.room(),
                    r.powerW(),
                    r.energyKwh());
        }

        @Override
        public void businessLoad(BusinessLoadReading r) {
            add("business", r.timeMs(), r.entity(), r.level(), r.source(), r.value());
        }

        @Override
        public void evidence(EvidenceReading r) {
            add("evidence", r.timeMs(), r.host(), r.kind(), r.process(), r.pid(), r.detail(), r.score());
        }

        @Override
        public void process(ProcessReading r) {
            add(
                    "process",
                    r.timeMs(),
                    r.host(),
                    r.gpu(),
                    r.process(),
                    r.pid(),
                    r.smUtilPct(),
                    r.business(),
                    r.user(),
                    r.container());
        }
    }

    /** The report's aggregates through the same class: one JSON answer, tags per series, times in epoch ms. */
    @Test
    void selectAnswersAnAggregateAsSeriesWithTheirTags() throws Exception {
        try (InfluxQuery q = new InfluxQuery(InfluxSettings.local(influxd.url(), DB))) {
            List<String> sent = new CopyOnWriteArrayList<>();
            q.onQuery(sent::add);
            String text = "SELECT count(" + InfluxQuery.ident("util_pct") + ") AS \"n\" FROM \"gpu\" WHERE time >= "
                    + FROM + "ms AND time < " + TO + "ms GROUP BY " + InfluxQuery.ident("host");
            List<InfluxQuery.Series> series = q.select("gpu counts", text);
            assertEquals(List.of(text), sent);
            assertEquals(2, series.size(), series.toString());
            assertEquals(java.util.Map.of("host", "g1"), series.get(0).tags());
            assertEquals(
                    List.of(java.util.Map.of("time", (double) FROM, "n", 2.0)),
                    series.get(0).rows(),
                    "FROM and TO - 1 are inside, TO and FROM - 1 are not");
            assertEquals(java.util.Map.of("host", "g2"), series.get(1).tags());
            assertEquals(1.0, series.get(1).rows().get(0).get("n"));

            // A literal with a space, a comma, a quote and a backslash finds the tag it names.
            List<InfluxQuery.Series> ev = q.select(
                    "evidence",
                    "SELECT last(\"pid\") AS \"pid\" FROM \"evidence\" WHERE \"process\" = "
                            + InfluxQuery.literal("xmrig ,x") + " AND time >= " + FROM + "ms AND time < " + TO + "ms");
            assertEquals(4242.0, ev.get(0).rows().get(0).get("pid"));
            assertEquals("'a\\'b\\\\c'", InfluxQuery.literal("a'b\\c"));
            assertEquals("\"a\\\"b\\\\c\"", InfluxQuery.ident("a\"b\\c"));

            IllegalArgumentException unbounded = assertThrows(
                    IllegalArgumentException.class,
                    () -> q.select("everything", "SELECT count(\"util_pct\") FROM \"gpu\" WHERE time >= 0ms"));
            assertTrue(unbounded.getMessage().contains("bound time on both sides"), unbounded.getMessage());
            assertEquals(1 + 1, sent.size(), "the unbounded query was not sent");
        }
        try (InfluxQuery q = new InfluxQuery(InfluxSettings.local(influxd.url(), "no_such_db"))) {
            IOException e = assertThrows(
                    IOException.class,
                    () -> q.select("x", "SELECT count(\"a\") FROM \"b\" WHERE time >= 0ms AND time < 1ms"));
            assertEquals(
                    "InfluxDB at " + influxd.url() + " has no database 'no_such_db' (influxdb.database)",
                    e.getMessage());
        }
        try (InfluxQuery q = new InfluxQuery(InfluxSettings.local(influxd.url(), DB))) {
            IOException e = assertThrows(
                    IOException.class,
                    () -> q.select("bad", "SELECT count(\"a\" FROM \"b\" WHERE time >= 0ms AND time < 1ms"));
            assertTrue(
                    e.getMessage().startsWith("InfluxDB at " + influxd.url() + " answered 400 to a query of bad: "),
                    e.getMessage());
        }
    }
}

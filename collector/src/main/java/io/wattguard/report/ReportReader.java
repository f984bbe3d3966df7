package io.wattguard.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wattguard.analytics.Tariff;
import io.wattguard.report.MonthlyReport.BandPoint;
import io.wattguard.report.MonthlyReport.DailyEnergy;
import io.wattguard.report.MonthlyReport.EpisodeReport;
import io.wattguard.report.MonthlyReport.EvidenceItem;
import io.wattguard.report.MonthlyReport.Level;
import io.wattguard.report.MonthlyReport.Previous;
import io.wattguard.report.MonthlyReport.Ranked;
import io.wattguard.report.MonthlyReport.Summary;
import io.wattguard.store.InfluxSettings;
import io.wattguard.store.Schema;
import io.wattguard.store.Schema.Anomaly;
import io.wattguard.store.Schema.Baseline;
import io.wattguard.store.Schema.Meter;
import io.wattguard.store.read.InfluxQuery;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * Builds a {@link MonthlyReport} from bounded InfluxQL aggregates, never raw telemetry: hourly and daily
 * differences of the meters' energy counters (as the Grafana energy dashboard computes them), the analysis's
 * {@code anomaly} points of the month, and means of its {@code baseline} around each episode. Every query has both
 * time bounds. Which meters count where is the dashboards' rule: a room's {@code kind=meter} channels are the
 * site's energy, a rack's {@code kind=inlet}, a host's {@code kind=outlet} channels that name it.
 */
public final class ReportReader implements AutoCloseable {
    /** Reports each query as it completes, for a progress bar. */
    public interface Steps {
        void done(int step, int of, String what);
    }

    /** Queries a report makes, as {@link Steps} counts them. */
    public static final int STEPS = 9;

    /** Host and rack episodes carry the unexplained energy, as on the dashboards; GPU and room ones overlap them. */
    static final List<String> COUNTED_LEVELS = List.of("host", "rack");

    static final List<String> SEVERITIES = List.of("low", "medium", "high", "critical");
    private static final long HOUR = 3_600_000L;
    /** A day, for starting a daily query a bucket early; a DST day's 23 or 25 hours only widen that margin. */
    private static final long DAY = 25 * HOUR;
    /** Points of an episode's chart: enough to see its shape, few enough for a page. */
    private static final int CHART_POINTS = 240;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final InfluxQuery query;
    private final Tariff tariff;
    private final LongSupplier clock;
    private final String site;

    /**
     * @param tariff prices each hour's energy (the analysis's {@code tariff})
     * @param clock now, epoch ms: a month still running is read up to now
     * @param site the topology's site name, "" when none
     */
    public ReportReader(InfluxSettings influx, Tariff tariff, LongSupplier clock, String site) {
        this.query = new InfluxQuery(influx);
        this.tariff = tariff;
        this.clock = clock;
        this.site = site == null ? "" : site;
    }

    /** Every query's text before it is sent. */
    void onQuery(java.util.function.Consumer<String> log) {
        query.onQuery(log);
    }

    /** The report of {@code month}; {@code steps} hears of each query. */
    public MonthlyReport read(ReportMonth month, Steps steps) throws IOException {
        long now = clock.getAsLong();
        long from = month.fromMs();
        long to = Math.min(month.toMs(), now);
        if (to <= from) {
            throw new IllegalArgumentException("month " + month + " has not begun yet in " + month.zone());
        }
        ZoneId zone = month.zone();
        int of = STEPS;
        int step = 0;

        Energy rooms = roomsHourly(from, to, zone);
        steps.done(++step, of, "energy per room");
        List<DailyEnergy> racks = daily(Level.RACK, "inlet", Schema.RACK, month, to);
        steps.done(++step, of, "energy per rack");
        List<DailyEnergy> hosts = daily(Level.HOST, "outlet", Schema.HOST, month, to);
        steps.done(++step, of, "energy per host");
        List<EpisodeReport> episodes = episodes(from, to);
        steps.done(++step, of, "episodes");
        List<EpisodeReport> charted = new ArrayList<>();
        for (EpisodeReport e : episodes) {
            charted.add(withChart(e, to));
        }
        steps.done(++step, of, "episode charts");

        Completeness.Result complete = Completeness.read(query, from, to);
        steps.done(++step, of, "data completeness");

        List<Ranked> rankedRacks = rankRacks(episodes, racks, rackOfHost);
        List<MonthlyReport.HeatMap> heat = new ArrayList<>();
        MonthlyReport.HeatMap siteHeat = heatMap("site", List.of(), from, to, zone);
        if (siteHeat != null) {
            heat.add(siteHeat);
            if (!rankedRacks.isEmpty() && rankedRacks.get(0).unexplainedKwh() > 0) {
                String worst = rankedRacks.get(0).name();
                List<String> hostsOfRack = rackOfHost.entrySet().stream()
                        .filter(e -> e.getValue().equals(worst))
                        .map(Map.Entry::getKey)
                        .sorted()
                        .toList();
                MonthlyReport.HeatMap rack = heatMap(worst, hostsOfRack, from, to, zone);
                if (rack != null) {
                    heat.add(rack);
                }
            }
        }
        steps.done(++step, of, "residual by hour of week");

        ReportMonth prev = month.previous();
        Previous previous = null;
        Energy prevRooms = roomsHourly(prev.fromMs(), prev.toMs(), zone);
        steps.done(++step, of, "previous month's energy");
        List<EpisodeReport> prevEpisodes = episodes(prev.fromMs(), prev.toMs());
        steps.done(++step, of, "previous month's episodes");
        if (prevRooms.buckets > 0 || !prevEpisodes.isEmpty()) {
            previous = new Previous(
                    prevRooms.kwh,
                    prevRooms.cost,
                    unexplained(prevEpisodes, true),
                    unexplained(prevEpisodes, false),
                    prevRooms.days,
                    days(prev.fromMs(), prev.toMs(), zone));
        }

        Map<String, Integer> bySeverity = new LinkedHashMap<>();
        SEVERITIES.forEach(s -> bySeverity.put(s, 0));
        for (EpisodeReport e : episodes) {
            bySeverity.merge(e.severity(), 1, Integer::sum);
        }
        Summary summary = new Summary(
                rooms.kwh,
                rooms.cost,
                unexplained(episodes, true),
                unexplained(episodes, false),
                bySeverity,
                previous,
                rooms.days,
                days(from, to, zone));
        List<DailyEnergy> energy = new ArrayList<>(rooms.daily);
        energy.addAll(racks);
        energy.addAll(hosts);
        return new MonthlyReport(
                month,
                now,
                to,
                site,
                tariff.currency(),
                tariff.defaultPrice() > 0 || !tariff.bands().isEmpty(),
                summary,
                List.copyOf(energy),
                rankedRacks,
                rankHosts(episodes, hosts, rackOfHost),
                List.copyOf(charted),
                complete.sources(),
                complete.racks(),
                List.copyOf(heat));
    }

    /**
     * Residual power by local hour of week: the hourly sum over hosts (all of them for the site, or those of
     * {@code rack}, plus the rack's own balance) of each one's hourly mean residual, averaged per hour of week.
     * The sum is computed by influxd (a subquery), so one row per hour comes back whatever the fleet.
     *
     * @return null when no baseline covers the range
     */
    private MonthlyReport.HeatMap heatMap(String name, List<String> hostsOfRack, long from, long to, ZoneId zone)
            throws IOException {
        boolean site = hostsOfRack.isEmpty();
        String level = InfluxQuery.ident(Baseline.LEVEL);
        String entity = InfluxQuery.ident(Baseline.ENTITY);
        String which = site
                ? level + " = 'host'"
                : "((" + level + " = 'host' AND " + entity + " =~ /^("
                        + String.join(
                                "|",
                                hostsOfRack.stream().map(ReportReader::regex).toList()) + ")$/) OR ("
                        + level + " = 'rack' AND " + entity + " = " + InfluxQuery.literal(name) + "))";
        String bounds = "time >= " + from + "ms AND time < " + to + "ms";
        String q = "SELECT sum(\"r\") AS \"w\" FROM (SELECT mean(" + InfluxQuery.ident(Baseline.RESIDUAL_W)
                + ") AS \"r\" FROM " + InfluxQuery.ident(Baseline.NAME) + " WHERE " + which + " AND " + bounds
                + " GROUP BY time(1h), " + entity + ", " + level + ") WHERE " + bounds
                + " GROUP BY time(1h) fill(none)";
        double[][] sum = new double[7][24];
        int[][] n = new int[7][24];
        boolean any = false;
        for (InfluxQuery.Series s : query.select("residual by hour of week (" + name + ")", q)) {
            for (Map<String, Object> row : s.rows()) {
                Object w = row.get("w");
                if (w == null) {
                    continue;
                }
                java.time.ZonedDateTime t = Instant.ofEpochMilli(((Double) row.get("time")).longValue())
                        .atZone(zone);
                int d = t.getDayOfWeek().getValue() - 1;
                sum[d][t.getHour()] += (Double) w;
                n[d][t.getHour()]++;
                any = true;
            }
        }
        if (!any) {
            return null;
        }
        double[][] mean = new double[7][24];
        for (int d = 0; d < 7; d++) {
            for (int h = 0; h < 24; h++) {
                mean[d][h] = n[d][h] == 0 ? Double.NaN : sum[d][h] / n[d][h];
            }
        }
        return new MonthlyReport.HeatMap(name, mean);
    }

    /** A name inside an InfluxQL regular expression: its metacharacters escaped. */
    private static String regex(String s) {
        return s.replaceAll("([\\\\.\\[\\]{}()*+?^$|/-])", "\\\\$1");
    }

    /** Local days that {@code [from, to)} touches. */
    private static int days(long from, long to, ZoneId zone) {
        LocalDate a = Instant.ofEpochMilli(from).atZone(zone).toLocalDate();
        LocalDate b = Instant.ofEpochMilli(to - 1).atZone(zone).toLocalDate();
        return (int) java.time.temporal.ChronoUnit.DAYS.between(a, b) + 1;
    }

    private static double unexplained(List<EpisodeReport> episodes, boolean kwh) {
        return episodes.stream()
                .filter(e -> COUNTED_LEVELS.contains(e.level()))
                .mapToDouble(e -> kwh ? e.monthKwh() : e.monthCost())
                .sum();
    }

    /** Energy and cost summed over the rooms' meters, and each room's energy per local day. */
    private record Energy(double kwh, double cost, int buckets, List<DailyEnergy> daily, int days) {}

    private Energy roomsHourly(long from, long to, ZoneId zone) throws IOException {
        double kwh = 0;
        double cost = 0;
        int buckets = 0;
        Map<String, TreeMap<LocalDate, Double>> perRoom = new TreeMap<>();
        for (Bucket bucket :
                counterEnergy("energy per room", "meter", from, to, "1h", HOUR, List.of(Schema.ROOM), null)) {
            buckets++;
            kwh += bucket.kwh;
            // The bucket holds the energy used during its hour: priced at the hour's middle.
            cost += bucket.kwh * tariff.pricePerKwh(bucket.timeMs + HOUR / 2);
            LocalDate day = Instant.ofEpochMilli(bucket.timeMs).atZone(zone).toLocalDate();
            perRoom.computeIfAbsent(bucket.tags.getOrDefault(Schema.ROOM, ""), r -> new TreeMap<>())
                    .merge(day, bucket.kwh, Double::sum);
        }
        List<DailyEnergy> daily = new ArrayList<>();
        perRoom.forEach((room, days) -> days.forEach((d, e) -> daily.add(new DailyEnergy(Level.ROOM, room, d, e))));
        java.util.Set<LocalDate> days = new java.util.TreeSet<>();
        perRoom.values().forEach(m -> days.addAll(m.keySet()));
        return new Energy(kwh, cost, buckets, daily, days.size());
    }

    /** One series' energy in one time bucket. */
    private record Bucket(Map<String, String> tags, long timeMs, double kwh) {}

    /**
     * The energy counters of the meters of {@code kind}, per series and bucket of {@code interval} in
     * {@code [from, to)}: each bucket's last reading less the previous bucket's (the query starts one bucket early,
     * so the first bucket has one), dropping a fall (a counter that restarted); and for a series whose first
     * reading is inside the range (a meter or host added during the month), its first bucket's rise from its first
     * reading, which no difference covers.
     *
     * @param tz the zone whose midnights bound the buckets, or null for UTC hours
     */
    private List<Bucket> counterEnergy(
            String what, String kind, long from, long to, String interval, long bucketMs, List<String> tags, ZoneId tz)
            throws IOException {
        String where = " FROM " + InfluxQuery.ident(Meter.NAME)
                + " WHERE " + InfluxQuery.ident(Meter.KIND) + " = " + InfluxQuery.literal(kind)
                + " AND time >= " + (from - bucketMs) + "ms AND time < " + to + "ms"
                + " GROUP BY time(" + interval + "), " + InfluxQuery.ident(Meter.DEVICE) + ", "
                + InfluxQuery.ident(Meter.CHANNEL)
                + tags.stream().map(t -> ", " + InfluxQuery.ident(t)).reduce("", String::concat)
                + (tz == null ? "" : " tz(" + InfluxQuery.literal(tzName(tz)) + ")");
        String energy = InfluxQuery.ident(Meter.ENERGY_KWH);
        Map<Map<String, String>, Map<Long, Double>> diffs = new HashMap<>();
        for (InfluxQuery.Series s :
                query.select(what, "SELECT non_negative_difference(last(" + energy + ")) AS \"kwh\"" + where)) {
            Map<Long, Double> m = diffs.computeIfAbsent(s.tags(), k -> new HashMap<>());
            for (Map<String, Object> row : s.rows()) {
                if (row.get("kwh") != null) {
                    m.put(((Double) row.get("time")).longValue(), (Double) row.get("kwh"));
                }
            }
        }
        List<Bucket> out = new ArrayList<>();
        String firstLast = "SELECT first(" + energy + ") AS \"first\", last(" + energy + ") AS \"last\"" + where;
        for (InfluxQuery.Series s : query.select(what + " (first readings)", firstLast)) {
            Map<Long, Double> d = diffs.getOrDefault(s.tags(), Map.of());
            boolean seen = false;
            for (Map<String, Object> row : s.rows()) {
                Double first = (Double) row.get("first");
                Double last = (Double) row.get("last");
                if (first == null || last == null) {
                    continue;
                }
                long t = ((Double) row.get("time")).longValue();
                Double kwh = d.get(t);
                if (!seen && t >= from && last >= first) {
                    kwh = last - first; // the series began here: its rise since its first reading
                }
                seen = true;
                if (t >= from && kwh != null) {
                    out.add(new Bucket(s.tags(), t, kwh));
                }
            }
        }
        return out;
    }

    /** The host each outlet names, and its rack: from the outlet series the host query reads. */
    private final Map<String, String> rackOfHost = new HashMap<>();

    /** Energy per local day of each rack's inlets or each host's outlets. */
    private List<DailyEnergy> daily(Level level, String kind, String tag, ReportMonth month, long to)
            throws IOException {
        long from = month.fromMs();
        List<String> tags = level == Level.HOST ? List.of(tag, Schema.RACK) : List.of(tag);
        Map<String, TreeMap<LocalDate, Double>> per = new TreeMap<>();
        // The day before the month: counterEnergy starts one bucket early, so start from local midnight.
        for (Bucket b : counterEnergy("energy per " + level.word(), kind, from, to, "1d", DAY, tags, month.zone())) {
            String name = b.tags.getOrDefault(tag, "");
            if (name.isEmpty()) {
                continue; // an outlet that feeds no declared host: the rack's balance counts it, not a host
            }
            if (level == Level.HOST && !b.tags.getOrDefault(Schema.RACK, "").isEmpty()) {
                rackOfHost.put(name, b.tags.get(Schema.RACK));
            }
            LocalDate day = Instant.ofEpochMilli(b.timeMs).atZone(month.zone()).toLocalDate();
            per.computeIfAbsent(name, n -> new TreeMap<>()).merge(day, b.kwh, Double::sum);
        }
        List<DailyEnergy> out = new ArrayList<>();
        per.forEach((name, days) -> days.forEach((d, e) -> out.add(new DailyEnergy(level, name, d, e))));
        return out;
    }

    /**
     * Every episode with a point in {@code [from, to)}, as its last point there says, with the share of its energy
     * that falls in the range (an episode that began before has its energy at the start taken off).
     */
    private List<EpisodeReport> episodes(long from, long to) throws IOException {
        List<String> fields = List.of(
                Anomaly.ID,
                Anomaly.STATE,
                Anomaly.TITLE,
                Anomaly.EXCESS_W,
                Anomaly.ENERGY_KWH,
                Anomaly.COST,
                Anomaly.SCORE,
                Anomaly.STARTED_MS,
                Anomaly.DETECTED_MS,
                Anomaly.ENDED_MS,
                Anomaly.EVIDENCE);
        List<String> tags = List.of(Anomaly.ENTITY, Anomaly.LEVEL, Anomaly.KIND, Anomaly.SEVERITY, Schema.HOST);
        String q = "SELECT "
                + String.join(", ", fields.stream().map(InfluxQuery::ident).toList())
                + " FROM " + InfluxQuery.ident(Anomaly.NAME)
                + " WHERE time >= " + from + "ms AND time < " + to + "ms"
                + " GROUP BY "
                + String.join(", ", tags.stream().map(InfluxQuery::ident).toList());
        Map<String, Map<String, Object>> last = new LinkedHashMap<>();
        for (InfluxQuery.Series s : query.select("episodes (anomaly)", q)) {
            for (Map<String, Object> row : s.rows()) {
                Object id = row.get(Anomaly.ID);
                if (id == null) {
                    continue;
                }
                Map<String, Object> seen = last.get(id.toString());
                // Severity is a tag and may rise during an episode: its points then sit in two series.
                if (seen == null || (Double) seen.get("time") <= (Double) row.get("time")) {
                    Map<String, Object> r = new HashMap<>(row);
                    s.tags().forEach(r::put);
                    last.put(id.toString(), r);
                }
            }
        }
        List<EpisodeReport> out = new ArrayList<>();
        for (Map<String, Object> r : last.values()) {
            long started = num(r, Anomaly.STARTED_MS).longValue();
            double kwh = num(r, Anomaly.ENERGY_KWH);
            double cost = num(r, Anomaly.COST);
            double beforeKwh = 0;
            double beforeCost = 0;
            if (started < from) {
                double[] before = before((String) r.get(Anomaly.ID), started, from);
                beforeKwh = before[0];
                beforeCost = before[1];
            }
            Double ended = num(r, Anomaly.ENDED_MS);
            String evidence = r.get(Anomaly.EVIDENCE) == null
                    ? ""
                    : r.get(Anomaly.EVIDENCE).toString();
            out.add(new EpisodeReport(
                    (String) r.get(Anomaly.ID),
                    str(r, Anomaly.ENTITY),
                    str(r, Anomaly.LEVEL),
                    str(r, Anomaly.KIND),
                    str(r, Anomaly.SEVERITY),
                    str(r, Schema.HOST),
                    str(r, Anomaly.STATE),
                    str(r, Anomaly.TITLE),
                    num(r, Anomaly.EXCESS_W),
                    kwh,
                    cost,
                    num(r, Anomaly.SCORE),
                    started,
                    num(r, Anomaly.DETECTED_MS).longValue(),
                    ended.isNaN() ? null : ended.longValue(),
                    ((Double) r.get("time")).longValue(),
                    Math.max(0, kwh - beforeKwh),
                    Math.max(0, cost - beforeCost),
                    evidence,
                    evidence(evidence),
                    "",
                    List.of()));
        }
        out.sort(Comparator.comparingLong(EpisodeReport::startedMs).thenComparing(EpisodeReport::id));
        return out;
    }

    /** An episode's energy and cost at its last point before {@code from}. */
    private double[] before(String id, long started, long from) throws IOException {
        String q = "SELECT last(" + InfluxQuery.ident(Anomaly.ENERGY_KWH) + ") AS \"kwh\", last("
                + InfluxQuery.ident(Anomaly.COST) + ") AS \"cost\" FROM " + InfluxQuery.ident(Anomaly.NAME)
                + " WHERE " + InfluxQuery.ident(Anomaly.ID) + " = " + InfluxQuery.literal(id)
                + " AND time >= " + Math.min(started, from - 1) + "ms AND time < " + from + "ms";
        for (InfluxQuery.Series s : query.select("episode " + id + " before the month", q)) {
            for (Map<String, Object> row : s.rows()) {
                return new double[] {num(row, "kwh"), num(row, "cost")};
            }
        }
        return new double[] {0, 0};
    }

    /** The episode with its chart: hourly-or-finer means of its baseline, with context before and after. */
    private EpisodeReport withChart(EpisodeReport e, long to) throws IOException {
        // An open episode is known to last until its last point, not to the month's end (the data may stop first).
        long end = e.endedMs() != null ? e.endedMs() : e.lastPointMs();
        long length = Math.max(HOUR, end - e.startedMs());
        long context = Math.min(24 * HOUR, Math.max(HOUR, length / 2));
        long a = e.startedMs() - context;
        long b = Math.min(to, end + context);
        long bucketMin = Math.max(1, (b - a) / CHART_POINTS / 60_000);
        // A GPU has no baseline of its own: its host's power shows what the GPU's load did to it.
        boolean gpu = e.level().equals("gpu") && !e.host().isEmpty();
        String entity = gpu ? e.host() : e.entity();
        String level = gpu ? "host" : e.level();
        String q = "SELECT mean(" + InfluxQuery.ident(Baseline.ACTUAL_W) + ") AS \"actual\", mean("
                + InfluxQuery.ident(Baseline.EXPECTED_W) + ") AS \"expected\", mean("
                + InfluxQuery.ident(Baseline.UPPER_W) + ") AS \"upper\" FROM " + InfluxQuery.ident(Baseline.NAME)
                + " WHERE " + InfluxQuery.ident(Baseline.ENTITY) + " = " + InfluxQuery.literal(entity)
                + " AND " + InfluxQuery.ident(Baseline.LEVEL) + " = " + InfluxQuery.literal(level)
                + " AND time >= " + a + "ms AND time < " + b + "ms"
                + " GROUP BY time(" + bucketMin + "m) fill(none)";
        List<BandPoint> points = new ArrayList<>();
        for (InfluxQuery.Series s : query.select("the baseline of " + entity, q)) {
            for (Map<String, Object> row : s.rows()) {
                Double actual = (Double) row.get("actual");
                Double expected = (Double) row.get("expected");
                if (actual == null || expected == null) {
                    continue;
                }
                Double upper = (Double) row.get("upper");
                points.add(new BandPoint(
                        ((Double) row.get("time")).longValue(), actual, expected, upper == null ? expected : upper));
            }
        }
        return new EpisodeReport(
                e.id(),
                e.entity(),
                e.level(),
                e.kind(),
                e.severity(),
                e.host(),
                e.state(),
                e.title(),
                e.excessW(),
                e.energyKwh(),
                e.cost(),
                e.score(),
                e.startedMs(),
                e.detectedMs(),
                e.endedMs(),
                e.lastPointMs(),
                e.monthKwh(),
                e.monthCost(),
                e.evidenceJson(),
                e.evidence(),
                entity,
                List.copyOf(points));
    }

    /** The evidence JSON as lines: one per item of each list, with its fields. */
    static List<EvidenceItem> evidence(String json) {
        if (json == null || json.isBlank()) {
            return List.of();
        }
        List<EvidenceItem> out = new ArrayList<>();
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            return List.of(new EvidenceItem("unparsed", Map.of("detail", json)));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> group = it.next();
            JsonNode items = group.getValue();
            for (JsonNode item : items.isArray() ? items : List.of(items)) {
                out.add(new EvidenceItem(group.getKey(), fields(item)));
            }
        }
        return out;
    }

    private static Map<String, String> fields(JsonNode item) {
        Map<String, String> out = new LinkedHashMap<>();
        if (!item.isObject()) {
            out.put("detail", item.asText());
            return out;
        }
        item.fields().forEachRemaining(f -> out.put(f.getKey(), f.getValue().asText()));
        return out;
    }

    private static List<Ranked> rankHosts(
            List<EpisodeReport> episodes, List<DailyEnergy> hosts, Map<String, String> rackOfHost) {
        Map<String, double[]> per = new TreeMap<>();
        for (DailyEnergy d : hosts) {
            per.computeIfAbsent(d.name(), n -> new double[4])[0] += d.kwh();
        }
        for (EpisodeReport e : episodes) {
            if (e.level().equals("host")) {
                add(per.computeIfAbsent(e.entity(), n -> new double[4]), e);
            }
        }
        return ranked(per, rackOfHost);
    }

    private static List<Ranked> rankRacks(
            List<EpisodeReport> episodes, List<DailyEnergy> racks, Map<String, String> rackOfHost) {
        Map<String, double[]> per = new TreeMap<>();
        for (DailyEnergy d : racks) {
            per.computeIfAbsent(d.name(), n -> new double[4])[0] += d.kwh();
        }
        for (EpisodeReport e : episodes) {
            String rack = e.level().equals("rack")
                    ? e.entity()
                    : e.level().equals("host") ? rackOfHost.get(e.entity()) : null;
            if (rack != null) {
                add(per.computeIfAbsent(rack, n -> new double[4]), e);
            }
        }
        return ranked(per, Map.of());
    }

    private static void add(double[] acc, EpisodeReport e) {
        acc[1] += e.monthKwh();
        acc[2] += e.monthCost();
        acc[3]++;
    }

    private static List<Ranked> ranked(Map<String, double[]> per, Map<String, String> rackOfHost) {
        List<Ranked> out = new ArrayList<>();
        per.forEach((name, v) ->
                out.add(new Ranked(name, rackOfHost.getOrDefault(name, ""), v[0], v[1], v[2], (int) v[3])));
        out.sort(Comparator.comparingDouble(Ranked::unexplainedKwh)
                .reversed()
                .thenComparing(Comparator.comparingDouble(Ranked::energyKwh).reversed())
                .thenComparing(Ranked::name));
        return List.copyOf(out);
    }

    private static String str(Map<String, Object> r, String key) {
        Object v = r.get(key);
        return v == null ? "" : v.toString();
    }

    private static Double num(Map<String, Object> r, String key) {
        Object v = r.get(key);
        return v instanceof Double d ? d : Double.NaN;
    }

    @Override
    public void close() {
        query.close();
    }

    /**
     * The zone as InfluxDB's {@code tz()} takes it: an IANA name. A fixed offset (business.zone unset is UTC, whose
     * id is "Z") has none, and InfluxDB answers "unable to find time zone Z": UTC is "UTC", a whole-hour offset the
     * equivalent "Etc/GMT-N" (POSIX signs are inverted).
     */
    static String tzName(ZoneId zone) {
        ZoneId z = zone.normalized();
        if (z instanceof java.time.ZoneOffset o) {
            int s = o.getTotalSeconds();
            if (s == 0) {
                return "UTC";
            }
            if (s % 3600 == 0) {
                int h = s / 3600;
                return "Etc/GMT" + (h > 0 ? "-" + h : "+" + (-h));
            }
        }
        return z.getId();
    }
}

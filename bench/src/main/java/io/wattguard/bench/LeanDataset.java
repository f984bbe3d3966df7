package io.wattguard.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.GZIPOutputStream;

/**
 * The lean analysis dataset: per host and minute one {@code meter} outlet point, one {@code gpu} point (one GPU a
 * host) and one {@code business_load} point, written as gzip line protocol in batches of 5,000 points, the time
 * range split between the loading threads. Values are a deterministic function of host and minute, so a run can
 * be repeated.
 */
final class LeanDataset {
    static final int HOSTS_PER_RACK = 20;
    static final int RACKS_PER_ROOM = 10;
    private static final int BATCH = 5_000;

    final int hosts;
    final long fromMs;
    final long toMs;

    LeanDataset(int hosts, long fromMs, long toMs) {
        this.hosts = hosts;
        this.fromMs = fromMs;
        this.toMs = toMs;
    }

    long points() {
        return 3L * hosts * ((toMs - fromMs) / 60_000);
    }

    static String host(int h) {
        return String.format("h%05d", h);
    }

    static String rack(int h) {
        return String.format("r%04d", h / HOSTS_PER_RACK);
    }

    static String room(int h) {
        return "room-" + h / (HOSTS_PER_RACK * RACKS_PER_ROOM);
    }

    static void createDatabase(URI influx, String db) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(influx.resolve("/query"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "q=" + URLEncoder.encode("CREATE DATABASE \"" + db + "\"", StandardCharsets.UTF_8)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IOException("CREATE DATABASE: " + r.statusCode() + " " + r.body());
        }
    }

    /** Writes the dataset with {@code threads} writers; returns the points written. */
    long load(URI influx, String db, int threads) throws Exception {
        createDatabase(influx, db);
        long minutes = (toMs - fromMs) / 60_000;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Long>> parts = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                long a = fromMs + minutes * i / threads * 60_000;
                long b = fromMs + minutes * (i + 1) / threads * 60_000;
                parts.add(pool.submit(() -> write(influx, db, a, b)));
            }
            long n = 0;
            for (Future<Long> f : parts) {
                n += f.get();
            }
            return n;
        } finally {
            pool.shutdown();
        }
    }

    /**
     * The meters a monthly report reads its energy from, which the lean dataset itself leaves out (so what
     * {@code GrafanaBench} measures is unchanged): per rack and minute an inlet {@code meter} point (its hosts'
     * outlets plus 200 W of fans and switch), per room a room meter (its racks' inlets plus 30% of cooling and
     * losses). Counters rise from {@code fromMs}; returns the points written.
     */
    long loadMeters(URI influx, String db) throws IOException, InterruptedException {
        createDatabase(influx, db);
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI url = influx.resolve("/write?precision=ms&db=" + URLEncoder.encode(db, StandardCharsets.UTF_8));
        int racks = (hosts + HOSTS_PER_RACK - 1) / HOSTS_PER_RACK;
        int rooms = (racks + RACKS_PER_ROOM - 1) / RACKS_PER_ROOM;
        double[] rackW = new double[racks];
        double[] roomW = new double[rooms];
        for (int r = 0; r < racks; r++) {
            int inRack = Math.min(HOSTS_PER_RACK, hosts - r * HOSTS_PER_RACK);
            rackW[r] = inRack * 380.0 + 200;
            roomW[r / RACKS_PER_ROOM] += rackW[r] * 1.3;
        }
        StringBuilder sb = new StringBuilder(1 << 20);
        int inBatch = 0;
        long n = 0;
        for (long t = fromMs; t < toMs; t += 60_000) {
            double hours = (t - fromMs) / 3_600_000.0;
            for (int r = 0; r < racks; r++) {
                String rack = rack(r * HOSTS_PER_RACK);
                sb.append("meter,channel=inlet,device=inlet-")
                        .append(rack)
                        .append(",kind=inlet,rack=")
                        .append(rack)
                        .append(",room=")
                        .append(room(r * HOSTS_PER_RACK))
                        .append(" power_w=")
                        .append(rackW[r])
                        .append(",energy_kwh=")
                        .append(Math.round(hours * rackW[r]) / 1000.0)
                        .append(' ')
                        .append(t)
                        .append('\n');
            }
            for (int m = 0; m < rooms; m++) {
                String room = "room-" + m;
                sb.append("meter,channel=main,device=meter-")
                        .append(room)
                        .append(",kind=meter,room=")
                        .append(room)
                        .append(" power_w=")
                        .append(roomW[m])
                        .append(",energy_kwh=")
                        .append(Math.round(hours * roomW[m]) / 1000.0)
                        .append(' ')
                        .append(t)
                        .append('\n');
            }
            inBatch += racks + rooms;
            if (inBatch >= BATCH) {
                post(http, url, sb);
                n += inBatch;
                inBatch = 0;
            }
        }
        if (inBatch > 0) {
            post(http, url, sb);
            n += inBatch;
        }
        return n;
    }

    private long write(URI influx, String db, long a, long b) throws IOException, InterruptedException {
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI url = influx.resolve("/write?precision=ms&db=" + URLEncoder.encode(db, StandardCharsets.UTF_8));
        StringBuilder sb = new StringBuilder(1 << 20);
        int inBatch = 0;
        long n = 0;
        for (long t = a; t < b; t += 60_000) {
            for (int h = 0; h < hosts; h++) {
                line(sb, h, t);
                inBatch += 3;
                if (inBatch >= BATCH) {
                    post(http, url, sb);
                    n += inBatch;
                    inBatch = 0;
                }
            }
        }
        if (inBatch > 0) {
            post(http, url, sb);
            n += inBatch;
        }
        return n;
    }

    /** util, mem util, GPU W, energy J, outlet W, outlet kWh, business load of host {@code h} at minute {@code t}. */
    double[] values(int h, long t, double[] v) {
        long minute = t / 60_000;
        long since = minute - fromMs / 60_000;
        double day = Math.sin((minute % 1440) * (2 * Math.PI / 1440) + h * 0.01);
        v[0] = Math.round(Math.max(0, Math.min(100, 50 + 40 * day + ((minute * 31 + h * 17) % 7))) * 10) / 10.0;
        v[1] = Math.round((v[0] * 0.6 + (minute * 7 + h) % 5) * 10) / 10.0;
        v[2] = Math.round((60 + 2.5 * v[0] + 0.4 * v[1] + (minute * 13 + h) % 11) * 10) / 10.0;
        v[3] = since * 60.0 * 200 + h;
        v[4] = Math.round((v[2] + 180 + (minute % 5)) * 10) / 10.0;
        v[5] = Math.round(since * (380 / 60_000.0) * 1e6) / 1e6;
        v[6] = Math.round(v[0] / 100 * 0.9 * 1000) / 1000.0;
        return v;
    }

    /** The three points of host {@code h} at minute {@code t}. */
    void line(StringBuilder sb, int h, long t) {
        String host = host(h);
        String rack = rack(h);
        String room = room(h);
        double[] v = values(h, t, new double[7]);
        double util = v[0];
        double mem = v[1];
        double power = v[2];
        double energyJ = v[3];
        double outletW = v[4];
        double energyKwh = v[5];
        double business = v[6];
        sb.append("meter,channel=o")
                .append(h % HOSTS_PER_RACK)
                .append(",device=pdu-")
                .append(rack)
                .append(",host=")
                .append(host)
                .append(",kind=outlet,rack=")
                .append(rack)
                .append(",room=")
                .append(room)
                .append(" power_w=")
                .append(outletW)
                .append(",energy_kwh=")
                .append(energyKwh)
                .append(' ')
                .append(t)
                .append('\n');
        sb.append("gpu,gpu=0,host=")
                .append(host)
                .append(",model=NVIDIA\\ A100-SXM4-80GB,rack=")
                .append(rack)
                .append(",room=")
                .append(room)
                .append(" util_pct=")
                .append(util)
                .append(",mem_util_pct=")
                .append(mem)
                .append(",power_w=")
                .append(power)
                .append(",power_limit_w=400,energy_j=")
                .append(energyJ)
                .append(' ')
                .append(t)
                .append('\n');
        sb.append("business_load,entity=")
                .append(host)
                .append(",level=host,source=allowlist value=")
                .append(business)
                .append(' ')
                .append(t)
                .append('\n');
    }

    private static void post(HttpClient http, URI url, StringBuilder sb) throws IOException, InterruptedException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(sb.length() / 4);
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes, 1 << 16)) {
            gz.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        }
        sb.setLength(0);
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(url)
                        .header("Content-Encoding", "gzip")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(bytes.toByteArray()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 204) {
            throw new IOException("write: " + r.statusCode() + " " + r.body());
        }
    }
}

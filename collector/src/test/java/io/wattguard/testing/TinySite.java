package io.wattguard.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Four one-GPU hosts behind one PDU, written straight to InfluxDB as line protocol, as agents would: GPU
 * load that follows the clock and is fully explained by allowlisted work, plus watts that nothing explains
 * on one host when a test says so. Small on purpose: the evaluation uses the simulator's site.
 */
public final class TinySite {
    public static final String[] HOSTS = {"h0", "h1", "h2", "h3"};
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private final SplittableRandom rnd;

    public TinySite(long seed) {
        this.rnd = new SplittableRandom(seed);
    }

    /** GPU utilisation 0.1..0.9 over the day, different per host. */
    public static double util(int host, long t) {
        double day = (t % 86_400_000L) / 86_400_000.0;
        return 0.5 + 0.4 * Math.sin(2 * Math.PI * day + host);
    }

    /** Line protocol for every host at {@code t}; {@code unexplainedW} more watts on host {@code minerHost}. */
    public String at(long t, String minerHost, double unexplainedW) {
        return at(t, minerHost, unexplainedW, null, 0);
    }

    /**
     * As above, plus {@code outletOnlyW} at the outlet of {@code outletHost} that no component reports (a PSU,
     * fans, a second device on the outlet).
     */
    public String at(long t, String minerHost, double unexplainedW, String outletHost, double outletOnlyW) {
        StringBuilder sb = new StringBuilder();
        for (int h = 0; h < HOSTS.length; h++) {
            String host = HOSTS[h];
            double u = util(h, t);
            double extra = host.equals(minerHost) ? unexplainedW : 0;
            double gpuW = 40 + 300 * u + (extra > 0 ? extra * 0.3 : 0) + 4 * gauss();
            double uReported = extra > 0 ? 1.0 : u;
            double outlet = (gpuW + 150 + (extra > 0 ? extra * 0.7 : 0)) / 0.95
                    + 4 * gauss()
                    + (host.equals(outletHost) ? outletOnlyW : 0);
            sb.append(String.format(
                    Locale.ROOT,
                    "gpu,host=%s,rack=r1,gpu=0,model=L4 util_pct=%.2f,mem_util_pct=%.2f,power_w=%.2f,power_limit_w=400 %d%n",
                    host,
                    uReported * 100,
                    uReported * 30,
                    gpuW,
                    t));
            sb.append(String.format(
                    Locale.ROOT,
                    "meter,device=pdu-r1,channel=%d,kind=outlet,host=%s,rack=r1 power_w=%.2f %d%n",
                    h + 1,
                    host,
                    outlet,
                    t));
            sb.append(String.format(
                    Locale.ROOT, "business_load,entity=%s,level=host,source=allowlist value=%.4f %d%n", host, u, t));
        }
        return sb.toString();
    }

    private double gauss() {
        double u = 1 - rnd.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd.nextDouble());
    }

    public static void write(URI influx, String db, String lines) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(
                HttpRequest.newBuilder(influx.resolve("/write?db=" + db + "&precision=ms"))
                        .POST(HttpRequest.BodyPublishers.ofString(lines))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() / 100 != 2) {
            throw new IOException("write failed: " + r.statusCode() + " " + r.body());
        }
    }

    public static void createDatabase(URI influx, String db) throws IOException, InterruptedException {
        HTTP.send(
                HttpRequest.newBuilder(influx.resolve("/query?q=CREATE+DATABASE+" + db))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}

package io.wattguard.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wattguard.core.Sample;
import io.wattguard.nvml.testing.FakeNvml;
import io.wattguard.simulator.modbus.ModbusDeviceSimulator;
import io.wattguard.simulator.modbus.ModbusPduSimulator;
import io.wattguard.simulator.modbus.PduState;
import io.wattguard.simulator.opcua.OpcUaMeterSimulator;
import io.wattguard.simulator.site.HostModel;
import io.wattguard.simulator.site.SitePoint;
import io.wattguard.simulator.site.SiteSpec;
import io.wattguard.simulator.site.SyntheticSite;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;

/**
 * The demo's site after its history, in real time, behind the protocols a real site speaks: each rack's PDU
 * (per-outlet metering) on a Modbus TCP server, the room's main meter on an OPC UA server (Basic256Sha256,
 * SignAndEncrypt, a user name), each GPU host's GPUs in its own copy of the NVML test double with its processes
 * in a {@code /proc} of its own, and the job scheduler's business load posted to the daemon's push endpoint. The
 * hosts' own readings ({@code host} and {@code evidence}) are written straight to InfluxDB, as the agents on those
 * hosts would. The values are the simulator's site (1-minute steps, held for the 10-second polls), plus a miner
 * the demo starts on one GPU host.
 */
final class LiveSite implements AutoCloseable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(LiveSite.class);
    /** How often the live site changes what its servers serve, and the daemon polls them. */
    static final long TICK_MS = 10_000;

    static final String METER_USER = "wattguard-demo";
    /** The room meter's channel, as the simulator's history names it (device {@code meter-<room>}). */
    static final String ROOM_CHANNEL = "total";
    /** The business processes of the simulated site, for the GPU sources' allowlist. */
    static final String ALLOWLIST = "[{exe: /opt/tritonserver/bin/tritonserver}, {user: ml-train}]";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Integer> UIDS = Map.of(
            "svc-infer",
            1001,
            "ml-train",
            1002,
            "alice",
            1003,
            "svc-backup",
            1004,
            "jdoe",
            1005,
            "vfx",
            1006,
            "intern",
            1007,
            "nobody",
            65534);

    private final SyntheticSite today;
    private final Counters counters;
    private final Clock clock;
    private final Path home;
    private final Map<String, Pdu> pdus = new LinkedHashMap<>();
    private final Map<String, GpuHost> gpuHosts = new LinkedHashMap<>();
    private OpcUaMeterSimulator roomMeter;
    private final String roomName;
    /** The room meter's reading this minute, from the site; the miner's draw is added on top. */
    private double roomBaseW;

    private double roomBaseKwh;
    private volatile double roomPowerW;
    private volatile double roomEnergyKwh;
    private final HttpClient http = HttpClient.newHttpClient();
    private URI businessLoad;
    private Consumer<List<Sample>> agents = s -> {};
    private volatile Miner miner;
    private long loadedMinute = Long.MIN_VALUE;
    private final List<SitePoint> hostPoints = new ArrayList<>();
    private Thread pump;
    private volatile boolean closed;
    /** The last tick's failure, if it failed (pump thread only). */
    private String pumpError;

    /** The miner the audience watches being found: every GPU of one host flat out, for no business process. */
    record Miner(String host, long startMs, int pid, String process, String user, String exe, String connection) {}

    /**
     * Starts the servers and the GPU doubles, each serving the site's state at {@code clock}'s minute.
     *
     * @param today the site from the history's end on, without mining (the demo adds its own, live)
     * @param counters the history's last energy counters, so that the live ones continue them
     */
    LiveSite(SyntheticSite today, Counters counters, Clock clock, Path home) throws Exception {
        this.today = today;
        this.counters = counters;
        this.clock = clock;
        this.home = home;
        SiteSpec spec = today.spec();
        this.roomName = spec.rooms().get(0).name();
        for (SiteSpec.RackSpec r : spec.racks()) {
            int outlets = Math.max(
                    r.spareOutlet(),
                    r.hosts().stream().mapToInt(SiteSpec.HostSpec::outlet).max().orElse(1));
            Pdu pdu = new Pdu("pdu-" + r.name(), r.name(), outlets);
            pdus.put(pdu.name, pdu);
        }
        Path roots = Files.createDirectories(home.resolve("hosts"));
        for (SiteSpec.HostSpec h : spec.hosts()) {
            if (h.model().hasGpus()) {
                gpuHosts.put(h.name(), new GpuHost(h.name(), roots.resolve(h.name())));
            }
        }
        try {
            load(minute(clock.millis()));
            applyTick(tickStart(clock.millis()));
            for (Pdu p : pdus.values()) {
                p.server = new ModbusDeviceSimulator(ModbusPduSimulator.map(p.outlets), () -> p.served, 0);
            }
            for (GpuHost g : gpuHosts.values()) {
                g.start();
            }
            this.roomMeter = OpcUaMeterSimulator.builder()
                    .channels(List.of(ROOM_CHANNEL))
                    .fields(List.of("power_w", "energy_kwh"))
                    .values((channel, field, t) -> field.equals("power_w") ? roomPowerW : roomEnergyKwh)
                    .policies(SecurityPolicy.Basic256Sha256)
                    .user(METER_USER, meterPassword(home), false)
                    .start();
        } catch (Exception | Error e) {
            close(); // the servers already started: their ports are freed before the demo reports the failure
            throw e;
        }
    }

    /** The meter's password, in a file only the demo's user can read (the config names the file, never the value). */
    private static String meterPassword(Path home) throws IOException {
        Path file = home.resolve("meter.password");
        String password = Long.toHexString(new java.security.SecureRandom().nextLong()) + "-demo";
        Files.deleteIfExists(file); // a kept --dir from an earlier run: a new password, in a file created private
        Files.createFile(
                file,
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, password + "\n");
        return password;
    }

    /** The daemon's {@code sources:} for this site: one Modbus source for the PDUs, one OPC UA, one NVML per GPU host. */
    String sourcesYaml() {
        StringBuilder y =
                new StringBuilder("sources:\n  - name: pdus\n    type: modbus\n    interval: 10s\n    devices:\n");
        for (Pdu p : pdus.values()) {
            List<String> feeds = new ArrayList<>();
            p.feeds.forEach((outlet, host) -> feeds.add("\"" + outlet + "\": " + host));
            y.append(
                    "      - {name: %s, host: 127.0.0.1, port: %d, profile: generic-pdu, outlets: %d, rack: %s, feeds: {%s}}\n"
                            .formatted(p.name, p.server.port(), p.outlets, p.rack, String.join(", ", feeds)));
        }
        // The device is named as the site's history names its room meter, so the live points continue that series.
        y.append("""
                  - name: room-meter
                    type: opcua
                    interval: 10s
                    pki_dir: pki
                    devices:
                      - name: meter-%1$s
                        room: %1$s
                        endpoint: %2$s
                        security: {policy: basic256sha256, mode: signandencrypt}
                        identity: {type: username, user: %3$s, password_file: meter.password}
                        items:
                          - {node: "%4$s", channel: %6$s, field: power_w}
                          - {node: "%5$s", channel: %6$s, field: energy_kwh}
                """.formatted(
                        roomName,
                        roomMeter.endpointUrl(),
                        METER_USER,
                        roomMeter.nodeId(ROOM_CHANNEL, "power_w"),
                        roomMeter.nodeId(ROOM_CHANNEL, "energy_kwh"),
                        ROOM_CHANNEL));
        for (GpuHost g : gpuHosts.values()) {
            y.append("""
                      - name: gpus-%1$s
                        type: nvml
                        interval: 10s
                        library: %2$s
                        host: %1$s
                        host_root: %3$s
                        allowlist: %4$s
                    """.formatted(g.host, g.fake.path(), home.relativize(g.root), ALLOWLIST));
        }
        return y.toString();
    }

    /** The GPU hosts, in the site's order (the miner goes on one of them). */
    List<String> gpuHosts() {
        return List.copyOf(gpuHosts.keySet());
    }

    /**
     * The GPU host the live miner goes on: one named in no maintenance window, since a window excuses what its hosts
     * draw while it is open (the nightly backup's, 01:30-04:00, would hide a miner started then).
     */
    String minerHost() {
        java.util.Set<String> maintained = new java.util.HashSet<>();
        today.spec().maintenanceWindows().forEach(w -> maintained.addAll(w.hosts()));
        return gpuHosts.keySet().stream()
                .filter(h -> !maintained.contains(h))
                .findFirst()
                .orElse(gpuHosts().get(0));
    }

    /** Starts following the clock: what the servers serve changes every tick; scheduler load goes to {@code push}. */
    void start(URI push, Consumer<List<Sample>> agents) {
        this.businessLoad = push;
        this.agents = agents;
        pump = new Thread(this::run, "wattguard-demo-live-site");
        pump.setDaemon(true);
        pump.start();
    }

    void startMiner(Miner m) {
        miner = m;
    }

    void stopMiner() {
        miner = null;
    }

    private void run() {
        long t = tickStart(clock.millis());
        while (!closed) {
            try {
                long m = minute(t);
                if (m >= today.endMs() && loadedMinute < today.endMs()) {
                    log.warn(
                            "the live site's {} days are over: its servers keep their last values", DemoSite.LIVE_DAYS);
                    loadedMinute = m;
                } else if (m != loadedMinute && m < today.endMs()) {
                    load(m);
                }
                applyTick(t);
                agents.accept(hostSamples(t));
                pumpError = null;
            } catch (IOException | RuntimeException e) {
                // Said once per kind of failure; the next tick tries again (a POST the daemon refused, a full disk).
                if (!e.toString().equals(pumpError)) {
                    log.warn("the live site could not serve {}: {}", java.time.Instant.ofEpochMilli(t), e.toString());
                }
                pumpError = e.toString();
            }
            t += TICK_MS;
            long wait = t - clock.millis();
            if (wait > 0) {
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    private static long minute(long ms) {
        return Math.floorDiv(ms, 60_000) * 60_000;
    }

    static long tickStart(long ms) {
        return Math.floorDiv(ms, TICK_MS) * TICK_MS;
    }

    /** Takes the site's minute {@code m}: outlets, GPUs, processes; posts the scheduler's load, writes evidence. */
    private void load(long m) throws IOException {
        loadedMinute = m;
        hostPoints.clear();
        List<SitePoint> points = new ArrayList<>();
        today.run(m, m + 60_000, points::add);
        gpuHosts.values().forEach(GpuHost::clearProcesses);
        ArrayNode business = JSON.createArrayNode();
        List<Sample> evidence = new ArrayList<>();
        for (SitePoint raw : points) {
            SitePoint p = counters.join(raw);
            Map<String, String> tags = p.tags();
            switch (p.measurement()) {
                case "meter" -> {
                    Pdu pdu = pdus.get(tags.get("device"));
                    if (pdu != null && "outlet".equals(tags.get("kind"))) {
                        int i = Integer.parseInt(tags.get("channel")) - 1;
                        pdu.powerW[i] = p.number("power_w");
                        pdu.energyKwh[i] = p.number("energy_kwh");
                    } else if (pdu != null && "inlet".equals(tags.get("kind"))) {
                        pdu.inletW = p.number("power_w");
                        pdu.inletKwh = p.number("energy_kwh");
                    } else if (("meter-" + roomName).equals(tags.get("device"))) {
                        roomBaseW = p.number("power_w");
                        roomBaseKwh = p.number("energy_kwh");
                    }
                }
                case "gpu" -> {
                    GpuHost g = gpuHosts.get(tags.get("host"));
                    if (g != null) {
                        g.gpu(Integer.parseInt(tags.get("gpu")), p);
                    }
                }
                case "gpu_process" -> {
                    GpuHost g = gpuHosts.get(tags.get("host"));
                    if (g != null) {
                        g.process(Integer.parseInt(tags.get("gpu")), p);
                    }
                }
                case "host" -> hostPoints.add(p);
                case "evidence" -> evidence.add(DemoSite.sample(p));
                case "business_load" -> {
                    // The GPU hosts' business load is the NVML sources' to work out, from their allowlist.
                    if (!"allowlist".equals(tags.get("source"))) {
                        ObjectNode o = business.addObject();
                        o.put("entity", tags.get("entity"));
                        o.put("level", tags.get("level"));
                        o.put("source", tags.getOrDefault("source", "scheduler"));
                        o.put("value", p.number("value"));
                        if (p.fields().get("raw") instanceof Number raw2) {
                            o.put("raw", raw2.doubleValue());
                        }
                        o.put("time_ms", p.timeMs());
                    }
                }
                default -> {}
            }
        }
        if (!evidence.isEmpty()) {
            agents.accept(evidence);
        }
        if (!business.isEmpty() && businessLoad != null) {
            post(business);
        }
    }

    /** As a scheduler would: one POST of JSON points to the daemon's push endpoint. */
    private void post(ArrayNode points) throws IOException {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(businessLoad)
                            .timeout(Duration.ofSeconds(5))
                            .header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(points)))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 != 2) {
                throw new IOException("POST " + businessLoad + " answered " + r.statusCode() + ": " + r.body());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** The hosts' agents report every tick; between the site's minutes they report the minute's values again. */
    private List<Sample> hostSamples(long t) {
        List<Sample> out = new ArrayList<>();
        Miner m = miner;
        for (SitePoint p : hostPoints) {
            Sample s = DemoSite.sample(p).withTimestamp(t);
            if (m != null && t >= m.startMs() && m.host().equals(p.tags().get("host"))) {
                // The miner's feeder threads keep a few cores busy.
                Sample.Builder b = Sample.builder("host").time(t).tags(p.tags());
                s.fields().forEach(b::fieldObject);
                b.field("cpu_util_pct", Math.min(100, p.number("cpu_util_pct") + 12));
                s = b.build();
            }
            out.add(s);
        }
        if (m != null && t >= m.startMs() && (t - m.startMs()) % 60_000 < TICK_MS) {
            // The host's evidence scan: the miner's connection to its pool, once a minute.
            out.add(Sample.builder("evidence")
                    .time(t)
                    .tag("host", m.host())
                    .tag("kind", "pool_connection")
                    .tag("process", m.process())
                    .field("pid", (long) m.pid())
                    .field("detail", m.connection())
                    .field("score", 0.9)
                    .build());
        }
        return out;
    }

    /** Puts the site's minute plus the miner, as of tick {@code t}, behind every server and double. */
    private void applyTick(long t) throws IOException {
        Miner m = miner;
        boolean mining = m != null && t >= m.startMs();
        double minerW = 0;
        double minerKwh = 0;
        for (Pdu p : pdus.values()) {
            List<PduState.Outlet> outlets = new ArrayList<>();
            double extraW = 0;
            double extraKwh = 0;
            for (int i = 0; i < p.outlets; i++) {
                double w = p.powerW[i];
                double kwh = p.energyKwh[i];
                String host = p.feeds.get(i + 1);
                GpuHost g = host == null ? null : gpuHosts.get(host);
                if (mining && m.host().equals(host)) {
                    double extra = g.minerExtraW() / HostModel.PSU_EFFICIENCY + 40; // GPUs through the PSU, plus CPU
                    w += extra;
                    extraW += extra;
                    g.minerKwh += extra * TICK_MS / 3.6e9;
                }
                if (g != null) {
                    kwh += g.minerKwh; // what the miner drew stays on the meter after it stops
                    extraKwh += g.minerKwh;
                }
                boolean on = p.powerW[i] > 0 || host != null;
                outlets.add(new PduState.Outlet(on, w / (230 * 0.95), w > 0 ? 0.95 : 1.0, w, kwh));
            }
            // The inlet is the site's own reading of it (outlets plus the PDU's overhead), plus the miner.
            Map<String, Double> served = new HashMap<>(new PduState(230, 50, outlets).values());
            double inletW = p.inletW + extraW;
            served.put("inlet/inlet/power_w", inletW);
            served.put("inlet/inlet/current_a", inletW / (230 * 0.95));
            served.put("inlet/inlet/pf", 0.95);
            served.put("inlet/inlet/energy_kwh", p.inletKwh + extraKwh);
            p.served = served;
            minerW += extraW;
            minerKwh += extraKwh;
        }
        roomPowerW = roomBaseW + minerW;
        roomEnergyKwh = roomBaseKwh + minerKwh;
        for (GpuHost g : gpuHosts.values()) {
            g.apply(t, mining && m.host().equals(g.host) ? m : null);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (pump != null) {
            pump.interrupt();
            try {
                pump.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Pdu p : pdus.values()) {
            if (p.server != null) {
                p.server.close();
            }
        }
        if (roomMeter != null) {
            roomMeter.close();
        }
    }

    /** One rack's PDU: what its outlets draw this minute, and the state its server serves. */
    private final class Pdu {
        final String name;
        final String rack;
        final int outlets;
        final double[] powerW;
        final double[] energyKwh;
        final Map<Integer, String> feeds = new TreeMap<>();
        double inletW;
        double inletKwh;
        /** What the Modbus server serves, by the generic-pdu profile's keys. */
        volatile Map<String, Double> served = Map.of();

        ModbusDeviceSimulator server;

        Pdu(String name, String rack, int outlets) {
            this.name = name;
            this.rack = rack;
            this.outlets = outlets;
            this.powerW = new double[outlets];
            this.energyKwh = new double[outlets];
            for (SiteSpec.HostSpec h : today.spec().hosts()) {
                if (h.rack().equals(rack)) {
                    feeds.put(h.outlet(), h.name());
                }
            }
        }
    }

    /** One GPU host: its NVML double, its GPUs' values this minute, its processes and its {@code /proc}. */
    private static final class GpuHost {
        final String host;
        final Path root;
        final TreeMap<Integer, SitePoint> gpus = new TreeMap<>();
        final Map<Integer, List<SitePoint>> procs = new TreeMap<>();
        FakeNvml fake;
        double minerKwh;
        double minerJoules;

        GpuHost(String host, Path root) throws IOException {
            this.host = host;
            this.root = root;
            Files.createDirectories(root.resolve("proc"));
            Files.createDirectories(root.resolve("etc"));
            StringBuilder passwd = new StringBuilder("root:x:0:0:root:/root:/bin/sh\n");
            UIDS.forEach((u, id) -> passwd.append(u)
                    .append(":x:")
                    .append(id)
                    .append(':')
                    .append(id)
                    .append("::/home/")
                    .append(u)
                    .append(":/bin/sh\n"));
            Files.writeString(root.resolve("etc/passwd"), passwd);
        }

        void start() {
            // Its copy of the library lives in the host's folder, so it goes when the demo's folder goes.
            fake = FakeNvml.start(FakeNvml.Variant.FULL, script(null, 0), root.resolve("lib"));
        }

        void clearProcesses() {
            procs.clear();
        }

        void gpu(int i, SitePoint p) {
            gpus.put(i, p);
        }

        void process(int gpu, SitePoint p) throws IOException {
            procs.computeIfAbsent(gpu, k -> new ArrayList<>()).add(p);
            Object pid = p.fields().get("pid");
            Object user = p.fields().get("user");
            Object exe = p.fields().get("exe");
            Object container = p.fields().get("container");
            writeProc(
                    ((Number) pid).intValue(),
                    p.tags().get("process"),
                    user == null ? "nobody" : user.toString(),
                    exe == null ? "" : exe.toString(),
                    container == null ? "" : container.toString());
        }

        /** What /proc shows of a process: the parts the NVML source's resolver reads. */
        void writeProc(int pid, String comm, String user, String exe, String container) throws IOException {
            Path dir = root.resolve("proc/" + pid);
            if (Files.isDirectory(dir)) {
                return;
            }
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("comm"), comm + "\n");
            int uid = UIDS.getOrDefault(user, 65534);
            Files.writeString(
                    dir.resolve("status"),
                    "Name:\t" + comm + "\nUid:\t" + uid + "\t" + uid + "\t" + uid + "\t" + uid + "\n");
            if (!exe.isEmpty()) {
                Files.createSymbolicLink(dir.resolve("exe"), Path.of(exe));
            }
            String id = container.isEmpty()
                    ? ""
                    : String.format(
                            Locale.ROOT,
                            "%064x",
                            new java.math.BigInteger(1, container.getBytes()).mod(java.math.BigInteger.TWO.pow(256)));
            Files.writeString(
                    dir.resolve("cgroup"),
                    id.isEmpty() ? "0::/user.slice\n" : "0::/system.slice/docker-" + id + ".scope\n");
        }

        double minerExtraW() {
            double extra = 0;
            for (SitePoint p : gpus.values()) {
                extra += Math.max(0, minerGpuW(p) - p.number("power_w"));
            }
            return extra;
        }

        private double minerGpuW(SitePoint p) {
            return 0.92 * p.number("power_limit_w");
        }

        void apply(long t, Miner m) throws IOException {
            if (m != null) {
                writeProc(m.pid(), m.process(), m.user(), m.exe(), "");
                minerJoules += minerExtraW() * TICK_MS / 1000.0;
            }
            if (fake != null) {
                fake.apply(script(m, t));
            }
        }

        /** The double's script for this tick: each GPU's readings and its processes (with a fresh SM sample). */
        String script(Miner m, long t) {
            StringBuilder s = new StringBuilder();
            long micros = t * 1000;
            for (Map.Entry<Integer, SitePoint> e : gpus.entrySet()) {
                int i = e.getKey();
                SitePoint p = e.getValue();
                double util = m != null ? 100 : p.number("util_pct");
                double power = m != null ? Math.max(p.number("power_w"), minerGpuW(p)) : p.number("power_w");
                double energyJ = p.number("energy_j") + minerJoules;
                s.append(String.format(
                        Locale.ROOT,
                        "gpu %d uuid=%s name=%s bus_id=00000000:%02X:00.0 util_gpu=%d util_mem=%d power_mw=%d"
                                + " power_limit_mw=%d energy_mj=%d temp_c=%d mem_total=85899345920 mem_used=%d\n",
                        i,
                        p.tags().get("uuid"),
                        p.tags().get("model").replace(' ', '_'),
                        0x10 + i,
                        Math.round(util),
                        Math.round(p.number("mem_util_pct")),
                        Math.round(power * 1000),
                        Math.round(p.number("power_limit_w") * 1000),
                        Math.round(energyJ * 1000),
                        Math.round(m != null ? Math.max(p.number("temp_c"), 78) : p.number("temp_c")),
                        Math.round(p.number("mem_util_pct") / 100 * 85899345920L)));
                s.append("procs ").append(i).append(" clear\n");
                for (SitePoint proc : procs.getOrDefault(i, List.of())) {
                    s.append(String.format(
                            Locale.ROOT,
                            "proc %d kind=compute pid=%d mem=4294967296 sm=%d ts=%d\n",
                            i,
                            ((Number) proc.fields().get("pid")).intValue(),
                            Math.round(proc.number("sm_util_pct")),
                            micros));
                }
                if (m != null) {
                    s.append(String.format(
                            Locale.ROOT,
                            "proc %d kind=compute pid=%d mem=2147483648 sm=97 ts=%d\n",
                            i,
                            m.pid(),
                            micros));
                }
            }
            return s.toString();
        }
    }

    /**
     * Joins the live site's energy counters to the history's: a PDU's or a GPU's counter carries on from the last
     * value the history wrote, as the real device's would, instead of starting again from the live site's own.
     */
    static final class Counters {
        private static final List<String> FIELDS = List.of("energy_kwh", "energy_j");
        private final Map<String, Double> last = new HashMap<>();
        private final Map<String, Double> offset = new HashMap<>();
        /** The live site's own last value of each counter, to see it reset. */
        private final Map<String, Double> previous = new HashMap<>();

        /** A history point: remembers its counters. */
        void see(SitePoint p) {
            for (String f : FIELDS) {
                if (p.fields().get(f) instanceof Number n) {
                    last.put(key(p, f), n.doubleValue());
                }
            }
        }

        /**
         * A live point with its counters moved to continue the history's (down as well as up: the history's counter
         * may have been reset). When the live site resets a counter itself, the device restarted: from then on its
         * own values are the device's.
         */
        SitePoint join(SitePoint p) {
            Map<String, Object> fields = null;
            for (String f : FIELDS) {
                if (p.fields().get(f) instanceof Number n) {
                    String k = key(p, f);
                    double raw = n.doubleValue();
                    Double before = previous.put(k, raw);
                    if (before != null && raw < before) {
                        offset.put(k, 0.0);
                    }
                    double off = offset.computeIfAbsent(k, x -> last.getOrDefault(x, raw) - raw);
                    if (fields == null) {
                        fields = new LinkedHashMap<>(p.fields());
                    }
                    fields.put(f, raw + off);
                }
            }
            return fields == null ? p : new SitePoint(p.measurement(), p.tags(), fields, p.timeMs());
        }

        private static String key(SitePoint p, String field) {
            return p.measurement() + p.tags() + field;
        }
    }
}

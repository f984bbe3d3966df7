package io.wattguard.simulator.site;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Everything that defines a synthetic site: topology (rooms, racks, hosts), the calendar its operator would
 * configure (time zone, business hours, holidays, maintenance windows), how long and how finely it runs, how
 * often benign things happen, and how many of each mining scenario it hides. Immutable; same spec, same
 * points.
 */
public final class SiteSpec {
    /** A host and where it is plugged in: PDU {@code pdu-<rack>}, outlet {@code outlet}. */
    public record HostSpec(String name, String rack, String room, HostModel model, int outlet, boolean backup) {}

    public record RackSpec(String name, String room, List<HostSpec> hosts) {
        public RackSpec {
            hosts = List.copyOf(hosts);
        }

        public double nameplateW() {
            return hosts.stream().mapToDouble(h -> h.model().nameplateW()).sum();
        }

        /** The outlet no host uses, where an undeclared device can be plugged in; reported at 0 W when empty. */
        public int spareOutlet() {
            return SPARE_OUTLET;
        }
    }

    public record RoomSpec(String name, List<RackSpec> racks) {
        public RoomSpec {
            racks = List.copyOf(racks);
        }
    }

    public record BusinessHours(Set<DayOfWeek> days, LocalTime from, LocalTime to) {
        public BusinessHours {
            days = Collections.unmodifiableSet(EnumSet.copyOf(days));
        }
    }

    /** A declared window in which the listed hosts may draw unexplained load (backups); local times. */
    public record MaintenanceWindow(
            String name, Set<DayOfWeek> days, LocalTime from, LocalTime to, List<String> hosts) {
        public MaintenanceWindow {
            days = Collections.unmodifiableSet(EnumSet.copyOf(days));
            hosts = List.copyOf(hosts);
        }
    }

    /**
     * Mean days between benign events of each kind, per host (or per rack / room for meters).
     * {@code outletBurstEveryDays}: outlet-only bursts (see {@link Scenario#OUTLET_BURST}); a week apart on
     * average is about four a host-month. {@code feedStopEveryDays}: business feed stops (see
     * {@link Scenario#BUSINESS_FEED_STOP}).
     */
    public record Background(
            double trainingEveryDays,
            double batchEveryDays,
            double spikeEveryDays,
            double outletBurstEveryDays,
            double hostDropoutEveryDays,
            double nvmlResetEveryDays,
            double pduDropoutEveryDays,
            double pduResetEveryDays,
            double roomDropoutEveryDays,
            double backupShare,
            double feedStopEveryDays) {
        public static Background typical() {
            return new Background(8, 1.5, 6, 7, 10, 25, 12, 40, 20, 0.3, 10);
        }
    }

    /**
     * Which of the telemetry's imperfections the site has; all of them unless a study switches one off to see
     * what it costs. {@code residualNoise}: each host's AR(1) outlet residual; {@code feedCadences}: business feeds
     * at 1, 5 or 15 min (off: every step); {@code feedError}: the feed's +-15% error (off: exact). Feed stops are
     * a background rate ({@link Background#feedStopEveryDays()}; infinite for none).
     */
    public record Telemetry(boolean residualNoise, boolean feedCadences, boolean feedError) {
        public static Telemetry realistic() {
            return new Telemetry(true, true, true);
        }
    }

    /** PDUs here have 24 outlets; hosts use 1..n in rack order, so 24 is free in every rack. */
    static final int SPARE_OUTLET = 24;

    private final String site;
    private final long seed;
    private final ZoneId zone;
    private final LocalDate startDate;
    private final int days;
    private final long stepMs;
    private final boolean lean;
    private final List<RoomSpec> rooms;
    private final BusinessHours businessHours;
    private final SortedSet<LocalDate> holidays;
    private final Map<Scenario, Integer> mining;
    private final int cleanDays;
    private final Background background;
    private final Telemetry telemetry;
    private final List<Builder.RoomPlan> roomPlans;

    private SiteSpec(Builder b) {
        this.site = b.site;
        this.seed = b.seed;
        this.zone = b.zone;
        this.startDate = b.startDate;
        this.days = b.days;
        this.stepMs = b.stepMs;
        this.lean = b.lean;
        this.businessHours = b.businessHours;
        this.holidays = Collections.unmodifiableSortedSet(new TreeSet<>(b.holidays));
        this.mining = Collections.unmodifiableMap(new EnumMap<>(b.mining));
        this.cleanDays = b.cleanDays;
        this.background = b.background;
        this.telemetry = b.telemetry;
        this.roomPlans = List.copyOf(b.roomPlans);
        this.rooms = layOut(roomPlans, b.background.backupShare());
    }

    /** Host and rack names come from counters over the plans, so a spec's names are stable and readable. */
    private static List<RoomSpec> layOut(List<Builder.RoomPlan> plans, double backupShare) {
        List<RoomSpec> rooms = new ArrayList<>();
        int rackNo = 0;
        int gpuNo = 0;
        int cpuNo = 0;
        for (Builder.RoomPlan p : plans) {
            List<RackSpec> racks = new ArrayList<>();
            for (int r = 0; r < p.racks(); r++) {
                String rack = String.format("r%02d", ++rackNo);
                List<HostSpec> hosts = new ArrayList<>();
                int outlet = 0;
                for (HostModel m : p.layout()) {
                    String name = m.hasGpus() ? String.format("gpu-%03d", ++gpuNo) : String.format("cpu-%03d", ++cpuNo);
                    boolean backup = Noise.uniform(Noise.hash(name), 0, 99) < backupShare;
                    hosts.add(new HostSpec(name, rack, p.name(), m, ++outlet, backup));
                }
                racks.add(new RackSpec(rack, p.name(), hosts));
            }
            rooms.add(new RoomSpec(p.name(), racks));
        }
        return List.copyOf(rooms);
    }

    // ---- presets -------------------------------------------------------------------------------------

    /**
     * For unit tests: 12 hosts in 2 racks (one CPU server a rack without RAPL), 7 days, one of each mining
     * scenario after 2 clean days where the hosts allow it.
     */
    public static SiteSpec small() {
        Builder b = builder()
                .site("lab")
                .seed(7)
                .days(7)
                .start(LocalDate.of(2026, 3, 2))
                .cleanDays(2)
                .room(
                        "hall-a",
                        2,
                        HostModel.A100X8,
                        HostModel.A100X8,
                        HostModel.L40SX4,
                        HostModel.L40SX4,
                        HostModel.CPU,
                        HostModel.CPU_NORAPL);
        for (Scenario s : Scenario.values()) if (s.mining() && s.planned()) b.mining(s, 1);
        return b.build();
    }

    /**
     * The detection evaluation: 120 hosts (32 A100x8, 34 L40Sx4, 54 CPU servers of which 18 without RAPL) in 17
     * racks and 2 rooms, 60 days from Monday 2 March 2026 in Europe/Berlin (a DST change, Easter holidays), two
     * clean weeks, then every mining scenario 4-5 times on different hosts, GPUs or racks.
     */
    public static SiteSpec evaluation() {
        return builder()
                .site("dc1")
                .seed(20260302L)
                .days(60)
                .start(LocalDate.of(2026, 3, 2))
                .cleanDays(14)
                .room(
                        "hall-a",
                        8,
                        HostModel.A100X8,
                        HostModel.A100X8,
                        HostModel.A100X8,
                        HostModel.A100X8,
                        HostModel.L40SX4,
                        HostModel.L40SX4)
                .room(
                        "hall-b",
                        9,
                        HostModel.L40SX4,
                        HostModel.L40SX4,
                        HostModel.CPU,
                        HostModel.CPU,
                        HostModel.CPU,
                        HostModel.CPU,
                        HostModel.CPU_NORAPL,
                        HostModel.CPU_NORAPL)
                .mining(Scenario.NIGHT_GPU_MINER, 5)
                .mining(Scenario.LOW_AND_SLOW, 4)
                .mining(Scenario.ALLOWLISTED_CONTAINER_MINER, 5)
                .mining(Scenario.ROGUE_OUTLET_RIG, 4)
                .mining(Scenario.CPU_RANDOMX, 4)
                .mining(Scenario.POWER_LIMIT_RAMP, 4)
                .mining(Scenario.ONE_GPU_OF_EIGHT, 5)
                .mining(Scenario.UNCORROBORATED_MINER, 5)
                .build();
    }

    /**
     * The second evaluation site, so that what was tuned on the first has to hold elsewhere: another seed, the
     * US Central time zone (its DST change two weeks before Europe's, inside the clean period), US holidays, and
     * another hardware mix: 102 hosts (30 H100x8, 8 L40Sx4, 64 CPU servers of which 26 without RAPL) in 14 racks,
     * 56 days from Monday 23 February 2026 (about 5,700 host-days), two clean weeks, every mining scenario 4-5
     * times. Only the second room's racks are small enough for a rogue rig to reach 12% of their nameplate.
     */
    public static SiteSpec evaluationB() {
        return builder()
                .site("ord2")
                .seed(20260223L)
                .zone(ZoneId.of("America/Chicago"))
                .days(56)
                .start(LocalDate.of(2026, 2, 23))
                .cleanDays(14)
                .holidays(usHolidays2026())
                .room(
                        "floor-1",
                        8,
                        HostModel.H100X8,
                        HostModel.H100X8,
                        HostModel.H100X8,
                        HostModel.L40SX4,
                        HostModel.CPU,
                        HostModel.CPU_NORAPL)
                .room(
                        "floor-2",
                        6,
                        HostModel.H100X8,
                        HostModel.CPU,
                        HostModel.CPU,
                        HostModel.CPU,
                        HostModel.CPU,
                        HostModel.CPU,
                        HostModel.CPU_NORAPL,
                        HostModel.CPU_NORAPL,
                        HostModel.CPU_NORAPL)
                .mining(Scenario.NIGHT_GPU_MINER, 4)
                .mining(Scenario.LOW_AND_SLOW, 4)
                .mining(Scenario.ALLOWLISTED_CONTAINER_MINER, 4)
                .mining(Scenario.ROGUE_OUTLET_RIG, 4)
                .mining(Scenario.CPU_RANDOMX, 4)
                .mining(Scenario.POWER_LIMIT_RAMP, 4)
                .mining(Scenario.ONE_GPU_OF_EIGHT, 5)
                .mining(Scenario.UNCORROBORATED_MINER, 5)
                .build();
    }

    /**
     * For benchmarks: {@code hosts} hosts (rounded up to whole racks of 10: 3 A100x8, 3 L40Sx4, 4 CPU) in rooms
     * of 20 racks, lean (no gpu_process points), two of each mining scenario.
     */
    public static SiteSpec bench(int hosts, int days) {
        if (hosts < 1 || days < 1) throw new IllegalArgumentException("hosts and days must be positive");
        int racks = (hosts + 9) / 10;
        Builder b = builder()
                .site("bench")
                .seed(1000L + hosts)
                .days(days)
                .lean(true)
                .cleanDays(Math.min(14, Math.max(1, days / 3)));
        for (int room = 0; racks > 0; room++) {
            int n = Math.min(20, racks);
            racks -= n;
            b.room(
                    "hall-" + (char) ('a' + room % 26) + (room >= 26 ? String.valueOf(room / 26) : ""),
                    n,
                    HostModel.A100X8,
                    HostModel.A100X8,
                    HostModel.A100X8,
                    HostModel.L40SX4,
                    HostModel.L40SX4,
                    HostModel.L40SX4,
                    HostModel.CPU,
                    HostModel.CPU,
                    HostModel.CPU,
                    HostModel.CPU);
        }
        for (Scenario s : Scenario.values()) if (s.mining() && s.planned()) b.mining(s, 2);
        return b.build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.site = site;
        b.seed = seed;
        b.zone = zone;
        b.startDate = startDate;
        b.days = days;
        b.stepMs = stepMs;
        b.lean = lean;
        b.businessHours = businessHours;
        b.holidays.clear();
        b.holidays.addAll(holidays);
        b.mining.putAll(mining);
        b.cleanDays = cleanDays;
        b.background = background;
        b.telemetry = telemetry;
        b.roomPlans.addAll(roomPlans);
        return b;
    }

    // ---- accessors -----------------------------------------------------------------------------------

    public String site() {
        return site;
    }

    public long seed() {
        return seed;
    }

    public ZoneId zone() {
        return zone;
    }

    public LocalDate startDate() {
        return startDate;
    }

    public int days() {
        return days;
    }

    public long stepMs() {
        return stepMs;
    }
    /** Lean sites write no gpu_process points (for benchmarks of the store and the detector). */
    public boolean lean() {
        return lean;
    }

    /**
     * The {@code topology:} section of a wattguard configuration for this site (rooms, racks with nameplates,
     * hosts with their model and nameplate), as an operator would write it; ends with a newline.
     */
    public String topologyYaml() {
        StringBuilder y =
                new StringBuilder("topology:\n  site: ").append(site()).append("\n  rooms:\n");
        for (RoomSpec room : rooms()) {
            y.append("    - name: ").append(room.name()).append("\n      racks:\n");
            for (RackSpec rack : room.racks()) {
                y.append("        - name: ")
                        .append(rack.name())
                        .append("\n          nameplate_w: ")
                        .append(Math.round(rack.nameplateW()))
                        .append("\n          hosts:\n");
                for (HostSpec h : rack.hosts()) {
                    y.append("            - {name: ")
                            .append(h.name())
                            .append(", model: ")
                            .append(h.model().id())
                            .append(", nameplate_w: ")
                            .append(Math.round(h.model().nameplateW()))
                            .append("}\n");
                }
            }
        }
        return y.toString();
    }

    public List<RoomSpec> rooms() {
        return rooms;
    }

    public BusinessHours businessHours() {
        return businessHours;
    }

    public SortedSet<LocalDate> holidays() {
        return holidays;
    }

    public Map<Scenario, Integer> miningCounts() {
        return mining;
    }

    public int cleanDays() {
        return cleanDays;
    }

    public Background background() {
        return background;
    }

    public Telemetry telemetry() {
        return telemetry;
    }

    /** Backups run at about 02:00 on the hosts flagged for them, declared as a nightly window 01:30-04:00. */
    public List<MaintenanceWindow> maintenanceWindows() {
        List<String> hosts =
                hosts().stream().filter(HostSpec::backup).map(HostSpec::name).toList();
        return List.of(new MaintenanceWindow(
                "nightly-backup", EnumSet.allOf(DayOfWeek.class), LocalTime.of(1, 30), LocalTime.of(4, 0), hosts));
    }

    public long startMs() {
        return startDate.atStartOfDay(zone).toInstant().toEpochMilli();
    }

    /** Exclusive end: start plus {@code days} calendar days in the site's zone (a DST day is 23 or 25 h). */
    public long endMs() {
        return startDate.plusDays(days).atStartOfDay(zone).toInstant().toEpochMilli();
    }

    public long steps() {
        return (endMs() - startMs() + stepMs - 1) / stepMs;
    }

    public List<RackSpec> racks() {
        List<RackSpec> out = new ArrayList<>();
        for (RoomSpec r : rooms) out.addAll(r.racks());
        return out;
    }

    public List<HostSpec> hosts() {
        List<HostSpec> out = new ArrayList<>();
        for (RoomSpec r : rooms) for (RackSpec k : r.racks()) out.addAll(k.hosts());
        return out;
    }

    /** Host name to rack name, for the scorer (a rack-level detection also counts for its hosts' episodes). */
    public Map<String, String> rackOfHost() {
        Map<String, String> m = new LinkedHashMap<>();
        for (HostSpec h : hosts()) m.put(h.name(), h.rack());
        return Collections.unmodifiableMap(m);
    }

    public double hostDays() {
        return (double) hosts().size() * (endMs() - startMs()) / 86_400_000.0;
    }

    // ---- builder -------------------------------------------------------------------------------------

    public static final class Builder {
        record RoomPlan(String name, int racks, List<HostModel> layout) {}

        private String site = "dc1";
        private long seed = 1;
        private ZoneId zone = ZoneId.of("Europe/Berlin");
        private LocalDate startDate = LocalDate.of(2026, 3, 2);
        private int days = 7;
        private long stepMs = 60_000;
        private boolean lean;
        private BusinessHours businessHours = new BusinessHours(
                EnumSet.range(DayOfWeek.MONDAY, DayOfWeek.FRIDAY), LocalTime.of(8, 0), LocalTime.of(18, 0));
        private final Set<LocalDate> holidays = new TreeSet<>(germanHolidays2026());
        private final Map<Scenario, Integer> mining = new EnumMap<>(Scenario.class);
        private int cleanDays = 14;
        private Background background = Background.typical();
        private Telemetry telemetry = Telemetry.realistic();
        private final List<RoomPlan> roomPlans = new ArrayList<>();

        private Builder() {}

        public Builder site(String s) {
            site = Objects.requireNonNull(s);
            return this;
        }

        public Builder seed(long s) {
            seed = s;
            return this;
        }

        public Builder zone(ZoneId z) {
            zone = Objects.requireNonNull(z);
            return this;
        }

        public Builder start(LocalDate d) {
            startDate = Objects.requireNonNull(d);
            return this;
        }

        public Builder days(int d) {
            days = d;
            return this;
        }

        public Builder step(Duration d) {
            stepMs = d.toMillis();
            return this;
        }

        public Builder lean(boolean l) {
            lean = l;
            return this;
        }

        public Builder businessHours(BusinessHours h) {
            businessHours = Objects.requireNonNull(h);
            return this;
        }

        public Builder holidays(Set<LocalDate> h) {
            holidays.clear();
            holidays.addAll(h);
            return this;
        }

        public Builder cleanDays(int d) {
            cleanDays = d;
            return this;
        }

        public Builder background(Background b) {
            background = Objects.requireNonNull(b);
            return this;
        }

        public Builder telemetry(Telemetry t) {
            telemetry = Objects.requireNonNull(t);
            return this;
        }

        /** How many separate episodes (hosts, or racks for the rig) of a mining scenario to hide; 0 removes it. */
        public Builder mining(Scenario s, int count) {
            if (!s.mining()) throw new IllegalArgumentException(s.id() + " is not a mining scenario");
            if (!s.planned())
                throw new IllegalArgumentException(
                        s.id() + " is a label of " + s.placedAs().id() + ", not planned");
            if (count < 0) throw new IllegalArgumentException("count must be >= 0");
            mining.put(s, count);
            return this;
        }

        public Builder noMining() {
            mining.clear();
            return this;
        }

        /** A room of {@code racks} racks, each holding one host per model in {@code rackLayout}, in outlet order. */
        public Builder room(String name, int racks, HostModel... rackLayout) {
            if (racks < 1 || rackLayout.length < 1 || rackLayout.length >= SPARE_OUTLET)
                throw new IllegalArgumentException("a room needs racks and 1.." + (SPARE_OUTLET - 1) + " hosts a rack");
            roomPlans.add(new RoomPlan(name, racks, List.of(rackLayout)));
            return this;
        }

        public SiteSpec build() {
            if (roomPlans.isEmpty()) throw new IllegalArgumentException("a site needs at least one room");
            if (days < 1) throw new IllegalArgumentException("days must be >= 1");
            if (stepMs < 1000 || 3_600_000 % stepMs != 0)
                throw new IllegalArgumentException("step must be >= 1 s and divide an hour");
            if (cleanDays < 0 || cleanDays >= days)
                throw new IllegalArgumentException("cleanDays must be in [0, days)");
            return new SiteSpec(this);
        }
    }

    /**
     * US federal holidays for 2026 (Independence Day observed on Friday 3 July), plus Good Friday, which the
     * second evaluation site's operator closes for.
     */
    static Set<LocalDate> usHolidays2026() {
        return Set.of(
                LocalDate.of(2026, 1, 1),
                LocalDate.of(2026, 1, 19),
                LocalDate.of(2026, 2, 16),
                LocalDate.of(2026, 4, 3),
                LocalDate.of(2026, 5, 25),
                LocalDate.of(2026, 6, 19),
                LocalDate.of(2026, 7, 3),
                LocalDate.of(2026, 9, 7),
                LocalDate.of(2026, 10, 12),
                LocalDate.of(2026, 11, 11),
                LocalDate.of(2026, 11, 26),
                LocalDate.of(2026, 12, 25));
    }

    /** Public holidays in Germany (nationwide) for 2026, enough for the presets' date ranges. */
    static Set<LocalDate> germanHolidays2026() {
        return Set.of(
                LocalDate.of(2026, 1, 1),
                LocalDate.of(2026, 4, 3),
                LocalDate.of(2026, 4, 6),
                LocalDate.of(2026, 5, 1),
                LocalDate.of(2026, 5, 14),
                LocalDate.of(2026, 5, 25),
                LocalDate.of(2026, 10, 3),
                LocalDate.of(2026, 12, 25),
                LocalDate.of(2026, 12, 26));
    }
}

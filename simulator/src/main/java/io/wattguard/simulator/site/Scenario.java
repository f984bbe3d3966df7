package io.wattguard.simulator.site;

/**
 * What the site injects; {@link #id()} is the {@link Label#scenario()} string. Each mining scenario carries
 * the median detection delay it must meet ({@link #delayTargetMin()}), which depends on what can corroborate
 * it: a component's power or utilisation (10 min), a GPU's own metrics (15 min, the GPU-level targets), or
 * nothing but the outlet (35 min: the sustained window outlet-only excess needs, plus a few minutes).
 */
public enum Scenario {
    NIGHT_GPU_MINER("night_gpu_miner", true, "host", 10),
    LOW_AND_SLOW("low_and_slow", true, "host", 10),
    ALLOWLISTED_CONTAINER_MINER("allowlisted_container_miner", true, "host", 10),
    ROGUE_OUTLET_RIG("rogue_outlet_rig", true, "rack", 10),
    CPU_RANDOMX("cpu_randomx", true, "host", 10),
    /**
     * {@link #CPU_RANDOMX} where it landed on a CPU server that does not report its package power (no RAPL): the
     * same miner, but nothing besides the outlet can corroborate it, so its target is the uncorroborated one. A
     * label only: the planner places {@code cpu_randomx} and labels it so by the host it lands on.
     */
    CPU_RANDOMX_NO_RAPL("cpu_randomx_no_rapl", true, "host", 35),
    /**
     * A non-business process keeps one GPU at ~100% while its power limit is raised from 100 W to 300 W over five
     * days; the board's power follows the limit. Whoever does it hopes a baseline that learns from recent days
     * follows the slow rise, and that no single day looks different from the one before. Entity {@code HOST:INDEX}.
     */
    POWER_LIMIT_RAMP("power_limit_ramp", true, "gpu", 15),
    /**
     * On an 8-GPU host in business hours, beside allowlisted jobs on the other seven, one GPU runs a non-business
     * process at high utilisation for 1-4 h: the host as a whole looks busy as it should at that hour.
     */
    ONE_GPU_OF_EIGHT("one_gpu_of_eight", true, "gpu", 15),
    /**
     * A miner on a CPU server whose agent reports no component power (no RAPL), hiding its CPU time from the
     * agent: only the PDU outlet sees it.
     */
    UNCORROBORATED_MINER("uncorroborated_miner", true, "host", 35),
    BENIGN_SPIKE("benign_spike", false, "host"),
    TRAINING_RUN("training_run", false, "host"),
    CPU_BATCH("cpu_batch", false, "host"),
    NIGHTLY_BACKUP("nightly_backup", false, "host"),
    SENSOR_DROPOUT("sensor_dropout", false, "host"),
    COUNTER_RESET("counter_reset", false, "host"),
    /**
     * 300-700 W for 5-20 min on a host's PDU outlet alone: GPU power, CPU package power and utilisation do not
     * move (a PSU or fans, a peripheral, a second device wired to the same outlet).
     */
    OUTLET_BURST("outlet_burst", false, "host"),
    /**
     * A host's business feed stops reporting for 1-3 h (an exporter crashed, a CMDB sync is stuck) while its jobs
     * keep running: utilisation and power go on as before. Silence is no verdict, not an episode.
     */
    BUSINESS_FEED_STOP("business_feed_stop", false, "host");

    private final String id;
    private final boolean mining;
    private final String level;
    private final double delayTargetMin;

    Scenario(String id, boolean mining, String level) {
        this(id, mining, level, Double.NaN);
    }

    Scenario(String id, boolean mining, String level, double delayTargetMin) {
        this.id = id;
        this.mining = mining;
        this.level = level;
        this.delayTargetMin = delayTargetMin;
    }

    public String id() {
        return id;
    }

    public boolean mining() {
        return mining;
    }
    /**
     * The usual label level: {@code host}, {@code rack} or {@code gpu} (entity {@code HOST:INDEX}); dropouts and
     * counter resets also occur at rack (PDU) and room level.
     */
    public String level() {
        return level;
    }
    /** The median detection delay a mining scenario must meet, in minutes; NaN for benign scenarios. */
    public double delayTargetMin() {
        return delayTargetMin;
    }

    /** The scenario the planner places for this one: itself, except for a label given by where it landed. */
    public Scenario placedAs() {
        return this == CPU_RANDOMX_NO_RAPL ? CPU_RANDOMX : this;
    }

    /** Whether a site plans this scenario itself (see {@link #placedAs()}). */
    public boolean planned() {
        return placedAs() == this;
    }

    public static Scenario byId(String id) {
        for (Scenario s : values()) if (s.id.equals(id)) return s;
        throw new IllegalArgumentException("unknown scenario " + id);
    }
}

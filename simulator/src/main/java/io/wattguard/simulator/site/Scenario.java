package io.wattguard.simulator.site;

/** What the site injects; {@link #id()} is the {@link Label#scenario()} string. */
public enum Scenario {
    NIGHT_GPU_MINER("night_gpu_miner", true, "host"),
    LOW_AND_SLOW("low_and_slow", true, "host"),
    ALLOWLISTED_CONTAINER_MINER("allowlisted_container_miner", true, "host"),
    ROGUE_OUTLET_RIG("rogue_outlet_rig", true, "rack"),
    CPU_RANDOMX("cpu_randomx", true, "host"),
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
    OUTLET_BURST("outlet_burst", false, "host");

    private final String id;
    private final boolean mining;
    private final String level;

    Scenario(String id, boolean mining, String level) {
        this.id = id;
        this.mining = mining;
        this.level = level;
    }

    public String id() { return id; }
    public boolean mining() { return mining; }
    /** The usual label level; dropouts and counter resets also occur at rack (PDU) and room level. */
    public String level() { return level; }

    public static Scenario byId(String id) {
        for (Scenario s : values()) if (s.id.equals(id)) return s;
        throw new IllegalArgumentException("unknown scenario " + id);
    }
}

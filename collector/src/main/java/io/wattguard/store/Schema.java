package io.wattguard.store;

import java.util.List;

/**
 * Every measurement, tag and field wattguard writes to InfluxDB or reads back, in one place. Writers (the sources,
 * business load, the analysis's conclusions, the daemon's self-metrics) and the store reader spell names through
 * these constants, so a rename is one edit and the compiler finds every user; {@code docs/schema.md} documents the
 * same names with their units and writers, and a test holds the two together.
 *
 * <p>Tags shared by many measurements ({@link #HOST}, {@link #RACK}, {@link #ROOM}, {@link #SITE}) are named once
 * here: the topology adds {@code site}, {@code room} and {@code rack} to every point whose host or rack it knows,
 * whatever the measurement. Tags an operator adds in a source's {@code tags:} are theirs and not listed.
 */
public final class Schema {
    /** One measurement: its name, the tags it may carry and the fields it may carry. */
    public record Measurement(String name, List<String> tags, List<String> fields) {}

    public static final String HOST = "host";
    public static final String RACK = "rack";
    public static final String ROOM = "room";
    public static final String SITE = "site";

    private Schema() {}

    /** One GPU (or MIG device) as NVML reports it, written by the {@code nvml} source. */
    public static final class Gpu {
        public static final String NAME = "gpu";
        public static final String GPU = "gpu";
        public static final String UUID = "uuid";
        public static final String MODEL = "model";
        public static final String MIG = "mig";
        public static final String UTIL_PCT = "util_pct";
        public static final String MEM_UTIL_PCT = "mem_util_pct";
        public static final String POWER_W = "power_w";
        public static final String POWER_LIMIT_W = "power_limit_w";
        public static final String ENERGY_J = "energy_j";
        public static final String TEMP_C = "temp_c";
        public static final String SM_CLOCK_MHZ = "sm_clock_mhz";
        public static final String MEM_CLOCK_MHZ = "mem_clock_mhz";
        public static final String MEM_USED_BYTES = "mem_used_bytes";
        public static final String THROTTLE_REASONS = "throttle_reasons";
        public static final String PROCESSES = "processes";
        /** Every field, in the order an operator's {@code fields:} list is checked against. */
        public static final List<String> FIELDS = List.of(
                UTIL_PCT,
                MEM_UTIL_PCT,
                POWER_W,
                POWER_LIMIT_W,
                ENERGY_J,
                TEMP_C,
                SM_CLOCK_MHZ,
                MEM_CLOCK_MHZ,
                MEM_USED_BYTES,
                THROTTLE_REASONS,
                PROCESSES);

        public static final Measurement M =
                new Measurement(NAME, List.of(HOST, GPU, UUID, MODEL, MIG, RACK, ROOM, SITE), FIELDS);

        private Gpu() {}
    }

    /** One process on one GPU, written by the {@code nvml} source. */
    public static final class GpuProcess {
        public static final String NAME = "gpu_process";
        public static final String GPU = "gpu";
        public static final String MIG = "mig";
        public static final String PROCESS = "process";
        public static final String PID = "pid";
        public static final String SM_UTIL_PCT = "sm_util_pct";
        public static final String MEM_BYTES = "mem_bytes";
        public static final String BUSINESS = "business";
        public static final String USER = "user";
        public static final String CONTAINER = "container";
        public static final String EXE = "exe";
        public static final Measurement M = new Measurement(
                NAME,
                List.of(HOST, GPU, MIG, PROCESS, RACK, ROOM, SITE),
                List.of(PID, SM_UTIL_PCT, MEM_BYTES, BUSINESS, USER, CONTAINER, EXE));

        private GpuProcess() {}
    }

    /** The machine the collector runs on, written by the {@code host} source. */
    public static final class Host {
        public static final String NAME = "host";
        public static final String CPU_UTIL_PCT = "cpu_util_pct";
        public static final String CPU_POWER_W = "cpu_power_w";
        public static final String MEM_USED_PCT = "mem_used_pct";
        public static final Measurement M = new Measurement(
                NAME, List.of(HOST, RACK, ROOM, SITE), List.of(CPU_UTIL_PCT, CPU_POWER_W, MEM_USED_PCT));

        private Host() {}
    }

    /** A suspicious finding of the host's evidence scan, written by the {@code host} source. */
    public static final class Evidence {
        public static final String NAME = "evidence";
        public static final String KIND = "kind";
        public static final String PROCESS = "process";
        public static final String PID = "pid";
        public static final String DETAIL = "detail";
        public static final String SCORE = "score";
        public static final Measurement M =
                new Measurement(NAME, List.of(HOST, KIND, PROCESS, RACK, ROOM, SITE), List.of(PID, DETAIL, SCORE));

        private Evidence() {}
    }

    /**
     * One channel of a PDU or power meter, written by the {@code modbus} and {@code opcua} sources. The fields are
     * the operator's (a register map names them); these are the ones the profiles, the analysis and the dashboards
     * use. Any field may have a boolean {@code <field>_uncertain} beside it.
     */
    public static final class Meter {
        public static final String NAME = "meter";
        public static final String DEVICE = "device";
        public static final String CHANNEL = "channel";
        public static final String KIND = "kind";
        public static final String POWER_W = "power_w";
        public static final String ENERGY_KWH = "energy_kwh";
        public static final String IMPORT_KWH = "import_kwh";
        public static final String EXPORT_KWH = "export_kwh";
        public static final String VOLTAGE_V = "voltage_v";
        public static final String CURRENT_A = "current_a";
        public static final String FREQUENCY_HZ = "frequency_hz";
        public static final String PF = "pf";
        public static final String MODEL = "model";
        /** Appended to a field's name for the flag that marks that value as one the device called Uncertain. */
        public static final String UNCERTAIN_SUFFIX = "_uncertain";

        public static final Measurement M = new Measurement(
                NAME,
                List.of(DEVICE, CHANNEL, KIND, HOST, RACK, ROOM, SITE),
                List.of(POWER_W, ENERGY_KWH, IMPORT_KWH, EXPORT_KWH, VOLTAGE_V, CURRENT_A, FREQUENCY_HZ, PF, MODEL));

        private Meter() {}
    }

    /**
     * The share of an entity's capacity the business explains, written by the GPU allowlist, the InfluxQL mappings,
     * the schedule and the push endpoint. The entity is also written as a {@code host} or {@code rack} tag, so the
     * topology places it.
     */
    public static final class BusinessLoad {
        public static final String NAME = "business_load";
        public static final String ENTITY = "entity";
        public static final String LEVEL = "level";
        public static final String SOURCE = "source";
        public static final String VALUE = "value";
        public static final String RAW = "raw";
        public static final Measurement M =
                new Measurement(NAME, List.of(ENTITY, LEVEL, SOURCE, HOST, RACK, ROOM, SITE), List.of(VALUE, RAW));

        private BusinessLoad() {}
    }

    /** What the analysis expected of an entity at a step, written by {@code analyze} and the live analysis. */
    public static final class Baseline {
        public static final String NAME = "baseline";
        public static final String ENTITY = "entity";
        public static final String LEVEL = "level";
        public static final String ACTUAL_W = "actual_w";
        public static final String EXPECTED_W = "expected_w";
        public static final String UPPER_W = "upper_w";
        public static final String RESIDUAL_W = "residual_w";
        public static final String SCORE = "score";
        public static final String BUSINESS_LOAD = "business_load";
        public static final Measurement M = new Measurement(
                NAME, List.of(ENTITY, LEVEL), List.of(ACTUAL_W, EXPECTED_W, UPPER_W, RESIDUAL_W, SCORE, BUSINESS_LOAD));

        private Baseline() {}
    }

    /**
     * The GPUs of one rack at a step, from the hosts that reported in it, written by {@code analyze} and the live
     * analysis every {@code baseline_every} steps: what the wall reads over a month instead of every GPU's samples.
     */
    public static final class GpuRollup {
        public static final String NAME = "gpu_rollup";
        public static final String GPUS = "gpus";
        public static final String UTIL_PCT = "util_pct";
        public static final String POWER_W = "power_w";
        public static final Measurement M =
                new Measurement(NAME, List.of(RACK, ROOM), List.of(GPUS, UTIL_PCT, POWER_W));

        private GpuRollup() {}
    }

    /** An anomaly episode at one step while open, written by {@code analyze} and the live analysis. */
    public static final class Anomaly {
        public static final String NAME = "anomaly";
        public static final String ENTITY = "entity";
        public static final String LEVEL = "level";
        public static final String KIND = "kind";
        public static final String SEVERITY = "severity";
        public static final String ID = "id";
        public static final String STATE = "state";
        public static final String TITLE = "title";
        public static final String EXCESS_W = "excess_w";
        public static final String ENERGY_KWH = "energy_kwh";
        public static final String COST = "cost";
        public static final String SCORE = "score";
        public static final String STARTED_MS = "started_ms";
        public static final String DETECTED_MS = "detected_ms";
        public static final String ENDED_MS = "ended_ms";
        public static final String EVIDENCE = "evidence";
        public static final Measurement M = new Measurement(
                NAME,
                List.of(ENTITY, LEVEL, KIND, SEVERITY, HOST),
                List.of(
                        ID,
                        STATE,
                        TITLE,
                        EXCESS_W,
                        ENERGY_KWH,
                        COST,
                        SCORE,
                        STARTED_MS,
                        DETECTED_MS,
                        ENDED_MS,
                        EVIDENCE));

        private Anomaly() {}
    }

    /**
     * The daemon's own health: one point per source, one for the sink ({@code source=sink}), the live analysis
     * ({@code source=analysis}) and each alert output ({@code source=alerts}, {@code output=NAME}).
     */
    public static final class Collector {
        public static final String NAME = "collector";
        public static final String INSTANCE = "instance";
        public static final String SOURCE = "source";
        public static final String OUTPUT = "output";
        /** The {@code source} tag of the sink's, the analysis's, the alert outputs' and the monthly report's points. */
        public static final String SOURCE_SINK = "sink";

        public static final String SOURCE_ANALYSIS = "analysis";
        public static final String SOURCE_ALERTS = "alerts";
        public static final String SOURCE_REPORT = "report";
        public static final String POLLS = "polls";
        public static final String ERRORS = "errors";
        public static final String LATENCY_MS = "latency_ms";
        public static final String LATENESS_MS = "lateness_ms";
        public static final String OVERRUNS = "overruns";
        public static final String POINTS_WRITTEN = "points_written";
        public static final String SPOOL_BYTES = "spool_bytes";
        public static final String SPOOL_DROPPED = "spool_dropped";
        public static final String DEAD_LETTER_POINTS = "dead_letter_points";
        public static final String SPOOL_ERRORS = "spool_errors";
        public static final String BATCHER_DROPPED = "batcher_dropped";
        public static final String LAG_MS = "lag_ms";
        public static final String OPEN_EPISODES = "open_episodes";
        public static final String SENT = "sent";
        public static final String FAILED = "failed";
        public static final String DROPPED = "dropped";
        public static final String QUEUED = "queued";
        public static final String REPORTS = "reports";
        public static final Measurement M = new Measurement(
                NAME,
                List.of(INSTANCE, SOURCE, OUTPUT, SITE),
                List.of(
                        POLLS,
                        ERRORS,
                        LATENCY_MS,
                        LATENESS_MS,
                        OVERRUNS,
                        POINTS_WRITTEN,
                        SPOOL_BYTES,
                        SPOOL_DROPPED,
                        DEAD_LETTER_POINTS,
                        SPOOL_ERRORS,
                        BATCHER_DROPPED,
                        LAG_MS,
                        OPEN_EPISODES,
                        SENT,
                        FAILED,
                        DROPPED,
                        QUEUED,
                        REPORTS));

        private Collector() {}
    }

    /** Every measurement of the schema. */
    public static final List<Measurement> ALL = List.of(
            Gpu.M,
            GpuProcess.M,
            Host.M,
            Evidence.M,
            Meter.M,
            BusinessLoad.M,
            Baseline.M,
            GpuRollup.M,
            Anomaly.M,
            Collector.M);

    /** The measurement named {@code name}, or null. */
    public static Measurement measurement(String name) {
        return ALL.stream().filter(m -> m.name().equals(name)).findFirst().orElse(null);
    }
}

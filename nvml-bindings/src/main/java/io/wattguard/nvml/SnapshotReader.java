package io.wattguard.nvml;

import static io.wattguard.nvml.internal.Layout.*;

import io.wattguard.nvml.GpuSnapshot.Field;
import io.wattguard.nvml.internal.NvmlFunctions;
import java.nio.ByteBuffer;

/**
 * One device's {@code gpu} measurement: one NVML call per field, in a fixed order, into the scratch buffer its
 * {@link GpuDevice} lends; the values go into an array owned here, with the bookkeeping of which fields are present
 * and which failed with what. The only allocation per sample is the returned snapshot (and its failure codes, only
 * when a field fails with a real error). Not thread-safe: its {@link GpuDevice} serialises calls.
 */
final class SnapshotReader {
    private static final int NOT_SUPPORTED = NvmlReturn.NOT_SUPPORTED.code();
    private static final int FIELDS = Field.values().length;

    private final NvmlFunctions f;
    private final Nvml.Choices c;
    private final ByteBuffer scratch;
    private final long scratchAddr;
    private final ProcessLists processLists;
    private final GpuDevice.LostCheck lostCheck;
    private final long[] values = new long[FIELDS];
    /** Whether the last successful memory read came from nvmlMemory_v2, the only one with a reserved figure. */
    private boolean memoryReservedKnown;
    /** The sample being read: the fields present so far, one bit each. */
    private long present;
    /** The sample being read: the code of each field that failed with a real error; null while none has. */
    private int[] failures;

    SnapshotReader(
            Nvml nvml, ByteBuffer scratch, long scratchAddr, ProcessLists processLists, GpuDevice.LostCheck lostCheck) {
        this.f = nvml.functions();
        this.c = nvml.choices;
        this.scratch = scratch;
        this.scratchAddr = scratchAddr;
        this.processLists = processLists;
        this.lostCheck = lostCheck;
    }

    /**
     * Reads every field of device {@code h}, described by {@code index} and {@code info}.
     *
     * @throws GpuLostException if a call says the GPU is lost (through the device's lost check)
     */
    GpuSnapshot read(long h, int index, GpuInfo info) {
        present = 0;
        failures = null;
        readUtilizationAndPower(h);
        readTemperatureAndClocks(h);
        int rc = memory(h);
        if (rc == 0) {
            present |= bit(Field.MEMORY_TOTAL)
                    | bit(Field.MEMORY_FREE)
                    | bit(Field.MEMORY_USED)
                    | (memoryReservedKnown ? bit(Field.MEMORY_RESERVED) : 0);
        } else {
            failed(null, rc, Field.MEMORY_TOTAL, Field.MEMORY_USED);
            failed(null, rc, Field.MEMORY_FREE, null);
        }
        readStateAndProcesses(h);
        int[] codes = failures;
        failures = null; // the snapshot owns them now
        return new GpuSnapshot(index, info.uuid(), info.name(), present, values.clone(), codes);
    }

    private void readUtilizationAndPower(long h) {
        long a = scratchAddr;
        int rc = c.utilization ? f.nvmlDeviceGetUtilizationRates(h, a) : NOT_SUPPORTED;
        if (rc == 0) {
            values[Field.UTILIZATION_GPU.ordinal()] = scratch.getInt(UTIL_GPU) & 0xFFFF_FFFFL;
            values[Field.UTILIZATION_MEMORY.ordinal()] = scratch.getInt(UTIL_MEMORY) & 0xFFFF_FFFFL;
            present |= bit(Field.UTILIZATION_GPU) | bit(Field.UTILIZATION_MEMORY);
        } else {
            failed("nvmlDeviceGetUtilizationRates", rc, Field.UTILIZATION_GPU, Field.UTILIZATION_MEMORY);
        }
        if (c.power) {
            unsigned("nvmlDeviceGetPowerUsage", f.nvmlDeviceGetPowerUsage(h, a), Field.POWER);
        }
        if (c.powerLimit) {
            unsigned("nvmlDeviceGetEnforcedPowerLimit", f.nvmlDeviceGetEnforcedPowerLimit(h, a), Field.POWER_LIMIT);
        }
        if (c.powerManagementLimit) {
            unsigned(
                    "nvmlDeviceGetPowerManagementLimit",
                    f.nvmlDeviceGetPowerManagementLimit(h, a),
                    Field.POWER_MANAGEMENT_LIMIT);
        }
        if (c.energy) {
            signed64("nvmlDeviceGetTotalEnergyConsumption", f.nvmlDeviceGetTotalEnergyConsumption(h, a), Field.ENERGY);
        }
    }

    private void readTemperatureAndClocks(long h) {
        long a = scratchAddr;
        unsigned(
                "nvmlDeviceGetTemperature",
                c.temperature ? f.nvmlDeviceGetTemperature(h, 0, a) : NOT_SUPPORTED,
                Field.TEMPERATURE); // NVML_TEMPERATURE_GPU
        unsigned(
                "nvmlDeviceGetClockInfo",
                c.clock ? f.nvmlDeviceGetClockInfo(h, 1, a) : NOT_SUPPORTED,
                Field.SM_CLOCK); // NVML_CLOCK_SM
        unsigned(
                "nvmlDeviceGetClockInfo",
                c.clock ? f.nvmlDeviceGetClockInfo(h, 2, a) : NOT_SUPPORTED,
                Field.MEMORY_CLOCK); // NVML_CLOCK_MEM
    }

    private void readStateAndProcesses(long h) {
        long a = scratchAddr;
        if (c.eventReasons || c.throttleReasons) {
            int rc = c.eventReasons
                    ? f.nvmlDeviceGetCurrentClocksEventReasons(h, a)
                    : f.nvmlDeviceGetCurrentClocksThrottleReasons(h, a);
            signed64(
                    c.eventReasons
                            ? "nvmlDeviceGetCurrentClocksEventReasons"
                            : "nvmlDeviceGetCurrentClocksThrottleReasons",
                    rc,
                    Field.THROTTLE_REASONS);
        }
        if (c.fan) {
            unsigned("nvmlDeviceGetFanSpeed", f.nvmlDeviceGetFanSpeed(h, a), Field.FAN_SPEED);
        }
        if (c.pstate) {
            int rc = f.nvmlDeviceGetPerformanceState(h, a);
            if (rc == 0) {
                values[Field.PERFORMANCE_STATE.ordinal()] = scratch.getInt(0);
                present |= bit(Field.PERFORMANCE_STATE);
            } else {
                failed("nvmlDeviceGetPerformanceState", rc, Field.PERFORMANCE_STATE, null);
            }
        }
        if (c.fieldValues) {
            instantPower(h);
        }
        if (c.processVersion != 0) {
            int count = processLists.count(h);
            if (count >= 0) {
                values[Field.PROCESS_COUNT.ordinal()] = count;
                present |= bit(Field.PROCESS_COUNT);
            } else {
                failed("nvmlDeviceGetComputeRunningProcesses", -count, Field.PROCESS_COUNT, null);
            }
        }
    }

    private void instantPower(long h) {
        ByteBuffer s = scratch;
        s.putInt(FIELD_ID, FieldValue.POWER_INSTANT);
        s.putInt(FIELD_SCOPE, 0);
        int rc = f.nvmlDeviceGetFieldValues(h, 1, scratchAddr);
        if (rc == 0 && s.getInt(FIELD_RETURN) == 0) {
            values[Field.INSTANT_POWER.ordinal()] = fieldAsLong(s, 0);
            present |= bit(Field.INSTANT_POWER);
        } else {
            int r = rc != 0 ? rc : s.getInt(FIELD_RETURN);
            // An older driver answers an id it does not know with INVALID_ARGUMENT: unsupported, not an error.
            failed(
                    "nvmlDeviceGetFieldValues",
                    r == NvmlReturn.INVALID_ARGUMENT.code() ? NOT_SUPPORTED : r,
                    Field.INSTANT_POWER,
                    null);
        }
    }

    /** A field the driver answers as an unsigned int at the start of the scratch buffer. */
    private void unsigned(String function, int rc, Field field) {
        if (rc == 0) {
            values[field.ordinal()] = scratch.getInt(0) & 0xFFFF_FFFFL;
            present |= bit(field);
        } else {
            failed(function, rc, field, null);
        }
    }

    /** A field the driver answers as an unsigned long long at the start of the scratch buffer (kept as is). */
    private void signed64(String function, int rc, Field field) {
        if (rc == 0) {
            values[field.ordinal()] = scratch.getLong(0);
            present |= bit(field);
        } else {
            failed(function, rc, field, null);
        }
    }

    /** Reads memory into {@link #values}; returns the NVML code (lost already thrown). */
    private int memory(long h) {
        long[] v = values;
        if (c.memoryV2) {
            scratch.putInt(MEMORY_V2_VERSION, MEMORY_V2_SIZE | (2 << 24)); // NVML_STRUCT_VERSION(Memory, 2)
            int rc = f.nvmlDeviceGetMemoryInfo_v2(h, scratchAddr);
            if (rc == 0) {
                v[Field.MEMORY_TOTAL.ordinal()] = scratch.getLong(MEMORY_V2_TOTAL);
                v[Field.MEMORY_RESERVED.ordinal()] = scratch.getLong(MEMORY_V2_RESERVED);
                v[Field.MEMORY_FREE.ordinal()] = scratch.getLong(MEMORY_V2_FREE);
                v[Field.MEMORY_USED.ordinal()] = scratch.getLong(MEMORY_V2_USED);
                memoryReservedKnown = true;
                return 0;
            }
            lostCheck.check("nvmlDeviceGetMemoryInfo_v2", rc);
            if (rc != NvmlReturn.ARGUMENT_VERSION_MISMATCH.code()) {
                return rc;
            }
            // A driver that exports _v2 but wants another struct version: the v1 struct still answers.
        }
        if (!c.memoryV1) {
            return NOT_SUPPORTED;
        }
        int rc = f.nvmlDeviceGetMemoryInfo(h, scratchAddr);
        if (rc == 0) {
            v[Field.MEMORY_TOTAL.ordinal()] = scratch.getLong(MEMORY_TOTAL);
            v[Field.MEMORY_FREE.ordinal()] = scratch.getLong(MEMORY_FREE);
            v[Field.MEMORY_USED.ordinal()] = scratch.getLong(MEMORY_USED);
            memoryReservedKnown = false;
            return 0;
        }
        lostCheck.check("nvmlDeviceGetMemoryInfo", rc);
        return rc;
    }

    private static long fieldAsLong(ByteBuffer s, int base) {
        int type = s.getInt(base + FIELD_VALUE_TYPE);
        long raw = s.getLong(base + FIELD_VALUE);
        return switch (type) {
            case 0 -> (long) Double.longBitsToDouble(raw);
            case 1 -> raw & 0xFFFF_FFFFL;
            default -> raw;
        };
    }

    private static long bit(Field f) {
        return 1L << f.ordinal();
    }

    /** NOT_SUPPORTED: absent, nothing to say. Lost: throw. Any other error: absent, with the code kept. */
    private void failed(String function, int rc, Field a, Field b) {
        if (function != null) {
            lostCheck.check(function, rc);
        }
        if (rc == NOT_SUPPORTED || rc == NvmlReturn.FUNCTION_NOT_FOUND.code()) {
            return;
        }
        if (failures == null) {
            failures = new int[FIELDS];
        }
        failures[a.ordinal()] = rc;
        if (b != null) {
            failures[b.ordinal()] = rc;
        }
    }
}

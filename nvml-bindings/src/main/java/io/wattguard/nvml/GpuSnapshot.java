package io.wattguard.nvml;

import java.util.Arrays;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * One reading of one GPU: every field of the {@code gpu} measurement that the driver answered. A field the GPU does
 * not support (NOT_SUPPORTED, or a symbol the installed driver lacks) is absent, never 0; a field that failed with
 * another error is absent too and {@link #failure(Field)} says why. Immutable.
 */
public final class GpuSnapshot {
    /** The fields, in NVML's units. */
    public enum Field {
        /** Percent of time a kernel ran, over the driver's last sample period. */
        UTILIZATION_GPU,
        /** Percent of time device memory was read or written. */
        UTILIZATION_MEMORY,
        /** Milliwatts, nvmlDeviceGetPowerUsage (a 1 s average on recent boards). */
        POWER,
        /** Milliwatts, the enforced limit. */
        POWER_LIMIT,
        /** Milliwatts, the management (configured) limit. */
        POWER_MANAGEMENT_LIMIT,
        /** Millijoules since the driver was last loaded: resets when it reloads, see {@link EnergyCounter}. */
        ENERGY,
        /** Degrees C, GPU die. */
        TEMPERATURE,
        /** MHz. */
        SM_CLOCK,
        /** MHz. */
        MEMORY_CLOCK,
        /** Bytes. */
        MEMORY_TOTAL,
        /** Bytes allocated (nvmlMemory_v2 semantics where the driver has it: without the reserved part). */
        MEMORY_USED,
        /** Bytes. */
        MEMORY_FREE,
        /** Bytes the driver and firmware reserve (only from nvmlDeviceGetMemoryInfo_v2). */
        MEMORY_RESERVED,
        /** Bit mask of nvmlClocksThrottleReason* / nvmlClocksEventReason*. */
        THROTTLE_REASONS,
        /** Percent of the fan's maximum speed. */
        FAN_SPEED,
        /** P-state, 0 (fastest) to 15; 32 means unknown. */
        PERFORMANCE_STATE,
        /** Distinct processes in the compute and graphics lists. */
        PROCESS_COUNT,
        /** Milliwatts, NVML_FI_DEV_POWER_INSTANT (R555+ drivers on boards that have it). */
        INSTANT_POWER;

        private static final Field[] ALL = values();

        static Field of(int ordinal) {
            return ALL[ordinal];
        }
    }

    private final int index;
    private final String uuid;
    private final String name;
    private final long present;
    private final long[] values;
    private final int[] failures;

    GpuSnapshot(int index, String uuid, String name, long present, long[] values, int[] failures) {
        this.index = index;
        this.uuid = uuid;
        this.name = name;
        this.present = present;
        this.values = values;
        this.failures = failures;
    }

    /** NVML's index of the GPU (for a MIG device: its parent's). */
    public int index() {
        return index;
    }

    public String uuid() {
        return uuid;
    }

    /** The model, e.g. "NVIDIA H100 80GB HBM3". */
    public String name() {
        return name;
    }

    public boolean has(Field field) {
        return (present & (1L << field.ordinal())) != 0;
    }

    /** The raw value in NVML's unit, if the driver answered. */
    public OptionalLong value(Field field) {
        return has(field) ? OptionalLong.of(values[field.ordinal()]) : OptionalLong.empty();
    }

    /** Why a field is absent when it is not simply unsupported. */
    public Optional<NvmlReturn> failure(Field field) {
        return failures == null || failures[field.ordinal()] == 0
                ? Optional.empty()
                : Optional.of(NvmlReturn.of(failures[field.ordinal()]));
    }

    private OptionalInt asInt(Field field) {
        return has(field) ? OptionalInt.of((int) values[field.ordinal()]) : OptionalInt.empty();
    }

    private OptionalDouble scaled(Field field, double factor) {
        return has(field) ? OptionalDouble.of(values[field.ordinal()] * factor) : OptionalDouble.empty();
    }

    public OptionalInt utilizationGpuPct() {
        return asInt(Field.UTILIZATION_GPU);
    }

    public OptionalInt utilizationMemoryPct() {
        return asInt(Field.UTILIZATION_MEMORY);
    }

    public OptionalLong powerMilliwatts() {
        return value(Field.POWER);
    }

    public OptionalDouble powerWatts() {
        return scaled(Field.POWER, 1e-3);
    }

    public OptionalDouble powerLimitWatts() {
        return scaled(Field.POWER_LIMIT, 1e-3);
    }

    public OptionalDouble powerManagementLimitWatts() {
        return scaled(Field.POWER_MANAGEMENT_LIMIT, 1e-3);
    }

    public OptionalDouble instantPowerWatts() {
        return scaled(Field.INSTANT_POWER, 1e-3);
    }

    /** The raw counter, millijoules since driver load. */
    public OptionalLong energyMillijoules() {
        return value(Field.ENERGY);
    }

    public OptionalInt temperatureC() {
        return asInt(Field.TEMPERATURE);
    }

    public OptionalInt smClockMhz() {
        return asInt(Field.SM_CLOCK);
    }

    public OptionalInt memoryClockMhz() {
        return asInt(Field.MEMORY_CLOCK);
    }

    public OptionalLong memoryTotalBytes() {
        return value(Field.MEMORY_TOTAL);
    }

    public OptionalLong memoryUsedBytes() {
        return value(Field.MEMORY_USED);
    }

    public OptionalLong memoryFreeBytes() {
        return value(Field.MEMORY_FREE);
    }

    public OptionalLong memoryReservedBytes() {
        return value(Field.MEMORY_RESERVED);
    }

    public OptionalLong throttleReasons() {
        return value(Field.THROTTLE_REASONS);
    }

    public OptionalInt fanSpeedPct() {
        return asInt(Field.FAN_SPEED);
    }

    public OptionalInt performanceState() {
        return asInt(Field.PERFORMANCE_STATE);
    }

    public OptionalInt processCount() {
        return asInt(Field.PROCESS_COUNT);
    }

    @Override
    public String toString() {
        StringBuilder b =
                new StringBuilder("GpuSnapshot[").append(index).append(' ').append(uuid);
        for (Field f : Field.values()) {
            if (has(f)) {
                b.append(", ").append(f).append('=').append(values[f.ordinal()]);
            } else if (failure(f).isPresent()) {
                b.append(", ").append(f).append(" failed ").append(failure(f).get());
            }
        }
        return b.append(']').toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GpuSnapshot s
                && s.index == index
                && s.present == present
                && s.uuid.equals(uuid)
                && Arrays.equals(s.values, values)
                && Arrays.equals(s.failures, failures);
    }

    @Override
    public int hashCode() {
        return 31 * Long.hashCode(present) + Arrays.hashCode(values);
    }
}

package io.wattguard.nvml;

import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * One nvmlFieldValue_t. NVML answers each requested field separately: {@code status} other than SUCCESS means this
 * field is absent (the call as a whole still succeeded).
 *
 * @param valueType nvmlValueType_t: 0 double, 1 unsigned int, 2 unsigned long, 3 unsigned long long, 4 signed long long
 * @param rawValue the 8 bytes of the nvmlValue_t union
 */
public record FieldValue(int fieldId, int scopeId, NvmlReturn status, long timestampUs, int valueType, long rawValue) {
    public static final int TOTAL_ENERGY_CONSUMPTION = 83;
    /** NVML_FI_DEV_POWER_INSTANT, milliwatts, defined from R555 on; older drivers answer it per field as unsupported. */
    public static final int POWER_INSTANT = 186;

    public boolean present() {
        return status == NvmlReturn.SUCCESS;
    }

    public OptionalLong asLong() {
        if (!present()) {
            return OptionalLong.empty();
        }
        return switch (valueType) {
            case 0 -> OptionalLong.of((long) Double.longBitsToDouble(rawValue));
            case 1 -> OptionalLong.of(rawValue & 0xFFFF_FFFFL);
            default -> OptionalLong.of(rawValue);
        };
    }

    public OptionalDouble asDouble() {
        if (!present()) {
            return OptionalDouble.empty();
        }
        return valueType == 0
                ? OptionalDouble.of(Double.longBitsToDouble(rawValue))
                : OptionalDouble.of(asLong().getAsLong());
    }
}

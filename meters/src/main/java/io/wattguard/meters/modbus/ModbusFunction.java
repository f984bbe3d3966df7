package io.wattguard.meters.modbus;

/**
 * The four Modbus data tables a meter exposes, with the read function code and the leading digit of the
 * Modicon reference number (0xxxx coils, 1xxxx discrete inputs, 3xxxx input registers, 4xxxx holding
 * registers) that vendor manuals use.
 */
public enum ModbusFunction {
    COIL(1, 0, true),
    DISCRETE_INPUT(2, 1, true),
    HOLDING(3, 4, false),
    INPUT(4, 3, false);

    private final int code;
    private final int referenceDigit;
    private final boolean bits;

    ModbusFunction(int code, int referenceDigit, boolean bits) {
        this.code = code;
        this.referenceDigit = referenceDigit;
        this.bits = bits;
    }

    /** The read function code on the wire (1 to 4). */
    public int code() {
        return code;
    }

    /** The leading digit of a Modicon reference number for this table. */
    public int referenceDigit() {
        return referenceDigit;
    }

    /** Coils and discrete inputs hold bits; the other two hold 16-bit registers. */
    public boolean isBits() {
        return bits;
    }

    public String word() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The table whose Modicon reference numbers start with {@code digit}, or null. */
    public static ModbusFunction ofReferenceDigit(int digit) {
        for (ModbusFunction f : values()) {
            if (f.referenceDigit == digit) {
                return f;
            }
        }
        return null;
    }
}

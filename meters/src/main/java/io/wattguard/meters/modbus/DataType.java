package io.wattguard.meters.modbus;

import java.util.Locale;

/** How the register words of one value are interpreted. */
public enum DataType {
    BIT(0, false),
    INT16(1, true),
    UINT16(1, false),
    INT32(2, true),
    UINT32(2, false),
    INT64(4, true),
    UINT64(4, false),
    FLOAT32(2, true),
    FLOAT64(4, true),
    /** ASCII, two characters a register; its length (in registers) is given by the map. */
    STRING(0, false);

    private final int words;
    private final boolean signed;

    DataType(int words, boolean signed) {
        this.words = words;
        this.signed = signed;
    }

    /** Registers this type occupies; 0 for bits and strings (strings carry their own length). */
    public int words() {
        return words;
    }

    public boolean isSigned() {
        return signed;
    }

    public boolean isFloat() {
        return this == FLOAT32 || this == FLOAT64;
    }

    public boolean isInteger() {
        return words > 0 && !isFloat();
    }

    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }
}

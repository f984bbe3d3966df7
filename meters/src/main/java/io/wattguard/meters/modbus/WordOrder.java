package io.wattguard.meters.modbus;

/**
 * Byte order of multi-register values, named as vendor manuals do by the position of the bytes of a 32-bit
 * value whose most significant byte is A. Modbus itself only fixes big-endian bytes within one register
 * (ABCD); devices differ in how they order the registers of a wider value.
 *
 * <ul>
 *   <li>ABCD: big-endian registers, big-endian bytes (the Modbus default, "high word first").</li>
 *   <li>CDAB: little-endian registers, big-endian bytes ("word swap", common on meters).</li>
 *   <li>BADC: big-endian registers, bytes swapped within each register.</li>
 *   <li>DCBA: fully little-endian.</li>
 * </ul>
 * For 64-bit values the same rule extends: CDAB reverses the order of all four registers.
 */
public enum WordOrder {
    ABCD(false, false),
    CDAB(true, false),
    BADC(false, true),
    DCBA(true, true);

    private final boolean wordsReversed;
    private final boolean bytesSwapped;

    WordOrder(boolean wordsReversed, boolean bytesSwapped) {
        this.wordsReversed = wordsReversed;
        this.bytesSwapped = bytesSwapped;
    }

    public boolean wordsReversed() {
        return wordsReversed;
    }

    public boolean bytesSwapped() {
        return bytesSwapped;
    }
}

package io.wattguard.meters.modbus;

/**
 * What a device answered to one read: the words or bits asked for, or a Modbus exception code.
 *
 * @param exceptionCode 0 for a normal answer, else the device's exception code (2: illegal data address, ...)
 */
public record Response(int exceptionCode, int[] words, boolean[] bits) {
    public static Response exception(int code) {
        return new Response(code, null, null);
    }

    public boolean isException() {
        return exceptionCode != 0;
    }

    /** The standard meaning of an exception code, for operators. */
    public static String describe(int code) {
        return switch (code) {
            case 1 -> "illegal function";
            case 2 -> "illegal data address";
            case 3 -> "illegal data value";
            case 4 -> "server device failure";
            case 5 -> "acknowledge";
            case 6 -> "server device busy";
            case 8 -> "memory parity error";
            case 10 -> "gateway path unavailable";
            case 11 -> "gateway target device failed to respond";
            default -> "unknown exception";
        };
    }
}

package io.wattguard.source.nvml;

import java.util.ArrayList;
import java.util.List;

/** NVML's clock throttle (clock event) reason bits in an operator's words, as nvidia-smi -q names them. */
public final class ThrottleReasons {
    private static final long[] BITS = {0x1, 0x2, 0x4, 0x8, 0x10, 0x20, 0x40, 0x80, 0x100};
    private static final String[] WORDS = {
        "idle",
        "applications clocks",
        "sw power cap",
        "hw slowdown",
        "sync boost",
        "sw thermal",
        "hw thermal",
        "hw power brake",
        "display clocks"
    };

    private ThrottleReasons() {}

    /** {@code none} for 0; unknown bits (a newer driver's) as hex, so nothing is hidden. */
    public static List<String> words(long mask) {
        List<String> out = new ArrayList<>();
        long rest = mask;
        for (int i = 0; i < BITS.length; i++) {
            if ((mask & BITS[i]) != 0) {
                out.add(WORDS[i]);
                rest &= ~BITS[i];
            }
        }
        if (rest != 0) {
            out.add("0x" + Long.toHexString(rest));
        }
        if (out.isEmpty()) {
            out.add("none");
        }
        return out;
    }
}

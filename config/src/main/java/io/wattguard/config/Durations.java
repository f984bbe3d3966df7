package io.wattguard.config;

import java.time.Duration;

/** Durations printed the way they are written in the config. */
public final class Durations {
    private Durations() {}

    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms == 0) {
            return "0s";
        }
        StringBuilder sb = new StringBuilder();
        long[] units = {86_400_000, 3_600_000, 60_000, 1_000, 1};
        String[] names = {"d", "h", "m", "s", "ms"};
        for (int i = 0; i < units.length; i++) {
            if (ms >= units[i]) {
                sb.append(ms / units[i]).append(names[i]);
                ms %= units[i];
            }
        }
        return sb.toString();
    }
}

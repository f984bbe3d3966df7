package io.wattguard.cli;

import io.wattguard.config.Durations;
import java.time.Duration;

/** One syntax for every duration option of the commands: the configuration's ({@code 500ms}, {@code 2s}, {@code 1m}). */
final class DurationOption {
    private DurationOption() {}

    /** {@code text} as a duration within {@code [min, max]}, else a {@link UserError} naming {@code option}. */
    static Duration parse(String option, String text, Duration min, Duration max) {
        Duration d = Durations.parse(text);
        if (d == null) {
            throw new UserError(option + ": expected a duration such as 500ms or 2s, found '" + text + "'");
        }
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            throw new UserError(option + ": expected " + Durations.format(min) + " to " + Durations.format(max)
                    + ", found " + text);
        }
        return d;
    }
}

package io.wattguard.alert;

import io.wattguard.analytics.Episode;
import java.time.Instant;
import java.util.Locale;

/** One message to one output: what happened to the episode, its state then, and when wattguard sent it. */
public record AlertEvent(Type type, Episode episode, Instant at) {

    public enum Type {
        /** The first message this output gets about the episode. */
        OPENED,
        /** Its severity rose above what this output was last sent. */
        ESCALATED,
        /** It ended. */
        CLOSED;

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}

package io.wattguard.alert;

import io.wattguard.analytics.Episode;
import java.time.Instant;
import java.util.Locale;

/**
 * One message to one output, and when wattguard sent it: either what happened to an anomaly episode, or the
 * monthly report. {@code min_severity} picks among episode events only; a report event goes to every output.
 */
public sealed interface AlertEvent permits AlertEvent.OfEpisode, AlertEvent.OfReport {
    Instant at();

    /** The value of {@code event} in JSON and {@code act} in CEF: opened, escalated, closed or report. */
    String word();

    /** For log lines: "episode ID opened", "report 2026-03". */
    String describe();

    /** What happened to the episode, and its state then. */
    record OfEpisode(Type type, Episode episode, Instant at) implements AlertEvent {
        @Override
        public String word() {
            return type.word();
        }

        @Override
        public String describe() {
            return "episode " + episode.id() + " " + type.word();
        }
    }

    /** The monthly report was written. */
    record OfReport(ReportSummary report, Instant at) implements AlertEvent {
        public static final String WORD = "report";

        @Override
        public String word() {
            return WORD;
        }

        @Override
        public String describe() {
            return "report " + report.month();
        }
    }

    enum Type {
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

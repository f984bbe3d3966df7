package io.wattguard.core;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/** A validated source configuration, ready to become a {@link Source}. */
public interface SourceSpec {
    /** The keys every source has. */
    record Common(String name, String type, Duration interval, Duration timeout, Map<String, String> tags) {}

    /** What a source may use from the daemon. */
    record Context(Clock clock, Topology topology, String instance) {}

    Common common();

    Source create(Context ctx) throws Exception;

    /** One line for {@code check-config}'s summary about what this source gives the analysis; empty for none. */
    default String note() {
        return "";
    }

    /** What a source needs to be created: its own validated settings and the daemon's context. */
    interface Creator {
        Source create(Context ctx) throws Exception;
    }

    /** The spec of a source made by {@code creator}: every factory's recipe is this pair. */
    static SourceSpec of(Common common, Creator creator) {
        return of(common, "", creator);
    }

    /** As {@link #of(Common, Creator)}, with a {@link #note()}. */
    static SourceSpec of(Common common, String note, Creator creator) {
        return new SourceSpec() {
            @Override
            public String note() {
                return note;
            }

            @Override
            public Common common() {
                return common;
            }

            @Override
            public Source create(Context ctx) throws Exception {
                return creator.create(ctx);
            }
        };
    }
}

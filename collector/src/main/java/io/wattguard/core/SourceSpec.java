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
}

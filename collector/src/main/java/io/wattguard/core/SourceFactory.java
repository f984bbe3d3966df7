package io.wattguard.core;

import io.wattguard.config.Section;

/**
 * One per source type, found through {@link java.util.ServiceLoader}, so a source package plugs in without
 * touching the daemon. {@link #read} validates the type's own keys (the common ones are already read) and
 * returns a recipe; nothing is opened until the daemon calls {@link SourceSpec#create}.
 */
public interface SourceFactory {
    /** The word used as {@code type:} in the config. */
    String type();

    /** One line for {@code check-config} and the docs. */
    String description();

    /**
     * Reads this type's keys. {@code topology} is the file's own, already read, so a source can check the
     * racks, rooms and hosts it names against it.
     */
    SourceSpec read(SourceSpec.Common common, Section section, Topology topology);
}

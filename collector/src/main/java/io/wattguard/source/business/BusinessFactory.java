package io.wattguard.source.business;

import io.wattguard.config.Section;
import io.wattguard.core.SourceFactory;
import io.wattguard.core.SourceSpec;
import io.wattguard.core.Topology;

/** {@code type: business}: business load from metrics already in InfluxDB, through InfluxQL mappings. */
public final class BusinessFactory implements SourceFactory {
    @Override
    public String type() {
        return "business";
    }

    @Override
    public String description() {
        return "business load (0..1 per host or rack) from metrics already in InfluxDB, through InfluxQL queries";
    }

    @Override
    public SourceSpec read(SourceSpec.Common common, Section section, Topology topology) {
        BusinessConfig config = BusinessConfig.read(section);
        return SourceSpec.of(common, ctx -> new BusinessSource(common, config));
    }
}

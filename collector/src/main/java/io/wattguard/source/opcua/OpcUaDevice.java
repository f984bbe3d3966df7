package io.wattguard.source.opcua;

import io.wattguard.meters.opcua.OpcUaMeterConfig;
import io.wattguard.source.meter.MeterPlace;

/**
 * One OPC UA meter of an {@code opcua} source and its place on the floor: the rack and room it measures and,
 * per channel, the host that channel feeds (an outlet of a PDU feeds one server). The place becomes the
 * topology tags of its {@code meter} points, so a rack's energy balance can compare the meter with its hosts.
 */
record OpcUaDevice(OpcUaMeterConfig meter, MeterPlace place) {
    String name() {
        return meter.device();
    }
}

package io.wattguard.source.opcua;

import io.wattguard.meters.opcua.OpcUaMeterConfig;
import java.util.Map;

/**
 * One OPC UA meter of an {@code opcua} source and its place on the floor: the rack and room it measures and,
 * per channel, the host that channel feeds (an outlet of a PDU feeds one server). The place becomes the
 * topology tags of its {@code meter} points, so a rack's energy balance can compare the meter with its hosts.
 */
record OpcUaDevice(OpcUaMeterConfig meter, String rack, String room, Map<String, String> hostByChannel) {
    OpcUaDevice {
        hostByChannel = Map.copyOf(hostByChannel);
    }

    String name() {
        return meter.device();
    }
}

package io.wattguard.meters;

/**
 * One value read from a PDU or meter, in the words of the {@code meter} measurement: the device, the channel
 * (outlet id, phase, or {@code total}), its kind ({@code outlet}, {@code inlet}, {@code branch}, {@code meter}),
 * the field ({@code power_w}, {@code energy_kwh}, ...) and the value after scaling. The collector groups
 * readings of one device, channel and timestamp into one point.
 *
 * @param uncertain the device said the value may be wrong (OPC UA Uncertain status); bad values are never
 *     turned into readings at all
 */
public record Reading(
        String device, String channel, String kind, String field, double value, long timestampMs, boolean uncertain) {
    public Reading {
        if (device == null || channel == null || kind == null || field == null) {
            throw new IllegalArgumentException("device, channel, kind and field are required");
        }
    }
}

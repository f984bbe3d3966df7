package io.wattguard.simulator.site;

/**
 * Ground truth for one episode the site injected: what happened ({@code scenario}), where ({@code level}
 * {@code host}, {@code rack} or {@code gpu}, sometimes {@code room}; {@code entity} the host, rack or room name,
 * or {@code HOST:INDEX} for a GPU), when
 * ({@code [startMs, endMs)}), and the true extra power it drew at the host's outlet or the rack's inlet.
 *
 * <p>{@code mining=false} marks benign events (training runs, backups, spikes, outlet bursts, dropouts, counter
 * resets) so a scorer can tell which false alarms they caused. For mining episodes, benign spikes and outlet
 * bursts {@code excessW} is
 * measured against the same site without that episode (same noise, same business load); for other benign
 * events it is the nominal extra load, or 0 where the event is not extra load (dropouts, resets).
 */
public record Label(
        String id,
        String scenario,
        String level,
        String entity,
        long startMs,
        long endMs,
        double excessW,
        boolean mining) {
    public long durationMs() {
        return endMs - startMs;
    }
}

package io.wattguard.meters.modbus;

import io.wattguard.meters.Reading;
import java.util.List;
import java.util.Map;

/**
 * What one poll of one device gave: readings for every value that came back, text values (model, serial
 * number) from string registers, and one message per read that failed. A failed read never hides the
 * values of the reads that worked.
 *
 * @param requests requests sent on the wire, retries included
 * @param elapsedNanos time the poll took
 * @param reachable false when the device could not be reached at all this poll
 */
public record PollResult(
        String device,
        long timestampMs,
        List<Reading> readings,
        Map<String, String> texts,
        List<String> errors,
        int requests,
        long elapsedNanos,
        boolean reachable) {
    public PollResult {
        readings = List.copyOf(readings);
        texts = Map.copyOf(texts);
        errors = List.copyOf(errors);
    }

    public boolean ok() {
        return errors.isEmpty();
    }
}

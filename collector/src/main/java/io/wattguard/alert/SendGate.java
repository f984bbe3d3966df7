package io.wattguard.alert;

import io.wattguard.analytics.Episode;
import io.wattguard.analytics.Episode.Severity;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Decides, for one output, which publishes of an episode become messages. The analysis engine republishes an
 * open episode at every step while it grows; a receiver wants to hear when it opens, when it gets worse and
 * when it ends. Per id an output sees: one {@code opened} (when the severity first reaches its minimum), zero
 * or more {@code escalated}, and one {@code closed} if it was told of the opening.
 */
final class SendGate {
    static final int DEFAULT_CAPACITY = 10_000;

    private final Severity min;
    /** Last severity sent per open episode id; access-ordered so that a full map forgets the stalest id. */
    private final Map<String, Severity> lastSent;

    SendGate(Severity min, int capacity) {
        this.min = min;
        this.lastSent = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Severity> eldest) {
                return size() > capacity;
            }
        };
    }

    /** The message type to send for this publish, or null to send nothing. */
    synchronized AlertEvent.Type decide(Episode e) {
        Severity last = lastSent.get(e.id());
        if (e.state() == Episode.State.CLOSED) {
            lastSent.remove(e.id());
            // An episode never sent (it opened and closed within one step, or was forgotten) is still worth one
            // message when severe enough: the receiver gets it whole, start and end, in the closing record.
            return last != null || reaches(e.severity()) ? AlertEvent.Type.CLOSED : null;
        }
        if (!reaches(e.severity())) {
            return null;
        }
        if (last == null) {
            lastSent.put(e.id(), e.severity());
            return AlertEvent.Type.OPENED;
        }
        if (e.severity().compareTo(last) > 0) {
            lastSent.put(e.id(), e.severity());
            return AlertEvent.Type.ESCALATED;
        }
        return null;
    }

    private boolean reaches(Severity s) {
        return s.compareTo(min) >= 0;
    }

    synchronized int tracked() {
        return lastSent.size();
    }
}

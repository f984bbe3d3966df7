package io.wattguard.simulator.site;

import java.util.ArrayList;
import java.util.List;

/** The events active at a step, for steps visited in non-decreasing order; events sorted by start. */
final class EventCursor {
    private final List<Event> events;
    private final ArrayList<Event> active = new ArrayList<>(4);
    private int next;
    private long firstEnd = Long.MAX_VALUE;

    EventCursor(List<Event> events) {
        this.events = events;
    }

    List<Event> advance(long step) {
        // Most steps nothing starts or ends: keep that path to two comparisons.
        if (firstEnd <= step) {
            active.removeIf(e -> e.end() <= step);
            firstEnd = Long.MAX_VALUE;
            for (int i = 0; i < active.size(); i++)
                firstEnd = Math.min(firstEnd, active.get(i).end());
        }
        while (next < events.size() && events.get(next).start() <= step) {
            Event e = events.get(next++);
            if (e.end() > step) {
                active.add(e);
                firstEnd = Math.min(firstEnd, e.end());
            }
        }
        return active;
    }
}

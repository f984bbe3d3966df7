package io.wattguard.simulator.site;

import java.util.ArrayList;
import java.util.List;

/** The events active at a step, for steps visited in non-decreasing order; events sorted by start. */
final class EventCursor {
    private final List<Event> events;
    private final ArrayList<Event> active = new ArrayList<>(4);
    private int next;

    EventCursor(List<Event> events) {
        this.events = events;
    }

    List<Event> advance(long step) {
        active.removeIf(e -> e.end() <= step);
        while (next < events.size() && events.get(next).start() <= step) {
            Event e = events.get(next++);
            if (e.end() > step) active.add(e);
        }
        return active;
    }
}

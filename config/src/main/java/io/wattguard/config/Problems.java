package io.wattguard.config;

import java.util.ArrayList;
import java.util.List;

/** Collects every problem found while reading a configuration, so the operator sees them all in one go. */
public final class Problems {
    private final List<Problem> list = new ArrayList<>();

    public void add(Problem p) {
        list.add(p);
    }

    /** A problem not tied to a key, e.g. a missing file. */
    public void add(String file, String message) {
        list.add(new Problem(file, 0, 0, "", message));
    }

    public boolean isEmpty() {
        return list.isEmpty();
    }

    public List<Problem> all() {
        return List.copyOf(list);
    }

    public void throwIfAny() {
        if (!list.isEmpty()) {
            throw new ConfigException(this);
        }
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (Problem p : list) {
            sb.append(p).append('\n');
        }
        return sb.toString();
    }
}

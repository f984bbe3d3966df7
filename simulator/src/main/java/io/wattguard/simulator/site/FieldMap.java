package io.wattguard.simulator.site;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * A read-only map over a shared key array and a per-point value array, in key order. Generating a month of a
 * site is mostly building these, so this avoids the per-entry objects of a HashMap and fixes the field order
 * that makes line protocol byte-for-byte reproducible.
 */
final class FieldMap extends AbstractMap<String, Object> {
    private final String[] keys;
    private final Object[] values;

    FieldMap(String[] keys, Object... values) {
        if (keys.length != values.length) throw new IllegalArgumentException("keys and values differ in length");
        this.keys = keys;
        this.values = values;
    }

    @Override
    public Object get(Object key) {
        for (int i = 0; i < keys.length; i++) if (keys[i].equals(key)) return values[i];
        return null;
    }

    @Override
    public boolean containsKey(Object key) {
        return get(key) != null;
    }

    @Override
    public int size() {
        return keys.length;
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
        return new AbstractSet<>() {
            @Override
            public Iterator<Entry<String, Object>> iterator() {
                return new Iterator<>() {
                    int i;

                    @Override
                    public boolean hasNext() {
                        return i < keys.length;
                    }

                    @Override
                    public Entry<String, Object> next() {
                        if (i >= keys.length) throw new NoSuchElementException();
                        Entry<String, Object> e = new SimpleImmutableEntry<>(keys[i], values[i]);
                        i++;
                        return e;
                    }
                };
            }

            @Override
            public int size() {
                return keys.length;
            }
        };
    }
}

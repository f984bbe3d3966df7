package io.wattguard.store.read;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rows of one measurement as the reader decoded them, column by column: the time, each selected field as a
 * number, a string or a boolean (or absent), and the tags of the series the row belongs to. The decoding
 * threads fill tables; the caller's thread replays them into {@code Readings}, so the consumer sees one thread.
 */
final class ResultTable {
    static final byte NULL = 0;
    static final byte NUM = 1;
    static final byte STR = 2;
    static final byte TRUE = 3;
    static final byte FALSE = 4;

    final int fields;
    private final List<String> fieldNames;
    private final List<String> tagKeys;
    int rows;
    long[] time;
    int[] series;
    byte[] kind;
    double[] num;
    String[] str;
    final List<String[]> tags = new ArrayList<>();

    /** Columns by name: {@code fieldNames} as selected, {@code tagKeys} as grouped by, each in query order. */
    ResultTable(List<String> fieldNames, List<String> tagKeys, int capacity) {
        this.fields = fieldNames.size();
        this.fieldNames = fieldNames;
        this.tagKeys = tagKeys;
        time = new long[capacity];
        series = new int[capacity];
        kind = new byte[capacity * fields];
        num = new double[capacity * fields];
        str = new String[capacity * fields];
    }

    /** Starts a series: the rows added next carry these tags (absent ones null). */
    void series(String[] seriesTags) {
        tags.add(seriesTags);
    }

    /** Adds a row, all fields absent until set; returns its index. */
    int row(long timeMs) {
        if (rows == time.length) {
            int cap = rows * 2;
            time = Arrays.copyOf(time, cap);
            series = Arrays.copyOf(series, cap);
            kind = Arrays.copyOf(kind, cap * fields);
            num = Arrays.copyOf(num, cap * fields);
            str = Arrays.copyOf(str, cap * fields);
        }
        time[rows] = timeMs;
        series[rows] = tags.size() - 1;
        int base = rows * fields;
        Arrays.fill(kind, base, base + fields, NULL);
        return rows++;
    }

    void num(int row, int field, double v) {
        kind[row * fields + field] = NUM;
        num[row * fields + field] = v;
    }

    void str(int row, int field, String v) {
        kind[row * fields + field] = STR;
        str[row * fields + field] = v;
    }

    void bool(int row, int field, boolean v) {
        kind[row * fields + field] = v ? TRUE : FALSE;
    }

    /** A field as a number, NaN unless the stored value was one. */
    double d(int row, int field) {
        int i = row * fields + field;
        return kind[i] == NUM ? num[i] : Double.NaN;
    }

    /** A field as a string, null unless the stored value was one. */
    String s(int row, int field) {
        int i = row * fields + field;
        return kind[i] == STR ? str[i] : null;
    }

    /** A boolean field, null unless the stored value was one. */
    Boolean bool(int row, int field) {
        byte k = kind[row * fields + field];
        return k == TRUE ? Boolean.TRUE : k == FALSE ? Boolean.FALSE : null;
    }

    String tag(int row, int tag) {
        return tags.get(series[row])[tag];
    }

    // By name: a short list's indexOf, and the names are the Schema's constants, so equals meets the same instance.

    String tag(int row, String key) {
        return tag(row, column(tagKeys, key));
    }

    double d(int row, String field) {
        return d(row, column(fieldNames, field));
    }

    String s(int row, String field) {
        return s(row, column(fieldNames, field));
    }

    Boolean bool(int row, String field) {
        return bool(row, column(fieldNames, field));
    }

    private static int column(List<String> names, String name) {
        int i = names.indexOf(name);
        if (i < 0) {
            throw new IllegalArgumentException("'" + name + "' was not asked for: " + names);
        }
        return i;
    }
}

package io.wattguard.store.read;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import org.msgpack.core.ExtensionTypeHeader;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;

/**
 * Decodes a chunked InfluxQL response of a raw {@code SELECT fields ... GROUP BY tags} into {@link ResultTable}s,
 * from MessagePack or JSON (whichever the server sent), without building trees: each chunk is
 * {@code {results:[{series:[{name, tags:{..}, columns:[time, ..], values:[[t, ..], ..]}], error?}], error?}}.
 * Columns are matched by name, tags by key; an empty tag value (InfluxDB's answer for a tag the points of a
 * group lack) is absent.
 */
final class ResultDecoder {
    private static final JsonFactory JSON = new JsonFactory();
    private static final byte MSGPACK_TIME = 5;

    interface Sink {
        void accept(ResultTable table) throws IOException;
    }

    private final List<String> fields;
    private final List<String> tagKeys;
    private final int flushRows;
    private final Sink sink;
    private ResultTable table;
    /** Per column of the current series: the field index it fills, -1 for time, -2 for none. */
    private int[] columns = new int[0];

    ResultDecoder(List<String> fields, List<String> tagKeys, int flushRows, Sink sink) {
        this.fields = fields;
        this.tagKeys = tagKeys;
        this.flushRows = flushRows;
        this.sink = sink;
    }

    /** Rows decoded so far are passed on; a table's series carry on into the next one. */
    private void flushIfFull() throws IOException {
        if (table != null && table.rows >= flushRows) {
            String[] last = table.tags.get(table.tags.size() - 1);
            sink.accept(table);
            table = newTable();
            table.series(last);
        }
    }

    private ResultTable newTable() {
        return new ResultTable(fields, tagKeys, Math.min(flushRows, 4096));
    }

    void finish() throws IOException {
        if (table != null && table.rows > 0) {
            sink.accept(table);
        }
        table = null;
    }

    private void startSeries(String[] tags) {
        if (table == null) {
            table = newTable();
        }
        table.series(tags);
    }

    private void setColumns(List<String> names) {
        columns = new int[names.size()];
        for (int i = 0; i < columns.length; i++) {
            String n = names.get(i);
            columns[i] = i == 0 && n.equals("time") ? -1 : fields.indexOf(n) < 0 ? -2 : fields.indexOf(n);
        }
    }

    // ---------------------------------------------------------------- MessagePack

    void msgpack(InputStream in) throws IOException {
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(in)) {
            while (u.hasNext()) {
                msgpackValue(u);
            }
        }
        finish();
    }

    private void msgpackValue(MessageUnpacker u) throws IOException {
        MessageFormat f = u.getNextFormat();
        switch (f.getValueType()) {
            case MAP -> msgpackMap(u);
            case ARRAY -> {
                int n = u.unpackArrayHeader();
                for (int i = 0; i < n; i++) {
                    msgpackValue(u);
                }
            }
            default -> u.skipValue();
        }
    }

    private void msgpackMap(MessageUnpacker u) throws IOException {
        int n = u.unpackMapHeader();
        String[] tags = null;
        java.util.ArrayList<String> cols = null;
        for (int i = 0; i < n; i++) {
            if (u.getNextFormat().getValueType() != org.msgpack.value.ValueType.STRING) {
                u.skipValue();
                u.skipValue();
                continue;
            }
            String key = u.unpackString();
            switch (key) {
                case "error" ->
                    throw new InfluxQueryError(
                            u.getNextFormat().getValueType() == org.msgpack.value.ValueType.STRING
                                    ? u.unpackString()
                                    : "error");
                case "tags" -> {
                    tags = new String[tagKeys.size()];
                    if (u.getNextFormat().getValueType() != org.msgpack.value.ValueType.MAP) {
                        u.skipValue();
                        break;
                    }
                    int m = u.unpackMapHeader();
                    for (int j = 0; j < m; j++) {
                        String k = u.unpackString();
                        String v = u.getNextFormat().getValueType() == org.msgpack.value.ValueType.STRING
                                ? u.unpackString()
                                : skipNull(u);
                        int at = tagKeys.indexOf(k);
                        if (at >= 0 && v != null && !v.isEmpty()) {
                            tags[at] = v;
                        }
                    }
                }
                case "columns" -> {
                    int m = u.unpackArrayHeader();
                    cols = new java.util.ArrayList<>(m);
                    for (int j = 0; j < m; j++) {
                        cols.add(u.unpackString());
                    }
                    setColumns(cols);
                }
                case "values" -> {
                    startSeries(tags == null ? new String[tagKeys.size()] : tags);
                    msgpackRows(u);
                }
                default -> msgpackValue(u);
            }
        }
    }

    private static String skipNull(MessageUnpacker u) throws IOException {
        u.skipValue();
        return null;
    }

    private void msgpackRows(MessageUnpacker u) throws IOException {
        if (u.getNextFormat().getValueType() != org.msgpack.value.ValueType.ARRAY) {
            u.skipValue();
            return;
        }
        int rows = u.unpackArrayHeader();
        for (int r = 0; r < rows; r++) {
            int cells = u.unpackArrayHeader();
            int row = -1;
            for (int c = 0; c < cells; c++) {
                int to = c < columns.length ? columns[c] : -2;
                MessageFormat f = u.getNextFormat();
                if (to == -1) {
                    row = table.row(msgpackTime(u, f));
                    continue;
                }
                if (to == -2 || row < 0) {
                    u.skipValue();
                    continue;
                }
                switch (f.getValueType()) {
                    case FLOAT -> table.num(row, to, u.unpackDouble());
                    case INTEGER ->
                        table.num(
                                row,
                                to,
                                f == MessageFormat.UINT64 ? u.unpackBigInteger().doubleValue() : u.unpackLong());
                    case STRING -> table.str(row, to, u.unpackString());
                    case BOOLEAN -> table.bool(row, to, u.unpackBoolean());
                    default -> u.skipValue();
                }
            }
            flushIfFull();
        }
    }

    private static long msgpackTime(MessageUnpacker u, MessageFormat f) throws IOException {
        if (f.getValueType() == org.msgpack.value.ValueType.EXTENSION) {
            ExtensionTypeHeader h = u.unpackExtensionTypeHeader();
            byte[] b = u.readPayload(h.getLength());
            if (h.getType() != MSGPACK_TIME || b.length < 12) {
                throw new IOException("unexpected time value (MessagePack extension " + h.getType() + ")");
            }
            ByteBuffer bb = ByteBuffer.wrap(b);
            return bb.getLong() * 1000 + bb.getInt(8) / 1_000_000;
        }
        return u.unpackLong();
    }

    // ---------------------------------------------------------------- JSON

    void json(InputStream in) throws IOException {
        try (JsonParser p = JSON.createParser(in)) {
            String[] tags = null;
            JsonToken tok;
            while ((tok = p.nextToken()) != null) {
                if (tok != JsonToken.FIELD_NAME) {
                    continue;
                }
                switch (p.currentName()) {
                    case "error" -> {
                        p.nextToken();
                        throw new InfluxQueryError(p.getText());
                    }
                    case "series" -> tags = null;
                    case "tags" -> {
                        tags = new String[tagKeys.size()];
                        if (p.nextToken() != JsonToken.START_OBJECT) {
                            p.skipChildren();
                            break;
                        }
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            int at = tagKeys.indexOf(p.currentName());
                            p.nextToken();
                            String v = p.currentToken() == JsonToken.VALUE_STRING ? p.getText() : null;
                            if (at >= 0 && v != null && !v.isEmpty()) {
                                tags[at] = v;
                            }
                            p.skipChildren();
                        }
                    }
                    case "columns" -> {
                        p.nextToken();
                        java.util.ArrayList<String> cols = new java.util.ArrayList<>();
                        while (p.nextToken() == JsonToken.VALUE_STRING) {
                            cols.add(p.getText());
                        }
                        setColumns(cols);
                    }
                    case "values" -> {
                        startSeries(tags == null ? new String[tagKeys.size()] : tags);
                        tags = null;
                        jsonRows(p);
                    }
                    default -> {}
                }
            }
        }
        finish();
    }

    private void jsonRows(JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_ARRAY) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() == JsonToken.START_ARRAY) {
            int row = -1;
            int c = 0;
            JsonToken tok;
            while ((tok = p.nextToken()) != JsonToken.END_ARRAY) {
                int to = c < columns.length ? columns[c] : -2;
                c++;
                if (to == -1) {
                    row = table.row(p.getLongValue());
                    continue;
                }
                if (to == -2 || row < 0) {
                    p.skipChildren();
                    continue;
                }
                switch (tok) {
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> table.num(row, to, p.getDoubleValue());
                    case VALUE_STRING -> table.str(row, to, p.getText());
                    case VALUE_TRUE -> table.bool(row, to, true);
                    case VALUE_FALSE -> table.bool(row, to, false);
                    default -> p.skipChildren();
                }
            }
            flushIfFull();
        }
    }

    /** An error InfluxDB reported inside a response (bad database, bad query, a limit hit). */
    static final class InfluxQueryError extends IOException {
        InfluxQueryError(String message) {
            super(message);
        }
    }
}

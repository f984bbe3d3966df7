package io.wattguard.store.read;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;
import org.msgpack.value.Value;

/**
 * The text of an error answer from InfluxDB. Queries ask for MessagePack, and influxd answers an error in the
 * format asked for ({@code {"error": "authorization failed"}} as a MessagePack map), which read as text is
 * "��error�authorization failed". So the body is read as MessagePack first, then JSON, then plain text (a proxy's
 * page), whatever the content type says.
 */
final class ErrorAnswer {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A proxy's HTML page can be long; /health and the log need its start. */
    private static final int MAX_TEXT = 300;

    private ErrorAnswer() {}

    static String text(byte[] body) {
        String s = fromMsgpack(body);
        if (s == null) {
            s = fromJson(body);
        }
        if (s == null) {
            s = new String(body, StandardCharsets.UTF_8).strip();
        }
        s = s.replaceAll("\\p{Cntrl}+", " ").strip();
        return s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT) + "…";
    }

    /** The "error" (InfluxDB 1.x) or "message" (2.x) of a MessagePack map that is the whole body, else null. */
    private static String fromMsgpack(byte[] body) {
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(body)) {
            if (!u.hasNext() || !u.getNextFormat().getValueType().isMapType()) {
                return null;
            }
            Value v = u.unpackValue();
            if (u.hasNext()) {
                return null; // more than one value: not a MessagePack answer
            }
            for (var e : v.asMapValue().entrySet()) {
                String key =
                        e.getKey().isStringValue() ? e.getKey().asStringValue().asString() : "";
                if ((key.equals("error") || key.equals("message"))
                        && e.getValue().isStringValue()) {
                    return e.getValue().asStringValue().asString();
                }
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String fromJson(byte[] body) {
        try {
            JsonNode n = JSON.readTree(body);
            if (n == null || !n.isObject()) {
                return null;
            }
            JsonNode m = n.hasNonNull("error") ? n.get("error") : n.get("message");
            return m != null && m.isTextual() ? m.asText() : null;
        } catch (IOException e) {
            return null;
        }
    }
}

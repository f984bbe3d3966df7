package io.wattguard.alert;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wattguard.analytics.Episode;
import java.time.Instant;

/**
 * The JSON object of one event, shared by the JSON-lines file and the webhooks so both carry the same fields
 * (docs/alerts.md lists them). Times come twice: ISO-8601 UTC for people and epoch ms for programs.
 */
final class EventJson {
    private final ObjectMapper mapper;
    private final String currency;
    private final String instance;

    EventJson(ObjectMapper mapper, String currency, String instance) {
        this.mapper = mapper;
        this.currency = currency;
        this.instance = instance;
    }

    ObjectNode tree(AlertEvent ev) {
        if (ev instanceof AlertEvent.OfReport r) {
            return report(r.report());
        }
        AlertEvent.OfEpisode oe = (AlertEvent.OfEpisode) ev;
        Episode e = oe.episode();
        ObjectNode o = mapper.createObjectNode();
        o.put("event", oe.word());
        o.put("id", e.id());
        o.put("entity", e.entity());
        o.put("level", e.level());
        o.put("kind", e.kind());
        o.put("state", e.state().word());
        o.put("severity", e.severity().word());
        o.put("title", e.title());
        number(o, "excess_w", e.excessW());
        number(o, "peak_excess_w", e.peakExcessW());
        number(o, "energy_kwh", e.energyKwh());
        number(o, "cost", e.cost());
        o.put("currency", currency);
        number(o, "score", e.score());
        time(o, "started", e.startedMs());
        time(o, "detected", e.detectedMs());
        // An open episode has no end yet (the detector writes 0): null says so, where 0 would read as 1970.
        time(o, "ended", e.state() == Episode.State.CLOSED ? e.endedMs() : 0);
        time(o, "updated", e.updatedMs());
        o.put("instance", instance);
        o.set("evidence", evidence(e.evidenceJson()));
        return o;
    }

    /**
     * The monthly report: its own fields, not an episode's. Its currency is the report's (the tariff's), the one
     * its costs were computed in.
     */
    private ObjectNode report(ReportSummary r) {
        ObjectNode o = mapper.createObjectNode();
        o.put("event", AlertEvent.OfReport.WORD);
        o.put("id", r.id());
        o.put("month", r.month());
        o.put("site", r.site());
        o.put("title", r.title());
        time(o, "from", r.fromMs());
        time(o, "to", r.toMs());
        o.put("dir", r.dir().toString());
        ArrayNode files = o.putArray("files");
        r.files().forEach(f -> files.add(f.toString()));
        number(o, "energy_kwh", r.energyKwh());
        number(o, "cost", r.cost());
        o.put("currency", r.currency());
        number(o, "unexplained_kwh", r.unexplainedKwh());
        number(o, "unexplained_cost", r.unexplainedCost());
        o.put("episodes", r.episodes());
        ObjectNode sev = o.putObject("episodes_by_severity");
        for (Episode.Severity s : Episode.Severity.values()) {
            sev.put(s.word(), r.episodesBySeverity().getOrDefault(s.word(), 0));
        }
        o.put("days_with_data", r.daysWithData());
        o.put("days", r.days());
        o.put("instance", instance);
        return o;
    }

    byte[] bytes(AlertEvent ev) {
        try {
            return mapper.writeValueAsBytes(tree(ev));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write an event as JSON", e); // a tree of plain values always can
        }
    }

    /** Non-finite numbers are not JSON; null keeps every line parseable. */
    private static void number(ObjectNode o, String key, double v) {
        if (Double.isFinite(v)) {
            o.put(key, v);
        } else {
            o.putNull(key);
        }
    }

    private static void time(ObjectNode o, String key, long ms) {
        if (ms > 0) {
            o.put(key, Instant.ofEpochMilli(ms).toString());
            o.put(key + "_ms", ms);
        } else {
            o.putNull(key);
            o.putNull(key + "_ms");
        }
    }

    /** Embedded as an object so receivers need not parse a string inside JSON; kept as text if it is not one. */
    private JsonNode evidence(String json) {
        if (json == null || json.isBlank()) {
            return mapper.createObjectNode();
        }
        try {
            JsonNode n = mapper.readTree(json);
            if (n != null && n.isObject()) {
                return n;
            }
        } catch (JsonProcessingException e) {
            // fall through: the analysis engine wrote something that is not an object; keep it readable
        }
        return mapper.createObjectNode().put("unparsed", json);
    }
}

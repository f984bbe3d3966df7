package io.wattguard.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wattguard.analytics.Episode.Severity;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlOutputTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-11-24T17:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("state/alerts/anomalies.jsonl");
    }

    private Alerts alerts(String minSeverity) {
        AlertSettings s = AlertConfigs.ok(dir, """
                alerts:
                  currency: EUR
                  jsonl: { path: state/alerts/anomalies.jsonl, min_severity: %s }
                """.formatted(minSeverity), Map.of());
        Alerts a = Alerts.create(s, CLOCK, "collector-1");
        a.start();
        return a;
    }

    private List<JsonNode> lines() throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String l : Files.readAllLines(file())) {
            out.add(JSON.readTree(l));
        }
        return out;
    }

    @Test
    void aGrowingEpisodeIsThreeLinesOpenedEscalatedClosed() throws Exception {
        try (Alerts a = alerts("low")) {
            for (int step = 0; step < 20; step++) { // the engine republishes the open episode at every step
                a.publish(Episodes.open("ep-1", step < 10 ? Severity.MEDIUM : Severity.HIGH, step));
            }
            a.publish(Episodes.open("ep-1", Severity.MEDIUM, 20)); // a lower severity is not news
            a.publish(Episodes.closed("ep-1", Severity.HIGH, 21));
        }
        List<JsonNode> l = lines();
        assertEquals(
                List.of("opened", "escalated", "closed"),
                l.stream().map(n -> n.get("event").asText()).toList());
        JsonNode opened = l.get(0);
        assertEquals("ep-1", opened.get("id").asText());
        assertEquals("gpu-07", opened.get("entity").asText());
        assertEquals("host", opened.get("level").asText());
        assertEquals("miner_process", opened.get("kind").asText());
        assertEquals("open", opened.get("state").asText());
        assertEquals("medium", opened.get("severity").asText());
        assertEquals("Mining process on gpu-07", opened.get("title").asText());
        assertEquals(250.0, opened.get("excess_w").asDouble());
        assertEquals(300.0, opened.get("peak_excess_w").asDouble());
        assertEquals("EUR", opened.get("currency").asText());
        assertEquals(0.9, opened.get("score").asDouble());
        assertEquals("2025-11-24T16:00:00Z", opened.get("started").asText());
        assertEquals(Episodes.T0, opened.get("started_ms").asLong());
        assertEquals("2025-11-24T16:05:00Z", opened.get("detected").asText());
        assertEquals(Episodes.T0 + 5 * Episodes.STEP, opened.get("detected_ms").asLong());
        assertTrue(opened.get("ended").isNull() && opened.get("ended_ms").isNull(), "open: no end yet " + opened);
        assertEquals("collector-1", opened.get("instance").asText());
        assertTrue(opened.get("evidence").isObject(), "evidence is an object, not a string: " + opened);
        assertEquals("/tmp/.x/xmrig", opened.at("/evidence/processes/0/exe").asText());
        JsonNode escalated = l.get(1);
        assertEquals("high", escalated.get("severity").asText());
        assertEquals(260.0, escalated.get("excess_w").asDouble(), "the state at the step it escalated");
        JsonNode closed = l.get(2);
        assertEquals("closed", closed.get("state").asText());
        assertEquals(Episodes.T0 + 25 * Episodes.STEP, closed.get("ended_ms").asLong());
        assertEquals(Math.round(0.03 * 21 * 1000), Math.round(closed.get("cost").asDouble() * 1000));
    }

    @Test
    void fileIsPrivateAndItsNewFolderToo() throws Exception {
        try (Alerts a = alerts("low")) {
            a.publish(Episodes.open("ep-p", Severity.LOW, 0));
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file())));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file().getParent())));
        try (Alerts a = alerts("low")) { // appended, not truncated, by the next run
            a.publish(Episodes.open("ep-q", Severity.LOW, 0));
        }
        assertEquals(
                List.of("ep-p", "ep-q"),
                lines().stream().map(n -> n.get("id").asText()).toList());
    }

    @Test
    void minSeverityFiltersAndTheFirstLineIsWhenItIsReached() throws Exception {
        try (Alerts a = alerts("high")) {
            a.publish(Episodes.open("low-only", Severity.LOW, 0));
            a.publish(Episodes.closed("low-only", Severity.LOW, 1));
            a.publish(Episodes.open("grows", Severity.MEDIUM, 0));
            a.publish(Episodes.open("grows", Severity.HIGH, 1));
            a.publish(Episodes.open("grows", Severity.CRITICAL, 2));
            a.publish(Episodes.closed("grows", Severity.MEDIUM, 3)); // sent: its opening was
        }
        List<JsonNode> l = lines();
        assertEquals(
                List.of("grows opened high", "grows escalated critical", "grows closed medium"),
                l.stream()
                        .map(n -> n.get("id").asText() + " " + n.get("event").asText() + " "
                                + n.get("severity").asText())
                        .toList());
    }

    @Test
    void aFileMovedAwayByLogrotateIsStartedAgain() throws Exception {
        try (Alerts a = alerts("low")) {
            a.publish(Episodes.open("before", Severity.LOW, 0));
            Eventually.await(Duration.ofSeconds(5), () -> a.stats().get(0).sent() == 1, () -> a.stats()
                    .toString());
            Path rotated = file().resolveSibling("anomalies.jsonl.1");
            Files.move(file(), rotated);
            a.publish(Episodes.open("after", Severity.LOW, 0));
            Eventually.await(Duration.ofSeconds(5), () -> a.stats().get(0).sent() == 2, () -> a.stats()
                    .toString());
            List<String> old = new ArrayList<>();
            for (String l : Files.readAllLines(rotated)) {
                old.add(JSON.readTree(l).get("id").asText());
            }
            assertEquals(List.of("before"), old, "nothing written into the rotated file");
        }
        assertEquals(
                List.of("after"),
                lines().stream().map(n -> n.get("id").asText()).toList());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file())));
    }

    @Test
    void closeIsIdempotentAndSafeWithoutStart() {
        AlertSettings s = AlertConfigs.ok(dir, "alerts: { jsonl: { path: x.jsonl } }\n", Map.of());
        Alerts a = Alerts.create(s, CLOCK, "h");
        a.publish(Episodes.open("never-started", Severity.HIGH, 0));
        a.close();
        a.close();
        assertEquals(1, a.stats().get(0).dropped(), "queued but never started: counted as dropped");
        assertTrue(!Files.exists(dir.resolve("x.jsonl")), "nothing opened without start");
        Alerts.create(AlertSettings.none(), CLOCK, "h").close();
    }

    @Test
    void countsSentPerOutput() throws Exception {
        Alerts a = alerts("low");
        a.publish(Episodes.open("c", Severity.LOW, 0));
        Eventually.await(Duration.ofSeconds(5), () -> a.stats().get(0).sent() == 1, () -> a.stats()
                .toString());
        a.close();
        OutputStats st = a.stats().get(0);
        assertEquals(new OutputStats("jsonl", "jsonl", 1, 0, 0, 0), st);
    }
}

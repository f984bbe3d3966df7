package io.wattguard.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.alert.AlertSettings.Facility;
import io.wattguard.alert.AlertSettings.Protocol;
import io.wattguard.analytics.Episode.Severity;
import io.wattguard.config.Problem;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlertSettingsTest {
    @TempDir
    Path dir;

    @Test
    void readsEveryOutputWithDefaults() {
        AlertSettings s = AlertConfigs.ok(dir, """
                alerts:
                  currency: EUR
                  jsonl: { path: out/anomalies.jsonl, min_severity: medium }
                  webhooks:
                    - { name: chat, url: https://hooks.example/x/SECRETPATH, token_env: HOOK_TOKEN, timeout: 2s, min_severity: high, max_queue: 10 }
                  syslog:
                    - { name: siem, host: 127.0.0.1, port: 6514, protocol: tcp, facility: local3, app_name: wg, min_severity: critical }
                    - { host: siem.example }
                """, Map.of("HOOK_TOKEN", "s3cr3t-token"));
        assertEquals("EUR", s.currency());
        assertEquals(dir.resolve("out/anomalies.jsonl"), s.jsonl().path(), "relative to the config file's folder");
        assertEquals(Severity.MEDIUM, s.jsonl().minSeverity());
        AlertSettings.Webhook w = s.webhooks().get(0);
        assertEquals("chat", w.name());
        assertEquals("s3cr3t-token", w.token().reveal());
        assertEquals(Duration.ofSeconds(2), w.timeout());
        assertEquals(Severity.HIGH, w.minSeverity());
        assertEquals(10, w.maxQueue());
        assertFalse(w.toString().contains("s3cr3t-token"), w.toString());
        assertFalse(w.toString().contains("SECRETPATH"), "a webhook URL's path is often its secret: " + w);
        assertFalse(s.toString().contains("s3cr3t-token"), s.toString());
        AlertSettings.Syslog siem = s.syslog().get(0);
        assertEquals(Protocol.TCP, siem.protocol());
        assertEquals(Facility.LOCAL3, siem.facility());
        assertEquals(19, siem.facility().code());
        assertEquals("wg", siem.appName());
        assertEquals(8192, siem.maxMessage());
        AlertSettings.Syslog dflt = s.syslog().get(1);
        assertEquals("syslog-1", dflt.name());
        assertEquals(514, dflt.port());
        assertEquals(Protocol.UDP, dflt.protocol());
        assertEquals(Facility.LOCAL0, dflt.facility());
        assertEquals("wattguard", dflt.appName());
        assertEquals(Severity.LOW, dflt.minSeverity());
        assertEquals(2048, dflt.maxMessage());
    }

    @Test
    void absentSectionMeansNoOutputs() {
        AlertSettings s = AlertConfigs.ok(dir, "{}\n", Map.of());
        assertTrue(s.isEmpty());
        assertNull(s.currency());
        assertEquals("EUR", s.withDefaultCurrency("EUR").currency(), "the tariff's currency fills in");
        assertNull(s.withDefaultCurrency("").currency(), "a blank tariff currency is none");
        assertEquals(
                "USD", s.withDefaultCurrency("USD").withDefaultCurrency("EUR").currency(), "alerts.currency wins");
    }

    @Test
    void everyProblemIsReportedAtOnceWithItsKeyPath() {
        AlertConfigs.Read r = AlertConfigs.read(dir, """
                alerts:
                  currency: euro
                  jsonl: { min_severity: hihg }
                  webhooks:
                    - { name: chat, url: ftp://hooks.example/x, token: literal, timeout: forever }
                    - { name: chat, token_env: UNSET_VAR }
                  syslog:
                    - { host: 127.0.0.1, port: 70000, protocol: tcpp, facility: locl0, app_name: "has space", min_severity: urgent, colour: red }
                """, Map.of());
        List<String> got = r.problems().all().stream()
                .map(p -> p.path() + ": " + p.message())
                .collect(Collectors.toList());
        String all = String.join("\n", got);
        String[][] expected = {
            {"alerts.currency", "ISO 4217"},
            {"alerts.jsonl.path", "missing required key 'path'"},
            {"alerts.jsonl.min_severity", "expected one of low, medium, high, critical"},
            {"alerts.jsonl.min_severity", "did you mean 'high'"},
            {"alerts.webhooks[0].url", "scheme https or http"},
            {"alerts.webhooks[0].token", "secrets are not written in the file"},
            {"alerts.webhooks[0].timeout", "expected a duration"},
            {"alerts.webhooks[1].name", "duplicate output name 'chat'"},
            {"alerts.webhooks[1].url", "missing required key 'url'"},
            {"alerts.webhooks[1].token_env", "UNSET_VAR is not set"},
            {"alerts.syslog[0].port", "expected an integer from 1 to 65535, found 70000"},
            {"alerts.syslog[0].protocol", "expected one of udp, tcp"},
            {"alerts.syslog[0].protocol", "did you mean 'tcp'"},
            {"alerts.syslog[0].facility", "did you mean 'local0'"},
            {"alerts.syslog[0].app_name", "APP-NAME"},
            {"alerts.syslog[0].min_severity", "expected one of low, medium, high, critical"},
            {"alerts.syslog[0].colour", "unknown key"},
        };
        for (String[] e : expected) {
            assertTrue(
                    got.stream().anyMatch(l -> l.startsWith(e[0] + ": ") && l.contains(e[1])),
                    "expected a problem at " + e[0] + " saying '" + e[1] + "' in:\n" + all);
        }
        assertFalse(all.contains("literal"), "the literal secret is not echoed back: " + all);
        for (Problem p : r.problems().all()) {
            assertTrue(p.line() > 0, "every problem has its line in the file: " + p);
        }
    }
}

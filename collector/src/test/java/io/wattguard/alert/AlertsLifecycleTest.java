package io.wattguard.alert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.analytics.Episode.Severity;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every output type at once: close() twice, close() without start(), and a bounded close() when receivers are down. */
class AlertsLifecycleTest {
    @TempDir
    Path dir;

    private AlertSettings allDown(String drain) throws Exception {
        int refused;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            refused = s.getLocalPort();
        }
        return AlertConfigs.ok(dir, """
                alerts:
                  drain_timeout: %s
                  jsonl: { path: a/b.jsonl }
                  webhooks: [ { url: "http://127.0.0.1:%d/x", max_attempts: 100, retry_backoff: 1s } ]
                  syslog:
                    - { host: 127.0.0.1, port: %d, protocol: tcp, max_attempts: 100, retry_backoff: 1s }
                    - { host: 127.0.0.1, port: %d, protocol: udp }
                """.formatted(drain, refused, refused, refused), Map.of());
    }

    @Test
    void closeTwiceAndWithoutStart() throws Exception {
        Alerts a = Alerts.create(allDown("1s"), Clock.systemUTC(), "h");
        assertEquals(
                List.of("jsonl", "webhook-0", "syslog-0", "syslog-1"),
                a.stats().stream().map(OutputStats::name).toList());
        a.close();
        a.close();
        a.start(); // after close: nothing starts
        a.publish(Episodes.open("late", Severity.HIGH, 0));
        a.stats().forEach(s -> assertEquals(1, s.dropped(), "published after close is dropped and counted: " + s));
    }

    @Test
    void closeIsBoundedWhileReceiversAreDown() throws Exception {
        Alerts a = Alerts.create(allDown("300ms"), Clock.systemUTC(), "h");
        a.start();
        for (int i = 0; i < 5; i++) {
            a.publish(Episodes.open("down-" + i, Severity.HIGH, 0));
        }
        Thread.sleep(200);
        long t0 = System.nanoTime();
        a.close();
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 3_000, "close took " + ms + " ms with a 300ms drain timeout");
        OutputStats jsonl = a.stats().get(0);
        assertEquals(5, jsonl.sent(), jsonl.toString());
        for (OutputStats s : a.stats().subList(1, 3)) {
            assertEquals(0, s.sent(), s.toString());
            assertEquals(5, s.failed() + s.dropped(), "every event is accounted for: " + s);
        }
        assertEquals(5, a.stats().get(3).sent(), "UDP cannot know nobody listens");
    }
}

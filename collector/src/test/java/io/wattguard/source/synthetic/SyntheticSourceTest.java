package io.wattguard.source.synthetic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.core.Sample;
import io.wattguard.core.Source;
import io.wattguard.core.SourceSpec;
import io.wattguard.core.Topology;
import io.wattguard.daemon.Settings;
import io.wattguard.testing.Configs;
import io.wattguard.testing.Polls;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticSourceTest {
    @TempDir
    Path tmp;

    @Test
    void everyGeneratorGivesItsValueAtTheTick() throws Exception {
        Settings settings = Configs.load(tmp, """
                sources:
                  - name: s
                    type: synthetic
                    tags: {site_source: lab}
                    series:
                      - measurement: gpu
                        repeat: 3
                        tags: {host: "gpu-{i:02}", gpu: "{i}"}
                        fields:
                          c: 7.5
                          sine: {sine: {mean: 100, amplitude: 50, period: 4s}}
                          energy_j: {counter: {rate: 300}}
                          limit: {steps: {initial: 400, at: [{time: "1970-01-01T00:00:05Z", value: 250}]}}
                          walk: {random_walk: {start: 50, step: 5, min: 0, max: 100}}
                """);
        Source s = settings.sources().get(0).create(new SourceSpec.Context(Clock.systemUTC(), Topology.empty(), "i"));
        List<Sample> at1s = Polls.poll(s, 1000);
        assertEquals(3, at1s.size());
        assertEquals(
                List.of("gpu-01", "gpu-02", "gpu-03"),
                at1s.stream().map(x -> x.tag("host")).toList());
        assertEquals("3", at1s.get(2).tag("gpu"));
        assertEquals("lab", at1s.get(0).tag("site_source"));
        Sample a = at1s.get(0);
        assertEquals(1000, a.timestampMs());
        assertEquals(7.5, a.field("c"));
        assertEquals(150.0, (Double) a.field("sine"), 1e-9); // a quarter period: the crest
        assertEquals(300.0, a.field("energy_j"));
        assertEquals(400.0, a.field("limit"));
        Sample later = Polls.poll(s, 6000).get(0);
        assertEquals(250.0, later.field("limit"));
        assertEquals(1800.0, later.field("energy_j"));
        double w = (Double) later.field("walk");
        assertTrue(w >= 0 && w <= 100 && Math.abs(w - (Double) a.field("walk")) <= 5, "bounded steps: " + w);
    }

    @Test
    void sameSeedSameSeries() throws Exception {
        String yaml = """
                sources:
                  - name: s
                    type: synthetic
                    seed: 42
                    series: [{measurement: host, fields: {cpu_util_pct: {random_walk: {start: 50, step: 3}}}}]
                """;
        List<Double> first = new ArrayList<>();
        List<Double> second = new ArrayList<>();
        for (List<Double> into : List.of(first, second)) {
            Source s = Configs.load(tmp, yaml)
                    .sources()
                    .get(0)
                    .create(new SourceSpec.Context(Clock.systemUTC(), Topology.empty(), "i"));
            for (long t = 0; t < 50_000; t += 1000) {
                into.add((Double) Polls.poll(s, t).get(0).field("cpu_util_pct"));
            }
        }
        assertEquals(first, second);
    }

    @Test
    void indexPlaceholders() {
        assertEquals("gpu-07", SyntheticFactory.expand("gpu-{i:02}", 7));
        assertEquals("rack-12-gpu-12", SyntheticFactory.expand("rack-{i}-gpu-{i}", 12));
        assertEquals("pdu-007", SyntheticFactory.expand("pdu-{i:03}", 7));
    }
}

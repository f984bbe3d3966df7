package io.wattguard.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wattguard.daemon.Settings;
import io.wattguard.testing.Configs;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TopologyTest {
    @TempDir
    Path tmp;

    @Test
    void placeTagsAreAddedFromTheMostSpecificKnownEntityAndNeverOverwriteASourcesOwn() {
        Settings s = Configs.load(tmp, """
                topology:
                  site: hq
                  rooms:
                    - name: hall-a
                      racks:
                        - name: a01
                          nameplate_w: 12000
                          hosts: [{name: gpu-01, model: hgx-h100}]
                sources: [{name: s, type: synthetic, series: [{measurement: gpu, fields: {power_w: 1}}]}]
                """);
        Topology t = s.topology();
        Sample gpu = Sample.builder("gpu")
                .tag("host", "gpu-01")
                .field("power_w", 1.0)
                .time(0)
                .build();
        assertEquals(
                Map.of("host", "gpu-01", "rack", "a01", "room", "hall-a", "site", "hq"),
                t.enrich(gpu).tags());
        Sample meter = Sample.builder("meter")
                .tag("device", "pdu-1")
                .tag("rack", "a01")
                .field("power_w", 1.0)
                .time(0)
                .build();
        assertEquals(
                Map.of("device", "pdu-1", "rack", "a01", "room", "hall-a", "site", "hq"),
                t.enrich(meter).tags());
        Sample moved = Sample.builder("gpu")
                .tag("host", "gpu-01")
                .tag("rack", "spare")
                .field("power_w", 1.0)
                .time(0)
                .build();
        assertEquals("spare", t.enrich(moved).tag("rack"), "a source's own tag wins");
        Sample unknown = Sample.builder("gpu")
                .tag("host", "laptop")
                .field("power_w", 1.0)
                .time(0)
                .build();
        assertEquals(Map.of("host", "laptop", "site", "hq"), t.enrich(unknown).tags());
        assertEquals(12000.0, t.racks().get("a01").nameplateW());
        assertEquals("hgx-h100", t.hosts().get("gpu-01").model());
    }
}

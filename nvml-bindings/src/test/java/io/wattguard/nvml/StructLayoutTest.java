package io.wattguard.nvml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.nvml.internal.Layout;
import io.wattguard.nvml.internal.Structs;
import io.wattguard.nvml.testing.FakeNvml;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** The binding's idea of NVIDIA's structures against the same structures compiled from nvml.h. */
class StructLayoutTest {
    static final Map<String, Supplier<Structs.NvmlStruct>> JAVA = Map.ofEntries(
            Map.entry("nvmlProcessInfo_v1_t", Structs.ProcessInfoV1::new),
            Map.entry("nvmlProcessInfo_v2_t", Structs.ProcessInfoV2::new),
            Map.entry("nvmlProcessInfo_t", Structs.ProcessInfo::new),
            Map.entry("nvmlPciInfo_t", Structs.PciInfo::new),
            Map.entry("nvmlUtilization_t", Structs.Utilization::new),
            Map.entry("nvmlMemory_t", Structs.Memory::new),
            Map.entry("nvmlMemory_v2_t", Structs.MemoryV2::new),
            Map.entry("nvmlFieldValue_t", Structs.FieldValue::new),
            Map.entry("nvmlProcessUtilizationSample_t", Structs.ProcessUtilizationSample::new),
            Map.entry("nvmlGpmMetric_t", Structs.GpmMetric::new),
            Map.entry("nvmlGpmMetricsGet_t", Structs.GpmMetricsGet::new),
            Map.entry("nvmlGpmSupport_t", Structs.GpmSupport::new));

    @Test
    void everyOffsetAndSizeMatchesNvmlH() {
        String layout = FakeNvml.start("").layout();
        Set<String> seen = new HashSet<>();
        int checks = 0;
        for (String line : layout.split("\n")) {
            String[] kv = line.split("=");
            String name = kv[0];
            int expected = Integer.parseInt(kv[1]);
            int dot = name.indexOf('.');
            String struct = dot < 0 ? name : name.substring(0, dot);
            Supplier<Structs.NvmlStruct> java = JAVA.get(struct);
            assertTrue(java != null, "no Java structure for " + struct);
            seen.add(struct);
            if (dot < 0) {
                assertEquals(expected, java.get().size(), "sizeof(" + struct + ")");
            } else {
                String field = name.substring(name.lastIndexOf('.') + 1); // metricInfo.shortName is laid out flat
                assertEquals(expected, java.get().offsetOf(field), "offsetof(" + name + ")");
            }
            checks++;
        }
        assertEquals(JAVA.keySet(), seen);
        assertTrue(checks > 50, "only " + checks + " layout lines");
    }

    @Test
    void theEarlyR535ElementIsEightBytesWider() {
        assertEquals(Layout.PROCESS_V3_SIZE + 8, Layout.PROCESS_R535_EARLY_SIZE);
    }
}

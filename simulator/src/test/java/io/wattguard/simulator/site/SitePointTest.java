package io.wattguard.simulator.site;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SitePointTest {
    @Test
    void escapesNamesTagsAndStringsAndTypesFields() {
        TreeMap<String, String> tags =
                new TreeMap<>(Map.of("model", "NVIDIA A100,SXM=4", "host", "gpu-1", "empty", ""));
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("power w", 123.5);
        fields.put("pid", 42L);
        fields.put("business", true);
        fields.put("exe", "/tmp/a \"b\"\\c");
        fields.put("energy_j", 4.0e9);
        fields.put("tiny", 1.0e-4);
        SitePoint p = new SitePoint("gpu proc,x", tags, fields, 1_772_406_000_000L);
        assertEquals(
                "gpu\\ proc\\,x,host=gpu-1,model=NVIDIA\\ A100\\,SXM\\=4 power\\ w=123.5,pid=42i,business=true,"
                        + "exe=\"/tmp/a \\\"b\\\"\\\\c\",energy_j=4000000000,tiny=0.0001 1772406000000",
                p.toLineProtocol());
    }

    @Test
    void floatsReadBackAsTheSameDouble() {
        double[] values = {0.1, 0.05, 123.45, 0.0001, 1.0e-7, 3718.1234, -2.5, 0.30000000000000004, 1234567.8, 6.02e23};
        for (double v : values) {
            String line = new SitePoint("m", new TreeMap<>(), Map.of("v", v), 0).toLineProtocol();
            String text = line.substring(line.indexOf("v=") + 2, line.lastIndexOf(' '));
            assertEquals(v, Double.parseDouble(text), 0.0, line);
            org.junit.jupiter.api.Assertions.assertFalse(text.contains("E"), line);
        }
    }

    @Test
    void refusesNaN() {
        SitePoint p = new SitePoint("m", new TreeMap<>(), Map.of("v", Double.NaN), 1);
        assertThrows(IllegalStateException.class, p::toLineProtocol);
    }
}

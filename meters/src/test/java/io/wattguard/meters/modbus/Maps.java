package io.wattguard.meters.modbus;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.config.ConfigNode;
import io.wattguard.config.Problems;
import io.wattguard.config.Section;
import java.io.StringReader;
import java.nio.file.Path;

/** Reading YAML in tests the way the collector will. */
final class Maps {
    private Maps() {}

    static Section section(String yaml, Problems problems) {
        ConfigNode root = ConfigNode.parse("t.yaml", new StringReader(yaml), problems);
        return new Section(root, "", new Section.Context(problems, k -> null, Path.of(".")));
    }

    /** A device config from YAML, failing the test on any problem. */
    static ModbusDeviceConfig device(String yaml) {
        Problems problems = new Problems();
        Section s = section(yaml, problems);
        ModbusDeviceConfig c = ModbusDeviceConfig.read(s, problems);
        s.finish();
        assertTrue(problems.isEmpty(), problems.toString());
        return c;
    }
}

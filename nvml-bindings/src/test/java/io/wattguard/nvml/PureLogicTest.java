package io.wattguard.nvml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.nvml.internal.DirectNvml;
import io.wattguard.nvml.internal.NvmlFunctions;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The parts that need no library. */
class PureLogicTest {
    @Test
    void energyCounterOnlyGrowsAcrossResets() {
        EnergyCounter c = new EnergyCounter();
        assertEquals(10_000, c.update(10_000));
        assertEquals(10_000, c.update(10_000));
        assertEquals(15_000, c.update(15_000));
        assertEquals(15_050, c.update(50)); // reload
        assertEquals(15_100, c.update(100));
        assertEquals(15_100, c.update(0)); // reload read right at zero
        assertEquals(15_107, c.update(7));
        assertEquals(2, c.resets());
        assertEquals(15.107, c.cumulativeJoules(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> c.update(-1));
    }

    @Test
    void returnCodesMapBothWays() {
        for (NvmlReturn r : NvmlReturn.values()) {
            assertEquals(r, NvmlReturn.of(r.code()));
        }
        assertEquals(NvmlReturn.UNKNOWN, NvmlReturn.of(27));
        assertEquals(NvmlReturn.UNKNOWN, NvmlReturn.of(-3));
        assertTrue(NvmlReturn.GPU_IS_LOST.meansDeviceLost());
        assertTrue(NvmlReturn.UNKNOWN.meansDeviceLost());
        assertFalse(NvmlReturn.NOT_SUPPORTED.meansDeviceLost());
        assertEquals("DRIVER_NOT_LOADED (9, Driver Not Loaded)", NvmlReturn.DRIVER_NOT_LOADED.toString());
    }

    @Test
    void libraryLocationsPerPlatform() {
        assertEquals(
                List.of("nvml.dll", "E:\\Win\\System32\\nvml.dll", "E:\\PF\\NVIDIA Corporation\\NVSMI\\nvml.dll"),
                LibraryLocator.candidates("Windows 11", Map.of("WINDIR", "E:\\Win", "ProgramW6432", "E:\\PF")));
        List<String> linux = LibraryLocator.candidates("Linux", Map.of());
        assertEquals("libnvidia-ml.so.1", linux.get(0), "the soname first, through the dynamic linker's search");
        assertTrue(linux.contains("/usr/lib/wsl/lib/libnvidia-ml.so.1"));
        assertTrue(linux.contains("/usr/local/nvidia/lib64/libnvidia-ml.so.1"));
        assertTrue(LibraryLocator.installHint("Linux").contains("libnvidia-ml.so.1"));
    }

    @Test
    void optionsRejectANegativeRetryInterval() {
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.defaults()
                .withLostRetryInterval(java.time.Duration.ofSeconds(-1)));
    }

    @Test
    void theSymbolListTheInterfaceAndTheDirectMappingAgree() {
        List<String> declared = Arrays.stream(NvmlFunctions.class.getDeclaredMethods())
                .map(Method::getName)
                .filter(n -> !n.equals("nvmlErrorString"))
                .sorted()
                .toList();
        assertEquals(new TreeSet<>(NvmlFunctions.SYMBOLS).stream().toList(), declared);
        assertEquals(
                NvmlFunctions.SYMBOLS.size(), Set.copyOf(NvmlFunctions.SYMBOLS).size(), "no duplicates");
        Set<String> natives = Arrays.stream(DirectNvml.class.getDeclaredMethods())
                .filter(m -> Modifier.isNative(m.getModifiers()) && Modifier.isStatic(m.getModifiers()))
                .map(m -> m.getName().substring(0, m.getName().length() - 1))
                .collect(Collectors.toSet());
        Set<String> expected = new java.util.HashSet<>(NvmlFunctions.SYMBOLS);
        expected.add("nvmlErrorString");
        assertEquals(expected, natives);
    }
}

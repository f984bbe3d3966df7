package io.wattguard.nvml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Pointer;
import io.wattguard.nvml.internal.NativeBinding;
import io.wattguard.nvml.testing.Components;
import java.util.List;
import org.junit.jupiter.api.Test;

/** NVIDIA's real libnvidia-ml.so.1 (driver 535), packaged by Debian; CI has no NVIDIA GPU, the real-gpu profile has one. */
class RealLibraryTest {
    @Test
    void theRealLibraryLoadsAndReportsWhyItCannotStart() {
        String lib = Components.realLibrary().toString();
        NvmlUnavailableException e = assertThrows(
                NvmlUnavailableException.class,
                () -> Nvml.load(LoadOptions.defaults().withLibraryPath(lib)));
        NvmlReturn expected = Components.packagedLibraryInitStatus();
        assertEquals(expected, e.returnCode());
        assertEquals("nvmlInit_v2", e.function());
        assertEquals(List.of(lib), e.pathsTried());
        String why = expected == NvmlReturn.DRIVER_NOT_LOADED
                ? "returned 9 (Driver Not Loaded): the NVIDIA kernel driver is not running on this machine"
                : "returned 18 (Driver/library version mismatch): libnvidia-ml and the loaded kernel module come from "
                        + "different driver versions";
        assertTrue(e.getMessage().startsWith("NVML at " + lib + " loaded, but nvmlInit_v2 " + why), e.getMessage());
        if (expected == NvmlReturn.DRIVER_NOT_LOADED) {
            assertTrue(e.getMessage().contains("check that nvidia-smi works"), e.getMessage());
        }
        assertTrue(e.getMessage().contains("other sources carry on"), e.getMessage());
    }

    @Test
    void theRealLibraryExportsEverySymbolTheBindingUses() {
        NativeBinding binding = NativeBinding.open(Components.realLibrary().toString());
        try {
            assertEquals(List.of(), binding.symbols().missing());
            // Late 535 releases export the new clocks-event name next to the throttle one; the newer is preferred.
            assertTrue(binding.symbols().has("nvmlDeviceGetCurrentClocksEventReasons"));
            assertTrue(binding.symbols().has("nvmlDeviceGetComputeRunningProcesses_v3"));
        } finally {
            binding.unbind();
        }
    }

    @Test
    void everyReturnCodeCarriesNvidiasOwnText() {
        NativeBinding binding = NativeBinding.open(Components.realLibrary().toString());
        try {
            for (NvmlReturn r : NvmlReturn.values()) {
                String nvidia = new Pointer(binding.functions().nvmlErrorString(r.code())).getString(0, "UTF-8");
                assertEquals(nvidia, r.text(), r.name());
            }
        } finally {
            binding.unbind();
        }
    }

    @Test
    void aMissingLibrarySaysWhereItLookedAndWhatToInstall() {
        NvmlUnavailableException e = assertThrows(
                NvmlUnavailableException.class,
                () -> Nvml.load(LoadOptions.defaults().withLibraryPath("/opt/nowhere/libnvidia-ml.so.1")));
        assertEquals(NvmlReturn.LIBRARY_NOT_FOUND, e.returnCode());
        assertEquals(List.of("/opt/nowhere/libnvidia-ml.so.1"), e.pathsTried());
        assertTrue(
                e.getMessage()
                        .startsWith("NVML library not found, so no GPU can be read. Tried "
                                + "/opt/nowhere/libnvidia-ml.so.1: not found. To fix: "),
                e.getMessage());
        assertTrue(e.getMessage().contains("install the NVIDIA driver, which ships libnvidia-ml.so.1"), e.getMessage());
    }

    @Test
    void aLibraryThatIsNotNvmlIsRefused() {
        String libc = "/lib/x86_64-linux-gnu/libc.so.6";
        NvmlUnavailableException e = assertThrows(
                NvmlUnavailableException.class,
                () -> Nvml.load(LoadOptions.defaults().withLibraryPath(libc)));
        assertTrue(e.getMessage().contains("libc.so.6 is not NVML: it has no nvmlErrorString"), e.getMessage());
    }

    @Test
    void onWindowsTheDriverFoldersAreSearchedForNvmlDll() {
        NvmlUnavailableException e = assertThrows(
                NvmlUnavailableException.class,
                () -> Nvml.load(LoadOptions.defaults()
                        .withPlatform("Windows Server 2022", java.util.Map.of("WINDIR", "D:\\Windows"))));
        assertEquals(
                List.of(
                        "nvml.dll",
                        "D:\\Windows\\System32\\nvml.dll",
                        "C:\\Program Files\\NVIDIA Corporation\\NVSMI\\nvml.dll"),
                e.pathsTried());
        assertTrue(e.getMessage().contains("install the NVIDIA display driver (it ships nvml.dll)"), e.getMessage());
    }
}

package io.wattguard.nvml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.nvml.testing.Components;
import java.lang.management.ClassLoadingMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/**
 * A daemon on a machine without the NVIDIA driver retries loading NVML at every poll, for months. Each try defines a
 * binding class; a try that fails must give it back, or the daemon runs out of memory (it did: JNA's option cache
 * kept every class and its loader, about 45 KB a try).
 */
class RetryLeakTest {
    @Test
    void failedLoadsOfTheRealLibraryGiveTheirBindingBack() {
        String lib = Components.realLibrary().toString();
        ClassLoadingMXBean classes = ManagementFactory.getClassLoadingMXBean();
        int tries = 300;
        long unloadedBefore = classes.getUnloadedClassCount();
        for (int i = 0; i < tries; i++) {
            try {
                Nvml.load(LoadOptions.defaults().withLibraryPath(lib)).close();
                throw new AssertionError("the packaged library should fail nvmlInit on this machine");
            } catch (NvmlUnavailableException e) {
                assertEquals(Components.packagedLibraryInitStatus(), e.returnCode());
            }
        }
        // Class unloading happens at a full GC; ask for a few, bounded.
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (classes.getUnloadedClassCount() - unloadedBefore < tries && System.nanoTime() < deadline) {
            System.gc();
        }
        long unloaded = classes.getUnloadedClassCount() - unloadedBefore;
        assertTrue(unloaded >= tries, "binding classes unloaded after " + tries + " failed loads: " + unloaded);
    }
}

package io.wattguard.nvml.testing;

import io.wattguard.nvml.GpuDevice;
import io.wattguard.nvml.LoadOptions;
import io.wattguard.nvml.Nvml;

/**
 * Runs the binding against a library in a JVM of its own, for doubles that abort the process on a trapped symbol.
 * Usage: ProbeMain LIBRARY load|full. Prints "probe ok" when it got through.
 */
public final class ProbeMain {
    private ProbeMain() {}

    public static void main(String[] args) {
        try (Nvml nvml = Nvml.load(LoadOptions.defaults().withLibraryPath(args[0]))) {
            if (args[1].equals("full")) {
                for (GpuDevice d : nvml.devices()) {
                    d.info();
                    d.snapshot();
                    d.processes();
                    d.migMode();
                    for (GpuDevice m : d.migDevices()) {
                        m.snapshot();
                    }
                    d.gpmMetrics();
                    d.gpmMetrics();
                    d.fieldValues(83);
                    d.pcieThroughputKBps();
                }
            }
        }
        System.out.println("probe ok");
    }
}

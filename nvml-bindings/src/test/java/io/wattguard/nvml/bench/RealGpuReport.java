package io.wattguard.nvml.bench;

import io.wattguard.nvml.FieldValue;
import io.wattguard.nvml.GpuDevice;
import io.wattguard.nvml.GpuProcess;
import io.wattguard.nvml.GpuSnapshot;
import io.wattguard.nvml.LoadOptions;
import io.wattguard.nvml.Nvml;
import io.wattguard.nvml.NvmlUnavailableException;

/** Prints everything the binding reads on this machine. Usage: RealGpuReport [LIBRARY]. */
public final class RealGpuReport {
    private RealGpuReport() {}

    public static void main(String[] args) throws InterruptedException {
        LoadOptions o = LoadOptions.defaults();
        if (args.length > 0 && !args[0].isEmpty()) {
            o = o.withLibraryPath(args[0]);
        }
        Nvml nvml;
        try {
            nvml = Nvml.load(o);
        } catch (NvmlUnavailableException e) {
            System.out.println(e.getMessage());
            System.exit(2);
            return;
        }
        try (nvml) {
            System.out.println("library:        " + nvml.libraryFile());
            System.out.println("driver:         " + nvml.driverVersion());
            System.out.println("NVML:           " + nvml.nvmlVersion());
            System.out.println("CUDA:           " + nvml.cudaDriverVersion());
            System.out.println("missing:        " + nvml.missingSymbols());
            System.out.println("process list:   " + nvml.processListFunction().orElse("none"));
            for (GpuDevice d : nvml.devices()) {
                System.out.println();
                System.out.println("GPU " + d.index() + ": " + d.info());
                GpuSnapshot s = d.snapshot();
                for (GpuSnapshot.Field f : GpuSnapshot.Field.values()) {
                    System.out.printf(
                            "  %-24s %s%n",
                            f,
                            s.has(f)
                                    ? s.value(f).getAsLong()
                                    : s.failure(f).map(r -> "failed: " + r).orElse("absent (not supported)"));
                }
                for (GpuProcess p : d.processes()) {
                    System.out.println("  process " + p);
                }
                System.out.println("  process stride: " + nvml.processInfoStride());
                System.out.println("  MIG mode:       " + d.migMode());
                for (GpuDevice m : d.migDevices()) {
                    System.out.println("  MIG device " + m.info() + " " + m.snapshot());
                }
                for (FieldValue v : d.fieldValues(FieldValue.TOTAL_ENERGY_CONSUMPTION, FieldValue.POWER_INSTANT)) {
                    System.out.println("  field " + v.fieldId() + ": " + v.status() + " " + v.asDouble());
                }
                System.out.println("  PCIe KB/s:      "
                        + d.pcieThroughputKBps()
                                .map(t -> "tx " + t[0] + " rx " + t[1])
                                .orElse("absent"));
                System.out.println("  GPM supported:  " + d.gpmSupported());
                if (d.gpmSupported()) {
                    d.gpmMetrics();
                    Thread.sleep(1000); // a one-second GPM interval, for the printout only
                    System.out.println("  GPM:            " + d.gpmMetrics());
                }
            }
        }
    }
}

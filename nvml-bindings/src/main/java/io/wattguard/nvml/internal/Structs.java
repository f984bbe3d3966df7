package io.wattguard.nvml.internal;

import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import com.sun.jna.Structure.FieldOrder;

/**
 * NVIDIA's structures, field for field in nvml.h's order, so JNA computes their layout with the platform's C rules.
 * The binding never marshals these per call: {@link Layout} takes offsets and sizes from them once, and the hot path
 * reads a reusable buffer at those offsets. A test checks every offset against the same structs compiled from nvml.h.
 */
public final class Structs {
    private Structs() {}

    /** Exposes JNA's computed layout. */
    public abstract static class NvmlStruct extends Structure {
        public int offsetOf(String field) {
            return fieldOffset(field);
        }
    }

    /** nvmlProcessInfo_v1_t: R450 and older, and the unversioned process-list functions. */
    @FieldOrder({"pid", "usedGpuMemory"})
    public static class ProcessInfoV1 extends NvmlStruct {
        public int pid;
        public long usedGpuMemory;
    }

    /** nvmlProcessInfo_v2_t, also the element of the _v3 functions in nvml.h of R535.104 and later. */
    @FieldOrder({"pid", "usedGpuMemory", "gpuInstanceId", "computeInstanceId"})
    public static class ProcessInfoV2 extends NvmlStruct {
        public int pid;
        public long usedGpuMemory;
        public int gpuInstanceId;
        public int computeInstanceId;
    }

    /** nvmlProcessInfo_t as this header defines it for the _v3 functions. */
    @FieldOrder({"pid", "usedGpuMemory", "gpuInstanceId", "computeInstanceId"})
    public static class ProcessInfo extends NvmlStruct {
        public int pid;
        public long usedGpuMemory;
        public int gpuInstanceId;
        public int computeInstanceId;
    }

    /**
     * The element early R535 drivers (535.43 to 535.5x) wrote from the same _v3 functions: one more field at the end,
     * with no version bump. Only its size matters: it is the stride the binding must detect.
     */
    @FieldOrder({"pid", "usedGpuMemory", "gpuInstanceId", "computeInstanceId", "usedGpuCcProtectedMemory"})
    public static class ProcessInfoR535Early extends NvmlStruct {
        public int pid;
        public long usedGpuMemory;
        public int gpuInstanceId;
        public int computeInstanceId;
        public long usedGpuCcProtectedMemory;
    }

    @FieldOrder({"busIdLegacy", "domain", "bus", "device", "pciDeviceId", "pciSubSystemId", "busId"})
    public static class PciInfo extends NvmlStruct {
        public byte[] busIdLegacy = new byte[16]; // NVML_DEVICE_PCI_BUS_ID_BUFFER_V2_SIZE
        public int domain;
        public int bus;
        public int device;
        public int pciDeviceId;
        public int pciSubSystemId;
        public byte[] busId = new byte[32]; // NVML_DEVICE_PCI_BUS_ID_BUFFER_SIZE
    }

    @FieldOrder({"gpu", "memory"})
    public static class Utilization extends NvmlStruct {
        public int gpu;
        public int memory;
    }

    @FieldOrder({"total", "free", "used"})
    public static class Memory extends NvmlStruct {
        public long total;
        public long free;
        public long used;
    }

    @FieldOrder({"version", "total", "reserved", "free", "used"})
    public static class MemoryV2 extends NvmlStruct {
        public int version;
        public long total;
        public long reserved;
        public long free;
        public long used;
    }

    /** nvmlFieldValue_t; {@code value} is the 8-byte nvmlValue_t union, read according to valueType. */
    @FieldOrder({"fieldId", "scopeId", "timestamp", "latencyUsec", "valueType", "nvmlReturn", "value"})
    public static class FieldValue extends NvmlStruct {
        public int fieldId;
        public int scopeId;
        public long timestamp;
        public long latencyUsec;
        public int valueType;
        public int nvmlReturn;
        public long value;
    }

    @FieldOrder({"pid", "timeStamp", "smUtil", "memUtil", "encUtil", "decUtil"})
    public static class ProcessUtilizationSample extends NvmlStruct {
        public int pid;
        public long timeStamp;
        public int smUtil;
        public int memUtil;
        public int encUtil;
        public int decUtil;
    }

    /** nvmlGpmMetric_t; its anonymous metricInfo struct of three pointers is laid out flat, which C does identically. */
    @FieldOrder({"metricId", "nvmlReturn", "value", "shortName", "longName", "unit"})
    public static class GpmMetric extends NvmlStruct {
        public int metricId;
        public int nvmlReturn;
        public double value;
        public Pointer shortName;
        public Pointer longName;
        public Pointer unit;
    }

    /** nvmlGpmMetricsGet_t with NVML_GPM_METRIC_MAX (98) metrics. */
    @FieldOrder({"version", "numMetrics", "sample1", "sample2", "metrics"})
    public static class GpmMetricsGet extends NvmlStruct {
        public static final int METRIC_MAX = 98;
        public int version;
        public int numMetrics;
        public Pointer sample1;
        public Pointer sample2;
        public GpmMetric[] metrics = (GpmMetric[]) new GpmMetric().toArray(METRIC_MAX);
    }

    @FieldOrder({"version", "isSupportedDevice"})
    public static class GpmSupport extends NvmlStruct {
        public int version;
        public int isSupportedDevice;
    }
}

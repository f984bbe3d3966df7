package io.wattguard.nvml.internal;

/** Offsets and sizes of NVIDIA's structures, taken once from {@link Structs}. Constants, not state. */
public final class Layout {
    private Layout() {}

    public static final int PROCESS_V1_SIZE = new Structs.ProcessInfoV1().size();
    public static final int PROCESS_V2_SIZE = new Structs.ProcessInfoV2().size();
    public static final int PROCESS_V3_SIZE = new Structs.ProcessInfo().size();
    public static final int PROCESS_R535_EARLY_SIZE = new Structs.ProcessInfoR535Early().size();
    /** Every process-list element starts pid, usedGpuMemory[, gpuInstanceId, computeInstanceId] at these offsets. */
    public static final int PROCESS_PID;

    public static final int PROCESS_MEMORY;
    public static final int PROCESS_GPU_INSTANCE;
    public static final int PROCESS_COMPUTE_INSTANCE;

    public static final int PCI_SIZE;
    public static final int PCI_DOMAIN;
    public static final int PCI_BUS;
    public static final int PCI_DEVICE;
    public static final int PCI_DEVICE_ID;
    public static final int PCI_SUBSYSTEM_ID;
    public static final int PCI_BUS_ID;
    public static final int PCI_BUS_ID_LENGTH = 32;

    public static final int UTIL_GPU;
    public static final int UTIL_MEMORY;

    public static final int MEMORY_TOTAL;
    public static final int MEMORY_FREE;
    public static final int MEMORY_USED;
    public static final int MEMORY_V2_SIZE;
    public static final int MEMORY_V2_VERSION;
    public static final int MEMORY_V2_TOTAL;
    public static final int MEMORY_V2_RESERVED;
    public static final int MEMORY_V2_FREE;
    public static final int MEMORY_V2_USED;

    public static final int FIELD_SIZE;
    public static final int FIELD_ID;
    public static final int FIELD_SCOPE;
    public static final int FIELD_TIMESTAMP;
    public static final int FIELD_VALUE_TYPE;
    public static final int FIELD_RETURN;
    public static final int FIELD_VALUE;

    public static final int PUTIL_SIZE;
    public static final int PUTIL_PID;
    public static final int PUTIL_TIMESTAMP;
    public static final int PUTIL_SM;
    public static final int PUTIL_MEM;
    public static final int PUTIL_ENC;
    public static final int PUTIL_DEC;

    public static final int GPM_METRIC_SIZE;
    public static final int GPM_METRIC_ID;
    public static final int GPM_METRIC_RETURN;
    public static final int GPM_METRIC_VALUE;
    public static final int GPM_GET_SIZE;
    public static final int GPM_GET_VERSION;
    public static final int GPM_GET_NUM;
    public static final int GPM_GET_SAMPLE1;
    public static final int GPM_GET_SAMPLE2;
    public static final int GPM_GET_METRICS;
    public static final int GPM_SUPPORT_SIZE;
    public static final int GPM_SUPPORT_VERSION;
    public static final int GPM_SUPPORT_IS_SUPPORTED;

    static {
        Structs.ProcessInfo p = new Structs.ProcessInfo();
        PROCESS_PID = p.offsetOf("pid");
        PROCESS_MEMORY = p.offsetOf("usedGpuMemory");
        PROCESS_GPU_INSTANCE = p.offsetOf("gpuInstanceId");
        PROCESS_COMPUTE_INSTANCE = p.offsetOf("computeInstanceId");
        Structs.PciInfo pci = new Structs.PciInfo();
        PCI_SIZE = pci.size();
        PCI_DOMAIN = pci.offsetOf("domain");
        PCI_BUS = pci.offsetOf("bus");
        PCI_DEVICE = pci.offsetOf("device");
        PCI_DEVICE_ID = pci.offsetOf("pciDeviceId");
        PCI_SUBSYSTEM_ID = pci.offsetOf("pciSubSystemId");
        PCI_BUS_ID = pci.offsetOf("busId");
        Structs.Utilization u = new Structs.Utilization();
        UTIL_GPU = u.offsetOf("gpu");
        UTIL_MEMORY = u.offsetOf("memory");
        Structs.Memory m = new Structs.Memory();
        MEMORY_TOTAL = m.offsetOf("total");
        MEMORY_FREE = m.offsetOf("free");
        MEMORY_USED = m.offsetOf("used");
        Structs.MemoryV2 m2 = new Structs.MemoryV2();
        MEMORY_V2_SIZE = m2.size();
        MEMORY_V2_VERSION = m2.offsetOf("version");
        MEMORY_V2_TOTAL = m2.offsetOf("total");
        MEMORY_V2_RESERVED = m2.offsetOf("reserved");
        MEMORY_V2_FREE = m2.offsetOf("free");
        MEMORY_V2_USED = m2.offsetOf("used");
        Structs.FieldValue f = new Structs.FieldValue();
        FIELD_SIZE = f.size();
        FIELD_ID = f.offsetOf("fieldId");
        FIELD_SCOPE = f.offsetOf("scopeId");
        FIELD_TIMESTAMP = f.offsetOf("timestamp");
        FIELD_VALUE_TYPE = f.offsetOf("valueType");
        FIELD_RETURN = f.offsetOf("nvmlReturn");
        FIELD_VALUE = f.offsetOf("value");
        Structs.ProcessUtilizationSample s = new Structs.ProcessUtilizationSample();
        PUTIL_SIZE = s.size();
        PUTIL_PID = s.offsetOf("pid");
        PUTIL_TIMESTAMP = s.offsetOf("timeStamp");
        PUTIL_SM = s.offsetOf("smUtil");
        PUTIL_MEM = s.offsetOf("memUtil");
        PUTIL_ENC = s.offsetOf("encUtil");
        PUTIL_DEC = s.offsetOf("decUtil");
        Structs.GpmMetric g = new Structs.GpmMetric();
        GPM_METRIC_SIZE = g.size();
        GPM_METRIC_ID = g.offsetOf("metricId");
        GPM_METRIC_RETURN = g.offsetOf("nvmlReturn");
        GPM_METRIC_VALUE = g.offsetOf("value");
        Structs.GpmMetricsGet gg = new Structs.GpmMetricsGet();
        GPM_GET_SIZE = gg.size();
        GPM_GET_VERSION = gg.offsetOf("version");
        GPM_GET_NUM = gg.offsetOf("numMetrics");
        GPM_GET_SAMPLE1 = gg.offsetOf("sample1");
        GPM_GET_SAMPLE2 = gg.offsetOf("sample2");
        GPM_GET_METRICS = gg.offsetOf("metrics");
        Structs.GpmSupport gs = new Structs.GpmSupport();
        GPM_SUPPORT_SIZE = gs.size();
        GPM_SUPPORT_VERSION = gs.offsetOf("version");
        GPM_SUPPORT_IS_SUPPORTED = gs.offsetOf("isSupportedDevice");
    }
}

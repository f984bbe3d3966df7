package io.wattguard.nvml.internal;

/**
 * Every NVML entry point the binding uses, one method per exported symbol, named exactly as the symbol.
 * Pointers travel as {@code long} addresses so a call carries only primitives: JNA's cheapest direct-mapped path,
 * with nothing to convert or allocate per call. Not API: the typed layer in {@code io.wattguard.nvml} is.
 * {@link #SYMBOLS} lists them in declaration order; a test keeps it, this interface and DirectNvml in step.
 */
public interface NvmlFunctions {
    /** Every symbol above, so the loader can tell which ones the installed library exports. */
    java.util.List<String> SYMBOLS = java.util.List.of(
            "nvmlInit_v2",
            "nvmlInit",
            "nvmlInitWithFlags",
            "nvmlShutdown",
            "nvmlSystemGetDriverVersion",
            "nvmlSystemGetNVMLVersion",
            "nvmlSystemGetCudaDriverVersion_v2",
            "nvmlSystemGetCudaDriverVersion",
            "nvmlDeviceGetCount_v2",
            "nvmlDeviceGetCount",
            "nvmlDeviceGetHandleByIndex_v2",
            "nvmlDeviceGetHandleByIndex",
            "nvmlDeviceGetName",
            "nvmlDeviceGetUUID",
            "nvmlDeviceGetSerial",
            "nvmlDeviceGetIndex",
            "nvmlDeviceGetPciInfo_v3",
            "nvmlDeviceGetPciInfo_v2",
            "nvmlDeviceGetUtilizationRates",
            "nvmlDeviceGetPowerUsage",
            "nvmlDeviceGetEnforcedPowerLimit",
            "nvmlDeviceGetPowerManagementLimit",
            "nvmlDeviceGetTotalEnergyConsumption",
            "nvmlDeviceGetTemperature",
            "nvmlDeviceGetClockInfo",
            "nvmlDeviceGetMaxClockInfo",
            "nvmlDeviceGetMemoryInfo_v2",
            "nvmlDeviceGetMemoryInfo",
            "nvmlDeviceGetCurrentClocksEventReasons",
            "nvmlDeviceGetCurrentClocksThrottleReasons",
            "nvmlDeviceGetFanSpeed",
            "nvmlDeviceGetPerformanceState",
            "nvmlDeviceGetPcieThroughput",
            "nvmlDeviceGetComputeRunningProcesses_v3",
            "nvmlDeviceGetComputeRunningProcesses_v2",
            "nvmlDeviceGetComputeRunningProcesses",
            "nvmlDeviceGetGraphicsRunningProcesses_v3",
            "nvmlDeviceGetGraphicsRunningProcesses_v2",
            "nvmlDeviceGetGraphicsRunningProcesses",
            "nvmlDeviceGetProcessUtilization",
            "nvmlDeviceGetFieldValues",
            "nvmlDeviceGetMigMode",
            "nvmlDeviceGetMaxMigDeviceCount",
            "nvmlDeviceGetMigDeviceHandleByIndex",
            "nvmlDeviceIsMigDeviceHandle",
            "nvmlDeviceGetGpuInstanceId",
            "nvmlDeviceGetComputeInstanceId",
            "nvmlGpmQueryDeviceSupport",
            "nvmlGpmSampleAlloc",
            "nvmlGpmSampleFree",
            "nvmlGpmSampleGet",
            "nvmlGpmMetricsGet");

    /** {@code const char *nvmlErrorString(nvmlReturn_t)}: present in every NVML, safe with any argument. */
    long nvmlErrorString(int result);

    int nvmlInit_v2();

    int nvmlInit();

    int nvmlInitWithFlags(int flags);

    int nvmlShutdown();

    int nvmlSystemGetDriverVersion(long version, int length);

    int nvmlSystemGetNVMLVersion(long version, int length);

    int nvmlSystemGetCudaDriverVersion_v2(long version);

    int nvmlSystemGetCudaDriverVersion(long version);

    int nvmlDeviceGetCount_v2(long count);

    int nvmlDeviceGetCount(long count);

    int nvmlDeviceGetHandleByIndex_v2(int index, long device);

    int nvmlDeviceGetHandleByIndex(int index, long device);

    int nvmlDeviceGetName(long device, long name, int length);

    int nvmlDeviceGetUUID(long device, long uuid, int length);

    int nvmlDeviceGetSerial(long device, long serial, int length);

    int nvmlDeviceGetIndex(long device, long index);

    int nvmlDeviceGetPciInfo_v3(long device, long pci);

    int nvmlDeviceGetPciInfo_v2(long device, long pci);

    int nvmlDeviceGetUtilizationRates(long device, long utilization);

    int nvmlDeviceGetPowerUsage(long device, long power);

    int nvmlDeviceGetEnforcedPowerLimit(long device, long limit);

    int nvmlDeviceGetPowerManagementLimit(long device, long limit);

    int nvmlDeviceGetTotalEnergyConsumption(long device, long energy);

    int nvmlDeviceGetTemperature(long device, int sensorType, long temp);

    int nvmlDeviceGetClockInfo(long device, int type, long clock);

    int nvmlDeviceGetMaxClockInfo(long device, int type, long clock);

    int nvmlDeviceGetMemoryInfo_v2(long device, long memory);

    int nvmlDeviceGetMemoryInfo(long device, long memory);

    int nvmlDeviceGetCurrentClocksEventReasons(long device, long reasons);

    int nvmlDeviceGetCurrentClocksThrottleReasons(long device, long reasons);

    int nvmlDeviceGetFanSpeed(long device, long speed);

    int nvmlDeviceGetPerformanceState(long device, long pState);

    int nvmlDeviceGetPcieThroughput(long device, int counter, long value);

    int nvmlDeviceGetComputeRunningProcesses_v3(long device, long infoCount, long infos);

    int nvmlDeviceGetComputeRunningProcesses_v2(long device, long infoCount, long infos);

    int nvmlDeviceGetComputeRunningProcesses(long device, long infoCount, long infos);

    int nvmlDeviceGetGraphicsRunningProcesses_v3(long device, long infoCount, long infos);

    int nvmlDeviceGetGraphicsRunningProcesses_v2(long device, long infoCount, long infos);

    int nvmlDeviceGetGraphicsRunningProcesses(long device, long infoCount, long infos);

    int nvmlDeviceGetProcessUtilization(
            long device, long utilization, long processSamplesCount, long lastSeenTimeStamp);

    int nvmlDeviceGetFieldValues(long device, int valuesCount, long values);

    int nvmlDeviceGetMigMode(long device, long currentMode, long pendingMode);

    int nvmlDeviceGetMaxMigDeviceCount(long device, long count);

    int nvmlDeviceGetMigDeviceHandleByIndex(long device, int index, long migDevice);

    int nvmlDeviceIsMigDeviceHandle(long device, long isMigDevice);

    int nvmlDeviceGetGpuInstanceId(long device, long id);

    int nvmlDeviceGetComputeInstanceId(long device, long id);

    int nvmlGpmQueryDeviceSupport(long device, long gpmSupport);

    int nvmlGpmSampleAlloc(long gpmSample);

    int nvmlGpmSampleFree(long gpmSample);

    int nvmlGpmSampleGet(long device, long gpmSample);

    int nvmlGpmMetricsGet(long metricsGet);
}

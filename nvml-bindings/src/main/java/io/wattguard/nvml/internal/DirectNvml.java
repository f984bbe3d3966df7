package io.wattguard.nvml.internal;

/**
 * JNA direct mapping of NVML. Static natives are bound per class, so {@link NativeBinding} defines a fresh copy of
 * this class for every loaded library (an isolating class loader): two libraries (a test double and the real one,
 * or two drivers) never share bindings, and nothing here is global. Symbols the library lacks are bound to
 * {@code nvmlErrorString} (side-effect free) and never called: {@link SymbolTable} says which are real.
 */
public final class DirectNvml implements NvmlFunctions {
    public DirectNvml() {}

    private static native long nvmlErrorString_(int result);

    @Override
    public long nvmlErrorString(int result) {
        return nvmlErrorString_(result);
    }

    private static native int nvmlInit_v2_();

    @Override
    public int nvmlInit_v2() {
        return nvmlInit_v2_();
    }

    private static native int nvmlInit_();

    @Override
    public int nvmlInit() {
        return nvmlInit_();
    }

    private static native int nvmlInitWithFlags_(int flags);

    @Override
    public int nvmlInitWithFlags(int flags) {
        return nvmlInitWithFlags_(flags);
    }

    private static native int nvmlShutdown_();

    @Override
    public int nvmlShutdown() {
        return nvmlShutdown_();
    }

    private static native int nvmlSystemGetDriverVersion_(long version, int length);

    @Override
    public int nvmlSystemGetDriverVersion(long version, int length) {
        return nvmlSystemGetDriverVersion_(version, length);
    }

    private static native int nvmlSystemGetNVMLVersion_(long version, int length);

    @Override
    public int nvmlSystemGetNVMLVersion(long version, int length) {
        return nvmlSystemGetNVMLVersion_(version, length);
    }

    private static native int nvmlSystemGetCudaDriverVersion_v2_(long version);

    @Override
    public int nvmlSystemGetCudaDriverVersion_v2(long version) {
        return nvmlSystemGetCudaDriverVersion_v2_(version);
    }

    private static native int nvmlSystemGetCudaDriverVersion_(long version);

    @Override
    public int nvmlSystemGetCudaDriverVersion(long version) {
        return nvmlSystemGetCudaDriverVersion_(version);
    }

    private static native int nvmlDeviceGetCount_v2_(long count);

    @Override
    public int nvmlDeviceGetCount_v2(long count) {
        return nvmlDeviceGetCount_v2_(count);
    }

    private static native int nvmlDeviceGetCount_(long count);

    @Override
    public int nvmlDeviceGetCount(long count) {
        return nvmlDeviceGetCount_(count);
    }

    private static native int nvmlDeviceGetHandleByIndex_v2_(int index, long device);

    @Override
    public int nvmlDeviceGetHandleByIndex_v2(int index, long device) {
        return nvmlDeviceGetHandleByIndex_v2_(index, device);
    }

    private static native int nvmlDeviceGetHandleByIndex_(int index, long device);

    @Override
    public int nvmlDeviceGetHandleByIndex(int index, long device) {
        return nvmlDeviceGetHandleByIndex_(index, device);
    }

    private static native int nvmlDeviceGetName_(long device, long name, int length);

    @Override
    public int nvmlDeviceGetName(long device, long name, int length) {
        return nvmlDeviceGetName_(device, name, length);
    }

    private static native int nvmlDeviceGetUUID_(long device, long uuid, int length);

    @Override
    public int nvmlDeviceGetUUID(long device, long uuid, int length) {
        return nvmlDeviceGetUUID_(device, uuid, length);
    }

    private static native int nvmlDeviceGetSerial_(long device, long serial, int length);

    @Override
    public int nvmlDeviceGetSerial(long device, long serial, int length) {
        return nvmlDeviceGetSerial_(device, serial, length);
    }

    private static native int nvmlDeviceGetIndex_(long device, long index);

    @Override
    public int nvmlDeviceGetIndex(long device, long index) {
        return nvmlDeviceGetIndex_(device, index);
    }

    private static native int nvmlDeviceGetPciInfo_v3_(long device, long pci);

    @Override
    public int nvmlDeviceGetPciInfo_v3(long device, long pci) {
        return nvmlDeviceGetPciInfo_v3_(device, pci);
    }

    private static native int nvmlDeviceGetPciInfo_v2_(long device, long pci);

    @Override
    public int nvmlDeviceGetPciInfo_v2(long device, long pci) {
        return nvmlDeviceGetPciInfo_v2_(device, pci);
    }

    private static native int nvmlDeviceGetUtilizationRates_(long device, long utilization);

    @Override
    public int nvmlDeviceGetUtilizationRates(long device, long utilization) {
        return nvmlDeviceGetUtilizationRates_(device, utilization);
    }

    private static native int nvmlDeviceGetPowerUsage_(long device, long power);

    @Override
    public int nvmlDeviceGetPowerUsage(long device, long power) {
        return nvmlDeviceGetPowerUsage_(device, power);
    }

    private static native int nvmlDeviceGetEnforcedPowerLimit_(long device, long limit);

    @Override
    public int nvmlDeviceGetEnforcedPowerLimit(long device, long limit) {
        return nvmlDeviceGetEnforcedPowerLimit_(device, limit);
    }

    private static native int nvmlDeviceGetPowerManagementLimit_(long device, long limit);

    @Override
    public int nvmlDeviceGetPowerManagementLimit(long device, long limit) {
        return nvmlDeviceGetPowerManagementLimit_(device, limit);
    }

    private static native int nvmlDeviceGetTotalEnergyConsumption_(long device, long energy);

    @Override
    public int nvmlDeviceGetTotalEnergyConsumption(long device, long energy) {
        return nvmlDeviceGetTotalEnergyConsumption_(device, energy);
    }

    private static native int nvmlDeviceGetTemperature_(long device, int sensorType, long temp);

    @Override
    public int nvmlDeviceGetTemperature(long device, int sensorType, long temp) {
        return nvmlDeviceGetTemperature_(device, sensorType, temp);
    }

    private static native int nvmlDeviceGetClockInfo_(long device, int type, long clock);

    @Override
    public int nvmlDeviceGetClockInfo(long device, int type, long clock) {
        return nvmlDeviceGetClockInfo_(device, type, clock);
    }

    private static native int nvmlDeviceGetMaxClockInfo_(long device, int type, long clock);

    @Override
    public int nvmlDeviceGetMaxClockInfo(long device, int type, long clock) {
        return nvmlDeviceGetMaxClockInfo_(device, type, clock);
    }

    private static native int nvmlDeviceGetMemoryInfo_v2_(long device, long memory);

    @Override
    public int nvmlDeviceGetMemoryInfo_v2(long device, long memory) {
        return nvmlDeviceGetMemoryInfo_v2_(device, memory);
    }

    private static native int nvmlDeviceGetMemoryInfo_(long device, long memory);

    @Override
    public int nvmlDeviceGetMemoryInfo(long device, long memory) {
        return nvmlDeviceGetMemoryInfo_(device, memory);
    }

    private static native int nvmlDeviceGetCurrentClocksEventReasons_(long device, long reasons);

    @Override
    public int nvmlDeviceGetCurrentClocksEventReasons(long device, long reasons) {
        return nvmlDeviceGetCurrentClocksEventReasons_(device, reasons);
    }

    private static native int nvmlDeviceGetCurrentClocksThrottleReasons_(long device, long reasons);

    @Override
    public int nvmlDeviceGetCurrentClocksThrottleReasons(long device, long reasons) {
        return nvmlDeviceGetCurrentClocksThrottleReasons_(device, reasons);
    }

    private static native int nvmlDeviceGetFanSpeed_(long device, long speed);

    @Override
    public int nvmlDeviceGetFanSpeed(long device, long speed) {
        return nvmlDeviceGetFanSpeed_(device, speed);
    }

    private static native int nvmlDeviceGetPerformanceState_(long device, long pState);

    @Override
    public int nvmlDeviceGetPerformanceState(long device, long pState) {
        return nvmlDeviceGetPerformanceState_(device, pState);
    }

    private static native int nvmlDeviceGetPcieThroughput_(long device, int counter, long value);

    @Override
    public int nvmlDeviceGetPcieThroughput(long device, int counter, long value) {
        return nvmlDeviceGetPcieThroughput_(device, counter, value);
    }

    private static native int nvmlDeviceGetComputeRunningProcesses_v3_(long device, long infoCount, long infos);

    @Override
    public int nvmlDeviceGetComputeRunningProcesses_v3(long device, long infoCount, long infos) {
        return nvmlDeviceGetComputeRunningProcesses_v3_(device, infoCount, infos);
    }

    private static native int nvmlDeviceGetComputeRunningProcesses_v2_(long device, long infoCount, long infos);

    @Override
    public int nvmlDeviceGetComputeRunningProcesses_v2(long device, long infoCount, long infos) {
        return nvmlDeviceGetComputeRunningProcesses_v2_(device, infoCount, infos);
    }

    private static native int nvmlDeviceGetComputeRunningProcesses_(long device, long infoCount, long infos);

    @Override
    public int nvmlDeviceGetComputeRunningProcesses(long device, long infoCount, long infos) {
        return nvmlDeviceGetComputeRunningProcesses_(device, infoCount, infos);
    }

    private static native int nvmlDeviceGetGraphicsRunningProcesses_v3_(long device, long infoCount, long infos);

    @Override
    public int nvmlDeviceGetGraphicsRunningProcesses_v3(long device, long infoCount, long infos) {
        return nvmlDeviceGetGraphicsRunningProcesses_v3_(device, infoCount, infos);
    }

    private static native int nvmlDeviceGetGraphicsRunningProcesses_v2_(long device, long infoCount, long infos);

    @Override
    public int nvmlDeviceGetGraphicsRunningProcesses_v2(long device, long infoCount, long infos) {
        return nvmlDeviceGetGraphicsRunningProcesses_v2_(device, infoCount, infos);
    }

    private static native int nvmlDeviceGetGraphicsRunningProcesses_(long device, long infoCount, long infos);

    @Override
    public int nvmlDeviceGetGraphicsRunningProcesses(long device, long infoCount, long infos) {
        return nvmlDeviceGetGraphicsRunningProcesses_(device, infoCount, infos);
    }

    private static native int nvmlDeviceGetProcessUtilization_(
            long device, long utilization, long processSamplesCount, long lastSeenTimeStamp);

    @Override
    public int nvmlDeviceGetProcessUtilization(
            long device, long utilization, long processSamplesCount, long lastSeenTimeStamp) {
        return nvmlDeviceGetProcessUtilization_(device, utilization, processSamplesCount, lastSeenTimeStamp);
    }

    private static native int nvmlDeviceGetFieldValues_(long device, int valuesCount, long values);

    @Override
    public int nvmlDeviceGetFieldValues(long device, int valuesCount, long values) {
        return nvmlDeviceGetFieldValues_(device, valuesCount, values);
    }

    private static native int nvmlDeviceGetMigMode_(long device, long currentMode, long pendingMode);

    @Override
    public int nvmlDeviceGetMigMode(long device, long currentMode, long pendingMode) {
        return nvmlDeviceGetMigMode_(device, currentMode, pendingMode);
    }

    private static native int nvmlDeviceGetMaxMigDeviceCount_(long device, long count);

    @Override
    public int nvmlDeviceGetMaxMigDeviceCount(long device, long count) {
        return nvmlDeviceGetMaxMigDeviceCount_(device, count);
    }

    private static native int nvmlDeviceGetMigDeviceHandleByIndex_(long device, int index, long migDevice);

    @Override
    public int nvmlDeviceGetMigDeviceHandleByIndex(long device, int index, long migDevice) {
        return nvmlDeviceGetMigDeviceHandleByIndex_(device, index, migDevice);
    }

    private static native int nvmlDeviceIsMigDeviceHandle_(long device, long isMigDevice);

    @Override
    public int nvmlDeviceIsMigDeviceHandle(long device, long isMigDevice) {
        return nvmlDeviceIsMigDeviceHandle_(device, isMigDevice);
    }

    private static native int nvmlDeviceGetGpuInstanceId_(long device, long id);

    @Override
    public int nvmlDeviceGetGpuInstanceId(long device, long id) {
        return nvmlDeviceGetGpuInstanceId_(device, id);
    }

    private static native int nvmlDeviceGetComputeInstanceId_(long device, long id);

    @Override
    public int nvmlDeviceGetComputeInstanceId(long device, long id) {
        return nvmlDeviceGetComputeInstanceId_(device, id);
    }

    private static native int nvmlGpmQueryDeviceSupport_(long device, long gpmSupport);

    @Override
    public int nvmlGpmQueryDeviceSupport(long device, long gpmSupport) {
        return nvmlGpmQueryDeviceSupport_(device, gpmSupport);
    }

    private static native int nvmlGpmSampleAlloc_(long gpmSample);

    @Override
    public int nvmlGpmSampleAlloc(long gpmSample) {
        return nvmlGpmSampleAlloc_(gpmSample);
    }

    private static native int nvmlGpmSampleFree_(long gpmSample);

    @Override
    public int nvmlGpmSampleFree(long gpmSample) {
        return nvmlGpmSampleFree_(gpmSample);
    }

    private static native int nvmlGpmSampleGet_(long device, long gpmSample);

    @Override
    public int nvmlGpmSampleGet(long device, long gpmSample) {
        return nvmlGpmSampleGet_(device, gpmSample);
    }

    private static native int nvmlGpmMetricsGet_(long metricsGet);

    @Override
    public int nvmlGpmMetricsGet(long metricsGet) {
        return nvmlGpmMetricsGet_(metricsGet);
    }
}

package io.wattguard.nvml;

/**
 * One GPU stopped answering (GPU_IS_LOST or UNKNOWN). The device stays in the list, answers this at once without
 * touching the driver until its retry time, then tries again; every other GPU carries on.
 */
public class GpuLostException extends NvmlException {
    private static final long serialVersionUID = 1L;
    private final int gpuIndex;

    public GpuLostException(int gpuIndex, String function, NvmlReturn returnCode, String message) {
        super(function, returnCode, message);
        this.gpuIndex = gpuIndex;
    }

    public int gpuIndex() {
        return gpuIndex;
    }
}

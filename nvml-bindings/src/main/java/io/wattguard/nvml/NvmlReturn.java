package io.wattguard.nvml;

/** Every nvmlReturn_t, with the text NVIDIA's own nvmlErrorString gives for it (driver 535). */
public enum NvmlReturn {
    SUCCESS(0, "Success"),
    UNINITIALIZED(1, "Uninitialized"),
    INVALID_ARGUMENT(2, "Invalid Argument"),
    NOT_SUPPORTED(3, "Not Supported"),
    NO_PERMISSION(4, "Insufficient Permissions"),
    ALREADY_INITIALIZED(5, "Already Initialized"),
    NOT_FOUND(6, "Not Found"),
    INSUFFICIENT_SIZE(7, "Insufficient Size"),
    INSUFFICIENT_POWER(8, "Insufficient External Power"),
    DRIVER_NOT_LOADED(9, "Driver Not Loaded"),
    TIMEOUT(10, "Timeout"),
    IRQ_ISSUE(11, "Interrupt Request Issue"),
    LIBRARY_NOT_FOUND(12, "NVML Shared Library Not Found"),
    FUNCTION_NOT_FOUND(13, "Function Not Found"),
    CORRUPTED_INFOROM(14, "Corrupted infoROM"),
    GPU_IS_LOST(15, "GPU is lost"),
    RESET_REQUIRED(16, "GPU requires reset"),
    OPERATING_SYSTEM(17, "GPU access blocked by the operating system"),
    LIB_RM_VERSION_MISMATCH(18, "Driver/library version mismatch"),
    IN_USE(19, "In use by another client"),
    MEMORY(20, "Insufficient Memory"),
    NO_DATA(21, "No data"),
    VGPU_ECC_NOT_SUPPORTED(22, "vGPU ECC not supported"),
    INSUFFICIENT_RESOURCES(23, "Insufficient Resources"),
    FREQ_NOT_SUPPORTED(24, "Invalid Frequency"),
    ARGUMENT_VERSION_MISMATCH(25, "Argument version mismatch"),
    DEPRECATED(26, "Requested functionality has been deprecated"),
    UNKNOWN(999, "Unknown Error");

    private static final NvmlReturn[] BY_CODE = new NvmlReturn[27];

    static {
        for (NvmlReturn r : values()) {
            if (r.code < BY_CODE.length) {
                BY_CODE[r.code] = r;
            }
        }
    }

    private final int code;
    private final String text;

    NvmlReturn(int code, String text) {
        this.code = code;
        this.text = text;
    }

    public int code() {
        return code;
    }

    /** NVIDIA's wording, as nvidia-smi and NVML's own nvmlErrorString print it. */
    public String text() {
        return text;
    }

    /** The constant for a raw code; a code newer than this list maps to UNKNOWN, as NVML itself describes it. */
    public static NvmlReturn of(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : UNKNOWN;
    }

    /** The device is gone until it is found again: GPU_IS_LOST, or UNKNOWN, which drivers also use for a wedged GPU. */
    public boolean meansDeviceLost() {
        return this == GPU_IS_LOST || this == UNKNOWN;
    }

    @Override
    public String toString() {
        return name() + " (" + code + ", " + text + ")";
    }
}

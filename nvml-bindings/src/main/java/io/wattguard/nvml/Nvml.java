package io.wattguard.nvml;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import io.wattguard.nvml.internal.Layout;
import io.wattguard.nvml.internal.NativeBinding;
import io.wattguard.nvml.internal.NvmlFunctions;
import io.wattguard.nvml.internal.SymbolTable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A started NVML: the library found, its symbols resolved, {@code nvmlInit} done, the GPUs enumerated.
 * Thread-safe; {@link #close()} shuts NVML down once and may be called any number of times.
 */
public final class Nvml implements AutoCloseable {
    private final NativeBinding binding;
    private final NvmlFunctions f;
    private final LoadOptions options;
    private final String driverVersion;
    private final String nvmlVersion;
    private final OptionalInt cudaDriverVersion;
    private final List<GpuDevice> devices;
    private final AtomicBoolean closed = new AtomicBoolean();
    final Choices choices;
    /** Element size of the _v3 process lists, learned from the first non-empty answer (0 until then). */
    private volatile int processV3Stride;

    /** Which version of each versioned function this library gets called with, chosen once at load. */
    static final class Choices {
        final int processVersion; // 3, 2, 1, or 0 for none
        final boolean memoryV2;
        final boolean pciV3;
        final boolean pciV2;
        final boolean eventReasons;
        final boolean throttleReasons;
        final boolean handleV2;
        final boolean power;
        final boolean powerLimit;
        final boolean powerManagementLimit;
        final boolean energy;
        final boolean fan;
        final boolean pstate;
        final boolean fieldValues;
        final boolean processUtilization;
        final boolean mig;
        final boolean migHandles;
        final boolean gpm;
        final boolean pcie;
        final boolean serial;
        final boolean maxClock;
        final boolean name;
        final boolean uuid;
        final boolean utilization;
        final boolean temperature;
        final boolean clock;
        final boolean memoryV1;
        final boolean migIds;

        Choices(SymbolTable s) {
            processVersion = s.has("nvmlDeviceGetComputeRunningProcesses_v3")
                    ? 3
                    : s.has("nvmlDeviceGetComputeRunningProcesses_v2")
                            ? 2
                            : s.has("nvmlDeviceGetComputeRunningProcesses") ? 1 : 0;
            memoryV2 = s.has("nvmlDeviceGetMemoryInfo_v2");
            pciV3 = s.has("nvmlDeviceGetPciInfo_v3");
            pciV2 = s.has("nvmlDeviceGetPciInfo_v2");
            eventReasons = s.has("nvmlDeviceGetCurrentClocksEventReasons");
            throttleReasons = s.has("nvmlDeviceGetCurrentClocksThrottleReasons");
            handleV2 = s.has("nvmlDeviceGetHandleByIndex_v2");
            power = s.has("nvmlDeviceGetPowerUsage");
            powerLimit = s.has("nvmlDeviceGetEnforcedPowerLimit");
            powerManagementLimit = s.has("nvmlDeviceGetPowerManagementLimit");
            energy = s.has("nvmlDeviceGetTotalEnergyConsumption");
            fan = s.has("nvmlDeviceGetFanSpeed");
            pstate = s.has("nvmlDeviceGetPerformanceState");
            fieldValues = s.has("nvmlDeviceGetFieldValues");
            processUtilization = s.has("nvmlDeviceGetProcessUtilization");
            mig = s.has("nvmlDeviceGetMigMode");
            migHandles = s.has("nvmlDeviceGetMaxMigDeviceCount") && s.has("nvmlDeviceGetMigDeviceHandleByIndex");
            gpm = s.has("nvmlGpmQueryDeviceSupport")
                    && s.has("nvmlGpmSampleAlloc")
                    && s.has("nvmlGpmSampleGet")
                    && s.has("nvmlGpmMetricsGet")
                    && s.has("nvmlGpmSampleFree");
            pcie = s.has("nvmlDeviceGetPcieThroughput");
            serial = s.has("nvmlDeviceGetSerial");
            maxClock = s.has("nvmlDeviceGetMaxClockInfo");
            name = s.has("nvmlDeviceGetName");
            uuid = s.has("nvmlDeviceGetUUID");
            utilization = s.has("nvmlDeviceGetUtilizationRates");
            temperature = s.has("nvmlDeviceGetTemperature");
            clock = s.has("nvmlDeviceGetClockInfo");
            memoryV1 = s.has("nvmlDeviceGetMemoryInfo");
            migIds = s.has("nvmlDeviceGetGpuInstanceId") && s.has("nvmlDeviceGetComputeInstanceId");
        }
    }

    private Nvml(NativeBinding binding, LoadOptions options) {
        this.binding = binding;
        this.f = binding.functions();
        this.options = options;
        this.choices = new Choices(binding.symbols());
        ByteBuffer buf = ByteBuffer.allocateDirect(256).order(ByteOrder.nativeOrder());
        long addr = address(buf);
        this.driverVersion =
                binding.symbols().has("nvmlSystemGetDriverVersion") && f.nvmlSystemGetDriverVersion(addr, 80) == 0
                        ? cString(buf, 0, 80)
                        : "unknown";
        this.nvmlVersion =
                binding.symbols().has("nvmlSystemGetNVMLVersion") && f.nvmlSystemGetNVMLVersion(addr, 80) == 0
                        ? cString(buf, 0, 80)
                        : "unknown";
        int rc = binding.symbols().has("nvmlSystemGetCudaDriverVersion_v2")
                ? f.nvmlSystemGetCudaDriverVersion_v2(addr)
                : binding.symbols().has("nvmlSystemGetCudaDriverVersion")
                        ? f.nvmlSystemGetCudaDriverVersion(addr)
                        : NvmlReturn.FUNCTION_NOT_FOUND.code();
        this.cudaDriverVersion = rc == 0 ? OptionalInt.of(buf.getInt(0)) : OptionalInt.empty();
        this.devices = enumerate(buf, addr);
    }

    /**
     * Finds, binds and starts NVML. Never crashes the JVM on an old or odd library: missing symbols are features
     * marked unsupported.
     *
     * @throws NvmlUnavailableException when there is no usable NVML here, with a message for the operator
     */
    public static Nvml load(LoadOptions options) {
        List<String> tried = new ArrayList<>();
        List<String> reasons = new ArrayList<>();
        List<String> candidates = options.libraryPath()
                .map(List::of)
                .orElseGet(() -> LibraryLocator.candidates(options.osName(), options.environment()));
        NativeBinding binding = null;
        for (String candidate : candidates) {
            tried.add(candidate);
            try {
                binding = NativeBinding.open(candidate);
                break;
            } catch (UnsatisfiedLinkError e) {
                reasons.add(candidate + ": " + whyNotLoaded(e.getMessage()));
            }
        }
        String hint = LibraryLocator.installHint(options.osName());
        if (binding == null) {
            throw new NvmlUnavailableException(
                    "load",
                    NvmlReturn.LIBRARY_NOT_FOUND,
                    tried,
                    "NVML library not found, so no GPU can be read. Tried " + String.join("; ", reasons) + ". To fix: "
                            + hint + ".");
        }
        SymbolTable s = binding.symbols();
        NvmlFunctions fn = binding.functions();
        String init;
        int rc;
        if (options.initFlags().isPresent() && s.has("nvmlInitWithFlags")) {
            init = "nvmlInitWithFlags";
            rc = fn.nvmlInitWithFlags(options.initFlags().getAsInt());
        } else if (s.has("nvmlInit_v2")) {
            init = "nvmlInit_v2";
            rc = fn.nvmlInit_v2();
        } else if (s.has("nvmlInit")) {
            init = "nvmlInit";
            rc = fn.nvmlInit();
        } else {
            NvmlUnavailableException e = new NvmlUnavailableException(
                    "load",
                    NvmlReturn.FUNCTION_NOT_FOUND,
                    tried,
                    binding.file() + " has no nvmlInit_v2 or nvmlInit: it is not a usable NVML. To fix: " + hint + ".");
            binding.release();
            throw e;
        }
        if (rc != 0) {
            NvmlReturn r = NvmlReturn.of(rc);
            NvmlUnavailableException e = new NvmlUnavailableException(
                    init,
                    r,
                    tried,
                    "NVML at " + binding.file() + " loaded, but " + init + " returned " + rc + " (" + r.text() + "): "
                            + initAdvice(r, hint));
            // NVML never started here, so nothing can be running inside the library: give it all back, as a caller
            // retrying every poll until the driver loads must not grow with each try.
            binding.release();
            throw e;
        }
        try {
            return new Nvml(binding, options);
        } catch (RuntimeException | Error e) {
            if (s.has("nvmlShutdown")) {
                fn.nvmlShutdown();
            }
            binding.unbind();
            throw e;
        }
    }

    private static String initAdvice(NvmlReturn r, String hint) {
        return switch (r) {
            case DRIVER_NOT_LOADED ->
                "the NVIDIA kernel driver is not running on this machine (no NVIDIA GPU, or the "
                        + "nvidia module is not loaded: check that nvidia-smi works). GPU metrics are off; other sources "
                        + "carry on.";
            case NO_PERMISSION ->
                "this user may not open /dev/nvidia*; run the collector as a user with access to "
                        + "the GPU device files.";
            // Seen on a GPU machine whose library path also held a packaged copy of another driver's library.
            case LIB_RM_VERSION_MISMATCH ->
                "libnvidia-ml and the loaded kernel module come from different driver "
                        + "versions: usually a driver upgrade without a reboot (reboot or reload the nvidia module), or "
                        + "another driver's copy of the library found first (set the nvml source's library to the "
                        + "driver's own). GPU metrics are off; other sources carry on.";
            case LIBRARY_NOT_FOUND, FUNCTION_NOT_FOUND -> hint + ".";
            default -> "GPU metrics are off; other sources carry on. If this persists: " + hint + ".";
        };
    }

    /**
     * JNA's message starts "Unable to load library 'X':" (the path we already print) and puts the dynamic
     * loader's reason on later lines; keep only the reason, and say "not found" for the common case.
     */
    static String whyNotLoaded(String message) {
        if (message == null) {
            return "cannot be opened";
        }
        String reason = null;
        for (String line : message.split("\n")) {
            String l = line.trim();
            if (l.isEmpty() || l.startsWith("Unable to load library")) {
                continue;
            }
            if (l.contains("No such file") || l.contains("not found") || l.contains("cannot find")) {
                return "not found";
            }
            reason = reason == null ? l : reason;
        }
        return reason == null ? "not found" : reason;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "cannot be opened";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private List<GpuDevice> enumerate(ByteBuffer buf, long addr) {
        SymbolTable s = binding.symbols();
        int rc = s.has("nvmlDeviceGetCount_v2")
                ? f.nvmlDeviceGetCount_v2(addr)
                : s.has("nvmlDeviceGetCount") ? f.nvmlDeviceGetCount(addr) : NvmlReturn.FUNCTION_NOT_FOUND.code();
        if (rc != 0) {
            throw new NvmlException("nvmlDeviceGetCount_v2", NvmlReturn.of(rc));
        }
        int count = buf.getInt(0);
        List<GpuDevice> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            GpuDevice d = new GpuDevice(this, i);
            int hrc = handleByIndex(i, addr);
            if (hrc == 0) {
                d.attach(buf.getLong(0));
            } else {
                // One GPU that fails here (lost, or wedged) is listed lost and retried later; the rest carry on.
                d.markLostAtStart("nvmlDeviceGetHandleByIndex_v2", NvmlReturn.of(hrc));
            }
            out.add(d);
        }
        return List.copyOf(out);
    }

    int handleByIndex(int index, long addr) {
        if (choices.handleV2) {
            return f.nvmlDeviceGetHandleByIndex_v2(index, addr);
        }
        return binding.symbols().has("nvmlDeviceGetHandleByIndex")
                ? f.nvmlDeviceGetHandleByIndex(index, addr)
                : NvmlReturn.FUNCTION_NOT_FOUND.code();
    }

    NvmlFunctions functions() {
        return f;
    }

    LoadOptions options() {
        return options;
    }

    int processV3Stride() {
        return processV3Stride;
    }

    void learnProcessV3Stride(int stride) {
        processV3Stride = stride;
    }

    boolean isClosed() {
        return closed.get();
    }

    /** The driver version, e.g. "535.261.03". */
    public String driverVersion() {
        return driverVersion;
    }

    /** NVML's own version, e.g. "12.535.261.03". */
    public String nvmlVersion() {
        return nvmlVersion;
    }

    /** The CUDA version the driver supports, as NVML encodes it (12020 for 12.2). */
    public OptionalInt cudaDriverVersion() {
        return cudaDriverVersion;
    }

    /** The library file in use. */
    public String libraryFile() {
        return binding.file();
    }

    /** The GPUs NVML enumerated at load, by index; a GPU lost at load is listed and retried. */
    public List<GpuDevice> devices() {
        return devices;
    }

    /** Every NVML symbol the binding knows and the library exports. */
    public Set<String> availableSymbols() {
        return binding.symbols().present();
    }

    /** Symbols the binding knows that this library lacks: those features read as absent. */
    public List<String> missingSymbols() {
        return binding.symbols().missing();
    }

    /** The process-list function this library is called with, newest available first (_v3, _v2, unversioned). */
    public Optional<String> processListFunction() {
        return switch (choices.processVersion) {
            case 3 -> Optional.of("nvmlDeviceGetComputeRunningProcesses_v3");
            case 2 -> Optional.of("nvmlDeviceGetComputeRunningProcesses_v2");
            case 1 -> Optional.of("nvmlDeviceGetComputeRunningProcesses");
            default -> Optional.empty();
        };
    }

    /**
     * Bytes per element of the process lists, as detected at run time for _v3 (absent until a non-empty list
     * was seen); fixed by the function version otherwise.
     */
    public OptionalInt processInfoStride() {
        return switch (choices.processVersion) {
            case 3 -> processV3Stride == 0 ? OptionalInt.empty() : OptionalInt.of(processV3Stride);
            case 2 -> OptionalInt.of(Layout.PROCESS_V2_SIZE);
            case 1 -> OptionalInt.of(Layout.PROCESS_V1_SIZE);
            default -> OptionalInt.empty();
        };
    }

    /** NVML's description of a return code, from the library itself. */
    public String errorString(int code) {
        if (closed.get()) {
            return NvmlReturn.of(code).text();
        }
        long p = f.nvmlErrorString(code);
        return p == 0 ? NvmlReturn.of(code).text() : new Pointer(p).getString(0, "UTF-8");
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (GpuDevice d : devices) {
            d.release();
        }
        if (binding.symbols().has("nvmlShutdown")) {
            f.nvmlShutdown();
        }
        binding.unbind();
    }

    static long address(ByteBuffer direct) {
        return Pointer.nativeValue(Native.getDirectBufferPointer(direct));
    }

    static String cString(ByteBuffer buf, int offset, int max) {
        int n = 0;
        while (n < max && buf.get(offset + n) != 0) {
            n++;
        }
        byte[] b = new byte[n];
        buf.get(offset, b);
        return new String(b, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "Nvml[" + binding.file() + ", driver " + driverVersion + ", " + devices.size() + " GPUs]";
    }
}

package io.wattguard.nvml;

import static io.wattguard.nvml.internal.Layout.*;

import io.wattguard.nvml.internal.NvmlFunctions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * One device's compute and graphics process lists and per-process utilisation samples, with the native buffers
 * they are read into (grown as the driver asks, kept between calls). Not thread-safe: its {@link GpuDevice}
 * serialises calls, and lends its scratch buffer for the counts.
 */
final class ProcessLists {
    private static final byte SENTINEL = (byte) 0xA5;
    private static final int INSUFFICIENT_SIZE = NvmlReturn.INSUFFICIENT_SIZE.code();
    private static final long NOT_AVAILABLE_64 = -1L;
    private static final int NOT_AVAILABLE_32 = -1;
    /** The widest process-list element any driver wrote (early R535 _v3): buffers are sized for it, always. */
    private static final int MAX_PROCESS_STRIDE = Math.max(PROCESS_R535_EARLY_SIZE, PROCESS_V3_SIZE);

    private static final int MAX_LIST_ATTEMPTS = 5;
    private static final int INITIAL_CAPACITY = 16;

    private final Nvml nvml;
    private final NvmlFunctions f;
    private final Nvml.Choices c;
    private final ByteBuffer scratch;
    private final long scratchAddr;
    private final GpuDevice.LostCheck lostCheck;
    private ByteBuffer processes;
    private long processesAddr;
    private int processCapacity;
    private ByteBuffer samples;
    private long samplesAddr;
    private int sampleCapacity;
    private int[] pids = new int[INITIAL_CAPACITY];
    private long lastSampleTimestamp;

    ProcessLists(Nvml nvml, ByteBuffer scratch, long scratchAddr, GpuDevice.LostCheck lostCheck) {
        this.nvml = nvml;
        this.f = nvml.functions();
        this.c = nvml.choices;
        this.scratch = scratch;
        this.scratchAddr = scratchAddr;
        this.lostCheck = lostCheck;
        allocateProcesses(INITIAL_CAPACITY);
    }

    private void allocateProcesses(int capacity) {
        processes = ByteBuffer.allocateDirect(capacity * MAX_PROCESS_STRIDE).order(ByteOrder.nativeOrder());
        processesAddr = Nvml.address(processes);
        processCapacity = capacity;
    }

    private int stride() {
        return switch (c.processVersion) {
            case 1 -> PROCESS_V1_SIZE;
            case 2 -> PROCESS_V2_SIZE;
            default -> nvml.processV3Stride();
        };
    }

    private int callList(boolean graphics, long h, long countAddr) {
        return switch (c.processVersion) {
            case 3 ->
                graphics
                        ? f.nvmlDeviceGetGraphicsRunningProcesses_v3(h, countAddr, processesAddr)
                        : f.nvmlDeviceGetComputeRunningProcesses_v3(h, countAddr, processesAddr);
            case 2 ->
                graphics
                        ? f.nvmlDeviceGetGraphicsRunningProcesses_v2(h, countAddr, processesAddr)
                        : f.nvmlDeviceGetComputeRunningProcesses_v2(h, countAddr, processesAddr);
            default ->
                graphics
                        ? f.nvmlDeviceGetGraphicsRunningProcesses(h, countAddr, processesAddr)
                        : f.nvmlDeviceGetComputeRunningProcesses(h, countAddr, processesAddr);
        };
    }

    /**
     * One process list into {@link #processes}: the number of elements, or minus the NVML code. Follows NVIDIA's
     * protocol: a list that grew between calls answers INSUFFICIENT_SIZE with the size it needs now; grow, retry.
     */
    private int list(boolean graphics, long h) {
        String function = graphics ? "nvmlDeviceGetGraphicsRunningProcesses" : "nvmlDeviceGetComputeRunningProcesses";
        for (int attempt = 0; attempt < MAX_LIST_ATTEMPTS; attempt++) {
            boolean detect = c.processVersion == 3 && nvml.processV3Stride() == 0;
            if (detect) {
                fill(processes, processCapacity * MAX_PROCESS_STRIDE);
            }
            scratch.putInt(0, processCapacity);
            int rc = callList(graphics, h, scratchAddr);
            int n = scratch.getInt(0);
            if (rc == 0) {
                if (detect && n > 0) {
                    nvml.learnProcessV3Stride(detectStride(processes, n));
                }
                return n;
            }
            if (rc == INSUFFICIENT_SIZE && n > processCapacity) {
                allocateProcesses(n);
                continue;
            }
            lostCheck.check(function, rc);
            return -rc;
        }
        return -INSUFFICIENT_SIZE;
    }

    private static void fill(ByteBuffer b, int length) {
        for (int i = 0; i < length; i += 8) {
            b.putLong(i, 0xA5A5_A5A5_A5A5_A5A5L);
        }
    }

    /**
     * R535 drivers changed the _v3 element without changing the function name: 24 bytes in nvml.h, 32 in early
     * 535 releases. The buffer was filled with a sentinel and sized for 32-byte elements; with 24-byte elements the
     * bytes past {@code n * 24} stay untouched, with 32-byte ones the driver writes them (ids, protected memory).
     */
    static int detectStride(ByteBuffer b, int n) {
        int narrow = PROCESS_V3_SIZE;
        int wide = PROCESS_R535_EARLY_SIZE;
        for (int i = n * narrow; i < n * wide; i++) {
            if (b.get(i) != SENTINEL) {
                return wide;
            }
        }
        return narrow;
    }

    /** Distinct pids over the compute and graphics lists, or minus the NVML code if neither answered. */
    int count(long h) {
        int n = list(false, h);
        int stride = stride();
        int compute = Math.max(n, 0);
        if (compute > pids.length) {
            pids = new int[Math.max(compute, pids.length * 2)];
        }
        for (int i = 0; i < compute; i++) {
            pids[i] = processes.getInt(i * stride + PROCESS_PID);
        }
        int g = list(true, h);
        if (n < 0 && g < 0) {
            return n;
        }
        int total = compute;
        for (int i = 0; i < Math.max(g, 0); i++) {
            int pid = processes.getInt(i * stride + PROCESS_PID);
            boolean seen = false;
            for (int j = 0; j < compute && !seen; j++) {
                seen = pids[j] == pid;
            }
            if (!seen) {
                total++;
            }
        }
        return total;
    }

    private static OptionalInt id(int raw) {
        return raw == NOT_AVAILABLE_32 ? OptionalInt.empty() : OptionalInt.of(raw);
    }

    private int utilizationSamples(long h) {
        if (samples == null) {
            sampleCapacity = INITIAL_CAPACITY;
            samples = ByteBuffer.allocateDirect(sampleCapacity * PUTIL_SIZE).order(ByteOrder.nativeOrder());
            samplesAddr = Nvml.address(samples);
        }
        for (int attempt = 0; attempt < MAX_LIST_ATTEMPTS; attempt++) {
            scratch.putInt(0, sampleCapacity);
            int rc = f.nvmlDeviceGetProcessUtilization(h, samplesAddr, scratchAddr, lastSampleTimestamp);
            int n = scratch.getInt(0);
            if (rc == 0) {
                return n;
            }
            if (rc == INSUFFICIENT_SIZE && n > sampleCapacity) {
                sampleCapacity = n;
                samples = ByteBuffer.allocateDirect(n * PUTIL_SIZE).order(ByteOrder.nativeOrder());
                samplesAddr = Nvml.address(samples);
                continue;
            }
            lostCheck.check("nvmlDeviceGetProcessUtilization", rc);
            return 0; // NOT_FOUND: no process ran since the last look; NOT_SUPPORTED: no utilisation here
        }
        return 0;
    }

    /**
     * The compute and graphics processes with their GPU memory and, from the driver's process utilisation samples
     * since the previous call, their SM, memory, encoder and decoder utilisation. Empty if the driver cannot list
     * processes on this GPU.
     */
    List<GpuProcess> read(long h) {
        Map<Integer, GpuProcess> byPid = new LinkedHashMap<>();
        for (boolean graphics : new boolean[] {false, true}) {
            int n = list(graphics, h);
            int stride = stride();
            for (int i = 0; i < n; i++) {
                int base = i * stride;
                int pid = processes.getInt(base + PROCESS_PID);
                long mem = processes.getLong(base + PROCESS_MEMORY);
                OptionalInt gi = OptionalInt.empty();
                OptionalInt ci = OptionalInt.empty();
                if (c.processVersion >= 2) {
                    gi = id(processes.getInt(base + PROCESS_GPU_INSTANCE));
                    ci = id(processes.getInt(base + PROCESS_COMPUTE_INSTANCE));
                }
                GpuProcess before = byPid.get(pid);
                boolean compute = !graphics || (before != null && before.compute());
                byPid.put(
                        pid,
                        new GpuProcess(
                                pid,
                                compute,
                                graphics,
                                mem == NOT_AVAILABLE_64 ? OptionalLong.empty() : OptionalLong.of(mem),
                                gi,
                                ci,
                                OptionalInt.empty(),
                                OptionalInt.empty(),
                                OptionalInt.empty(),
                                OptionalInt.empty()));
            }
        }
        if (c.processUtilization && !byPid.isEmpty()) {
            int n = utilizationSamples(h);
            long newest = lastSampleTimestamp;
            Map<Integer, Integer> latest = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                int base = i * PUTIL_SIZE;
                int pid = samples.getInt(base + PUTIL_PID);
                long ts = samples.getLong(base + PUTIL_TIMESTAMP);
                Integer prev = latest.get(pid);
                if (prev == null || samples.getLong(prev * PUTIL_SIZE + PUTIL_TIMESTAMP) < ts) {
                    latest.put(pid, i);
                }
                newest = Math.max(newest, ts);
            }
            for (Map.Entry<Integer, Integer> e : latest.entrySet()) {
                GpuProcess p = byPid.get(e.getKey());
                if (p != null) {
                    int base = e.getValue() * PUTIL_SIZE;
                    byPid.put(
                            p.pid(),
                            new GpuProcess(
                                    p.pid(),
                                    p.compute(),
                                    p.graphics(),
                                    p.usedGpuMemoryBytes(),
                                    p.gpuInstanceId(),
                                    p.computeInstanceId(),
                                    OptionalInt.of(samples.getInt(base + PUTIL_SM)),
                                    OptionalInt.of(samples.getInt(base + PUTIL_MEM)),
                                    OptionalInt.of(samples.getInt(base + PUTIL_ENC)),
                                    OptionalInt.of(samples.getInt(base + PUTIL_DEC))));
                }
            }
            lastSampleTimestamp = newest;
        }
        return List.copyOf(byPid.values());
    }
}

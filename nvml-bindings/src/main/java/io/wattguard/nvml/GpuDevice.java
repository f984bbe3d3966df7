package io.wattguard.nvml;

import static io.wattguard.nvml.internal.Layout.*;

import io.wattguard.nvml.internal.NvmlFunctions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One GPU (or one MIG device). Every method reads the driver now; a field the GPU does not support is absent. When
 * the driver says the GPU is lost (GPU_IS_LOST or UNKNOWN) this device throws {@link GpuLostException} at once,
 * without touching the driver, until its retry time; then it asks for the GPU again. Thread-safe: calls on one
 * device are serialised (they share one native buffer), calls on different devices are not.
 */
public final class GpuDevice {
    /** Marks the device lost (and throws) when an NVML code says so; returns otherwise. For the helpers below. */
    @FunctionalInterface
    interface LostCheck {
        void check(String function, int rc);
    }

    private static final int SCRATCH = 4096;

    private final Nvml nvml;
    private final NvmlFunctions f;
    private final Nvml.Choices c;
    private final int index;
    private final GpuDevice parent;
    private final int migIndex;
    private final ByteBuffer scratch = ByteBuffer.allocateDirect(SCRATCH).order(ByteOrder.nativeOrder());
    private final long scratchAddr = Nvml.address(scratch);
    private final ProcessLists processLists;
    private final SnapshotReader snapshots;
    private final GpmSampler gpm;
    private long handle;
    private GpuInfo info;
    private NvmlReturn lostCode;
    private String lostFunction;
    private long retryAtNanos;
    private Boolean gpmSupported;
    private boolean released;

    GpuDevice(Nvml nvml, int index) {
        this(nvml, index, null, -1);
    }

    private GpuDevice(Nvml nvml, int index, GpuDevice parent, int migIndex) {
        this.nvml = nvml;
        this.f = nvml.functions();
        this.c = nvml.choices;
        this.index = index;
        this.parent = parent;
        this.migIndex = migIndex;
        this.processLists = new ProcessLists(nvml, scratch, scratchAddr, this::checkLost);
        this.snapshots = new SnapshotReader(nvml, scratch, scratchAddr, processLists, this::checkLost);
        this.gpm = new GpmSampler(nvml.functions(), scratch, scratchAddr, this::checkLost);
    }

    void attach(long h) {
        handle = h;
    }

    void markLostAtStart(String function, NvmlReturn code) {
        lostCode = code;
        lostFunction = function;
        retryAtNanos = nvml.options().ticker().getAsLong()
                + nvml.options().lostRetryInterval().toNanos();
    }

    /** NVML's index (for a MIG device, its parent's). */
    public int index() {
        return index;
    }

    public boolean isMigDevice() {
        return parent != null;
    }

    /** The GPU a MIG device is a slice of. */
    public Optional<GpuDevice> parent() {
        return Optional.ofNullable(parent);
    }

    /** Lost now, as far as this device knows (it learns on the next call that reaches the driver). */
    public synchronized boolean isLost() {
        return lostCode != null;
    }

    // ---------------------------------------------------------------- health

    private long usableHandle() {
        if (nvml.isClosed() || released) {
            throw new IllegalStateException("NVML is closed");
        }
        if (lostCode == null) {
            return handle;
        }
        long now = nvml.options().ticker().getAsLong();
        if (now - retryAtNanos < 0) {
            throw new GpuLostException(
                    index,
                    lostFunction,
                    lostCode,
                    describe() + " is lost (" + lostFunction
                            + " returned " + lostCode.code() + ", " + lostCode.text() + "); next retry in "
                            + Math.max(1, (retryAtNanos - now) / 1_000_000) + " ms");
        }
        if (parent != null) {
            // A MIG slice comes back through its parent's enumeration, not on its own.
            retryAtNanos = now + nvml.options().lostRetryInterval().toNanos();
            throw new GpuLostException(
                    index,
                    lostFunction,
                    lostCode,
                    describe() + " is lost; list the parent's " + "MIG devices again once the parent answers");
        }
        int rc = nvml.handleByIndex(index, scratchAddr);
        if (rc != 0) {
            lost("nvmlDeviceGetHandleByIndex_v2", rc);
        }
        handle = scratch.getLong(0);
        lostCode = null;
        lostFunction = null;
        info = null; // a reset or a swap may have changed what sits at this index
        return handle;
    }

    /** Marks the device lost if the code says so; returns normally otherwise. */
    private void checkLost(String function, int rc) {
        if (NvmlReturn.of(rc).meansDeviceLost()) {
            lost(function, rc);
        }
    }

    private void lost(String function, int rc) {
        lostCode = NvmlReturn.of(rc);
        lostFunction = function;
        retryAtNanos = nvml.options().ticker().getAsLong()
                + nvml.options().lostRetryInterval().toNanos();
        throw new GpuLostException(
                index,
                function,
                lostCode,
                describe() + " is lost: " + function + " returned "
                        + rc + " (" + lostCode.text() + "); retrying every "
                        + nvml.options().lostRetryInterval().toSeconds()
                        + " s, other GPUs carry on");
    }

    private String describe() {
        String id = info != null ? " (" + info.uuid() + ")" : "";
        return (parent != null ? "MIG device " + migIndex + " of GPU " : "GPU ") + index + id;
    }

    // ---------------------------------------------------------------- identity

    /** Name, UUID, PCI position, maximum clocks: read once, again after the GPU comes back from lost. */
    public synchronized GpuInfo info() {
        long h = usableHandle();
        if (info == null) {
            info = readInfo(h);
        }
        return info;
    }

    private GpuInfo readInfo(long h) {
        String name = c.name ? string("nvmlDeviceGetName", f.nvmlDeviceGetName(h, scratchAddr, 96), 96) : null;
        String uuid = c.uuid ? string("nvmlDeviceGetUUID", f.nvmlDeviceGetUUID(h, scratchAddr, 96), 96) : null;
        String serial = c.serial ? string("nvmlDeviceGetSerial", f.nvmlDeviceGetSerial(h, scratchAddr, 32), 32) : null;
        PciInfo pci = null;
        if (c.pciV3 || c.pciV2) {
            int rc = c.pciV3 ? f.nvmlDeviceGetPciInfo_v3(h, scratchAddr) : f.nvmlDeviceGetPciInfo_v2(h, scratchAddr);
            checkLost("nvmlDeviceGetPciInfo", rc);
            if (rc == 0) {
                pci = new PciInfo(
                        Nvml.cString(scratch, PCI_BUS_ID, PCI_BUS_ID_LENGTH),
                        scratch.getInt(PCI_DOMAIN),
                        scratch.getInt(PCI_BUS),
                        scratch.getInt(PCI_DEVICE),
                        scratch.getInt(PCI_DEVICE_ID),
                        scratch.getInt(PCI_SUBSYSTEM_ID));
            }
        }
        OptionalInt maxSm = c.maxClock
                ? uint("nvmlDeviceGetMaxClockInfo", f.nvmlDeviceGetMaxClockInfo(h, 1, scratchAddr))
                : OptionalInt.empty();
        OptionalInt maxMem = c.maxClock
                ? uint("nvmlDeviceGetMaxClockInfo", f.nvmlDeviceGetMaxClockInfo(h, 2, scratchAddr))
                : OptionalInt.empty();
        OptionalInt gi = OptionalInt.empty();
        OptionalInt ci = OptionalInt.empty();
        if (parent != null && c.migIds) {
            gi = uint("nvmlDeviceGetGpuInstanceId", f.nvmlDeviceGetGpuInstanceId(h, scratchAddr));
            ci = uint("nvmlDeviceGetComputeInstanceId", f.nvmlDeviceGetComputeInstanceId(h, scratchAddr));
        }
        return new GpuInfo(
                index,
                name == null ? "" : name,
                uuid == null ? "" : uuid,
                Optional.ofNullable(serial),
                Optional.ofNullable(pci),
                maxSm,
                maxMem,
                parent != null,
                gi,
                ci);
    }

    private String string(String function, int rc, int max) {
        checkLost(function, rc);
        return rc == 0 ? Nvml.cString(scratch, 0, max) : null;
    }

    private OptionalInt uint(String function, int rc) {
        checkLost(function, rc);
        return rc == 0 ? OptionalInt.of(scratch.getInt(0)) : OptionalInt.empty();
    }

    // ---------------------------------------------------------------- the sample

    /**
     * Reads every field of the {@code gpu} measurement (through {@link SnapshotReader}). One call per field, into a
     * buffer this device owns: the only allocation is the returned snapshot.
     *
     * @throws GpuLostException if the GPU is lost (this device only; the others are unaffected)
     */
    public synchronized GpuSnapshot snapshot() {
        long h = usableHandle();
        if (info == null) {
            info = readInfo(h);
        }
        return snapshots.read(h, index, info);
    }

    /**
     * The compute and graphics processes with their GPU memory and, from the driver's process utilisation samples
     * since the previous call, their SM, memory, encoder and decoder utilisation. Empty if the driver cannot list
     * processes on this GPU.
     */
    public synchronized List<GpuProcess> processes() {
        long h = usableHandle();
        return c.processVersion == 0 ? List.of() : processLists.read(h);
    }

    // ---------------------------------------------------------------- MIG, PCIe, fields

    /** MIG mode, absent on GPUs without MIG. */
    public synchronized Optional<MigMode> migMode() {
        long h = usableHandle();
        if (!c.mig || parent != null) {
            return Optional.empty();
        }
        int rc = f.nvmlDeviceGetMigMode(h, scratchAddr, scratchAddr + 8);
        checkLost("nvmlDeviceGetMigMode", rc);
        return rc == 0 ? Optional.of(new MigMode(scratch.getInt(0) == 1, scratch.getInt(8) == 1)) : Optional.empty();
    }

    /** The MIG devices of this GPU when MIG is on; each reads like a GPU (most fields absent, memory present). */
    public List<GpuDevice> migDevices() {
        Optional<MigMode> mode = migMode();
        synchronized (this) {
            if (mode.isEmpty() || !mode.get().enabled() || !c.migHandles) {
                return List.of();
            }
            long h = usableHandle();
            int rc = f.nvmlDeviceGetMaxMigDeviceCount(h, scratchAddr);
            checkLost("nvmlDeviceGetMaxMigDeviceCount", rc);
            if (rc != 0) {
                return List.of();
            }
            int max = scratch.getInt(0);
            List<GpuDevice> out = new ArrayList<>();
            for (int j = 0; j < max; j++) {
                rc = f.nvmlDeviceGetMigDeviceHandleByIndex(h, j, scratchAddr);
                if (rc == 0) {
                    GpuDevice m = new GpuDevice(nvml, index, this, j);
                    m.attach(scratch.getLong(0));
                    out.add(m);
                } else {
                    checkLost("nvmlDeviceGetMigDeviceHandleByIndex", rc);
                }
            }
            return List.copyOf(out);
        }
    }

    /** PCIe traffic in KB/s, {tx, rx}. Slow on real GPUs (the driver samples for ~20 ms): not part of the snapshot. */
    public synchronized Optional<long[]> pcieThroughputKBps() {
        long h = usableHandle();
        if (!c.pcie) {
            return Optional.empty();
        }
        int tx = f.nvmlDeviceGetPcieThroughput(h, 0, scratchAddr);
        checkLost("nvmlDeviceGetPcieThroughput", tx);
        long txv = scratch.getInt(0) & 0xFFFF_FFFFL;
        int rx = f.nvmlDeviceGetPcieThroughput(h, 1, scratchAddr);
        checkLost("nvmlDeviceGetPcieThroughput", rx);
        return tx == 0 && rx == 0 ? Optional.of(new long[] {txv, scratch.getInt(0) & 0xFFFF_FFFFL}) : Optional.empty();
    }

    /** Any NVML field ids (NVML_FI_*), each answered on its own. */
    public synchronized List<FieldValue> fieldValues(int... fieldIds) {
        long h = usableHandle();
        if (!c.fieldValues || fieldIds.length == 0) {
            return List.of();
        }
        int size = fieldIds.length * FIELD_SIZE;
        ByteBuffer b =
                size <= SCRATCH ? scratch : ByteBuffer.allocateDirect(size).order(ByteOrder.nativeOrder());
        long addr = b == scratch ? scratchAddr : Nvml.address(b);
        for (int i = 0; i < size; i++) {
            b.put(i, (byte) 0);
        }
        for (int i = 0; i < fieldIds.length; i++) {
            b.putInt(i * FIELD_SIZE + FIELD_ID, fieldIds[i]);
        }
        int rc = f.nvmlDeviceGetFieldValues(h, fieldIds.length, addr);
        checkLost("nvmlDeviceGetFieldValues", rc);
        List<FieldValue> out = new ArrayList<>(fieldIds.length);
        for (int i = 0; i < fieldIds.length; i++) {
            int base = i * FIELD_SIZE;
            NvmlReturn status = rc != 0 ? NvmlReturn.of(rc) : NvmlReturn.of(b.getInt(base + FIELD_RETURN));
            out.add(new FieldValue(
                    b.getInt(base + FIELD_ID),
                    b.getInt(base + FIELD_SCOPE),
                    status,
                    b.getLong(base + FIELD_TIMESTAMP),
                    b.getInt(base + FIELD_VALUE_TYPE),
                    b.getLong(base + FIELD_VALUE)));
        }
        return out;
    }

    // ---------------------------------------------------------------- GPM (Hopper and later)

    /** Whether this GPU serves GPM metrics (Hopper and later, with a driver that has the GPM functions). */
    public synchronized boolean gpmSupported() {
        long h = usableHandle();
        if (gpmSupported == null) {
            boolean ok = false;
            if (c.gpm && parent == null) {
                scratch.putInt(GPM_SUPPORT_VERSION, 1); // NVML_GPM_SUPPORT_VERSION
                scratch.putInt(GPM_SUPPORT_IS_SUPPORTED, 0);
                int rc = f.nvmlGpmQueryDeviceSupport(h, scratchAddr);
                checkLost("nvmlGpmQueryDeviceSupport", rc);
                ok = rc == 0 && scratch.getInt(GPM_SUPPORT_IS_SUPPORTED) != 0;
            }
            gpmSupported = ok;
        }
        return gpmSupported;
    }

    /**
     * GPM metrics over the interval since the previous call. The first call only takes the opening sample and
     * returns empty; so does every call on a GPU without GPM.
     */
    public synchronized Optional<GpmMetrics> gpmMetrics() {
        if (!gpmSupported()) {
            return Optional.empty();
        }
        return gpm.next(usableHandle());
    }

    /** Frees what this device holds in the driver. Called by {@link Nvml#close()} before NVML shuts down. */
    synchronized void release() {
        if (released) {
            return;
        }
        released = true;
        gpm.release();
    }

    @Override
    public String toString() {
        return "GpuDevice[" + describe() + (lostCode != null ? ", lost" : "") + "]";
    }
}

package io.wattguard.nvml;

import static io.wattguard.nvml.internal.Layout.*;

import io.wattguard.nvml.internal.NvmlFunctions;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.EnumMap;
import java.util.Optional;

/**
 * GPM (GPU performance monitoring, Hopper and later): the two driver samples between which metrics are computed,
 * and the request buffer, owned here and freed by {@link #release()}. Not thread-safe: its {@link GpuDevice}
 * serialises calls, and lends its scratch buffer.
 */
final class GpmSampler {
    private static final int NOT_SUPPORTED = NvmlReturn.NOT_SUPPORTED.code();
    private final NvmlFunctions f;
    private final ByteBuffer scratch;
    private final long scratchAddr;
    private final GpuDevice.LostCheck lostCheck;
    private long gpmPrevious;
    private long gpmCurrent;
    private boolean gpmPrimed;
    private ByteBuffer gpmRequest;

    GpmSampler(NvmlFunctions f, ByteBuffer scratch, long scratchAddr, GpuDevice.LostCheck lostCheck) {
        this.f = f;
        this.scratch = scratch;
        this.scratchAddr = scratchAddr;
        this.lostCheck = lostCheck;
    }

    /** Metrics since the previous call; the first call only takes the opening sample and returns empty. */
    Optional<GpmMetrics> next(long h) {
        if (gpmPrevious == 0) {
            gpmPrevious = allocGpmSample();
            gpmCurrent = allocGpmSample();
            gpmRequest = ByteBuffer.allocateDirect(GPM_GET_SIZE).order(ByteOrder.nativeOrder());
        }
        int rc = f.nvmlGpmSampleGet(h, gpmCurrent);
        lostCheck.check("nvmlGpmSampleGet", rc);
        if (rc != 0) {
            gpmPrimed = false;
            return Optional.empty();
        }
        Optional<GpmMetrics> out = Optional.empty();
        if (gpmPrimed) {
            GpmMetric[] all = GpmMetric.values();
            ByteBuffer r = gpmRequest;
            r.putInt(GPM_GET_VERSION, 1); // NVML_GPM_METRICS_GET_VERSION
            r.putInt(GPM_GET_NUM, all.length);
            r.putLong(GPM_GET_SAMPLE1, gpmPrevious);
            r.putLong(GPM_GET_SAMPLE2, gpmCurrent);
            for (int i = 0; i < all.length; i++) {
                int base = GPM_GET_METRICS + i * GPM_METRIC_SIZE;
                r.putInt(base + GPM_METRIC_ID, all[i].id());
                r.putInt(base + GPM_METRIC_RETURN, NOT_SUPPORTED);
            }
            rc = f.nvmlGpmMetricsGet(Nvml.address(r));
            if (rc == 0) {
                EnumMap<GpmMetric, Double> values = new EnumMap<>(GpmMetric.class);
                for (int i = 0; i < all.length; i++) {
                    int base = GPM_GET_METRICS + i * GPM_METRIC_SIZE;
                    if (r.getInt(base + GPM_METRIC_RETURN) == 0) {
                        values.put(all[i], r.getDouble(base + GPM_METRIC_VALUE));
                    }
                }
                out = Optional.of(new GpmMetrics(values));
            }
        }
        long t = gpmPrevious;
        gpmPrevious = gpmCurrent;
        gpmCurrent = t;
        gpmPrimed = true;
        return out;
    }

    private long allocGpmSample() {
        int rc = f.nvmlGpmSampleAlloc(scratchAddr);
        if (rc != 0) {
            throw new NvmlException("nvmlGpmSampleAlloc", NvmlReturn.of(rc));
        }
        return scratch.getLong(0);
    }

    /** Frees the driver's samples. Idempotent. */
    void release() {
        if (gpmPrevious != 0) {
            f.nvmlGpmSampleFree(gpmPrevious);
            f.nvmlGpmSampleFree(gpmCurrent);
            gpmPrevious = 0;
            gpmCurrent = 0;
        }
    }
}

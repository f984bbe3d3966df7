package io.wattguard.nvml;

/**
 * GPU Performance Monitoring metrics (Hopper and later) the binding asks for. Integer versus tensor utilisation and
 * DRAM bandwidth tell hashing (integer-heavy, memory-bound, no tensor work) from learning.
 */
public enum GpmMetric {
    GRAPHICS_UTIL(1),
    SM_UTIL(2),
    SM_OCCUPANCY(3),
    INTEGER_UTIL(4),
    ANY_TENSOR_UTIL(5),
    DFMA_TENSOR_UTIL(6),
    HMMA_TENSOR_UTIL(7),
    IMMA_TENSOR_UTIL(9),
    DRAM_BW_UTIL(10),
    FP64_UTIL(11),
    FP32_UTIL(12),
    FP16_UTIL(13),
    PCIE_TX_MIB_PER_SEC(20),
    PCIE_RX_MIB_PER_SEC(21),
    NVLINK_TOTAL_RX_MIB_PER_SEC(60),
    NVLINK_TOTAL_TX_MIB_PER_SEC(61);

    private final int id;

    GpmMetric(int id) {
        this.id = id;
    }

    /** NVML_GPM_METRIC_* value. */
    public int id() {
        return id;
    }
}

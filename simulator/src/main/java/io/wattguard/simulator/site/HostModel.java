package io.wattguard.simulator.site;

/**
 * The hardware models of the synthetic site and their power physics. Watts are DC at the components; the
 * outlet sees them divided by {@link #PSU_EFFICIENCY}.
 *
 * <p>Nameplate (what "10% of nameplate" in the detection target refers to): a GPU server's is the sum of its
 * GPU power limits plus 500 W for CPUs, memory, fans and NICs; a CPU server's is 400 W; a rack's is the sum of
 * its hosts' nameplates.
 */
public enum HostModel {
    A100X8("A100x8", 8, "NVIDIA A100-SXM4-80GB", 400, 60, 250, 80, 200),
    L40SX4("L40Sx4", 4, "NVIDIA L40S", 350, 35, 150, 80, 200),
    /** No GPUs: idle 150 W (50 W package + 100 W chassis), +250 W at 100% CPU. */
    CPU("cpu", 0, "", 0, 0, 100, 50, 250),
    /**
     * The same CPU server without RAPL (an older or locked-down BIOS, a VM host that hides the MSRs): its agent
     * reports utilisation but no package power, so only the PDU outlet sees what it draws.
     */
    CPU_NORAPL("cpu-norapl", 0, "", 0, 0, 100, 50, 250),
    /** Eight 700 W boards: the second evaluation site's GPU generation. */
    H100X8("H100x8", 8, "NVIDIA H100 80GB HBM3", 700, 70, 300, 90, 250);

    /** Power supply efficiency at typical load; outlet watts = DC watts / this. */
    public static final double PSU_EFFICIENCY = 0.94;

    private final String id;
    private final int gpus;
    private final String gpuModel;
    private final double gpuLimitW;
    private final double gpuIdleW;
    private final double chassisW;
    private final double cpuIdleW;
    private final double cpuFullExtraW;

    HostModel(
            String id,
            int gpus,
            String gpuModel,
            double gpuLimitW,
            double gpuIdleW,
            double chassisW,
            double cpuIdleW,
            double cpuFullExtraW) {
        this.id = id;
        this.gpus = gpus;
        this.gpuModel = gpuModel;
        this.gpuLimitW = gpuLimitW;
        this.gpuIdleW = gpuIdleW;
        this.chassisW = chassisW;
        this.cpuIdleW = cpuIdleW;
        this.cpuFullExtraW = cpuFullExtraW;
    }

    public String id() {
        return id;
    }

    public int gpus() {
        return gpus;
    }

    public String gpuModel() {
        return gpuModel;
    }

    public double gpuLimitW() {
        return gpuLimitW;
    }

    public double gpuIdleW() {
        return gpuIdleW;
    }
    /** Constant DC draw not reported by any host metric (fans, board, NICs, switches): the outlet sees it. */
    public double chassisW() {
        return chassisW;
    }

    public double cpuIdleW() {
        return cpuIdleW;
    }

    public double cpuFullExtraW() {
        return cpuFullExtraW;
    }

    public boolean hasGpus() {
        return gpus > 0;
    }

    /** Whether the host agent reports component power (GPU board power, CPU package power) at all. */
    public boolean reportsComponentPower() {
        return this != CPU_NORAPL;
    }

    public double nameplateW() {
        return gpus > 0 ? gpus * gpuLimitW + 500 : 400;
    }

    /**
     * GPU board power for utilisation {@code u} and memory utilisation {@code m} (0..1): idle plus a
     * slightly concave share of the headroom, mostly from SM load, some from memory traffic; never above the
     * limit (the board enforces it).
     */
    public double gpuPowerW(double u, double m, double noiseW) {
        return gpuPowerW(u, m, noiseW, gpuLimitW);
    }

    /** The same under a power limit set below the board's default ({@code limitW}); the board enforces it. */
    public double gpuPowerW(double u, double m, double noiseW, double limitW) {
        double p = gpuIdleW + (gpuLimitW - gpuIdleW) * (0.88 * pow09(u) + 0.12 * m) + noiseW;
        return Math.max(0.8 * gpuIdleW, Math.min(limitW, p));
    }

    /** u^0.9 for u in [0, 1]: 4,096 StrictMath points, linear between; same on every JVM, and cheap. */
    private static final double[] POW09 = new double[4097];

    static {
        for (int i = 0; i < POW09.length; i++) POW09[i] = StrictMath.pow(i / 4096.0, 0.9);
    }

    static double pow09(double u) {
        double x = Math.max(0, Math.min(1, u)) * 4096;
        int i = Math.min(4095, (int) x);
        return POW09[i] + (POW09[i + 1] - POW09[i]) * (x - i);
    }

    public double cpuPowerW(double cpuUtil) {
        return cpuIdleW + cpuFullExtraW * cpuUtil;
    }
}

package io.wattguard.simulator.site;

/**
 * What is fixed about a host for the whole run, derived from the seed and its name only (so adding a host
 * does not change any other): its noise key, how busy its users keep it, how unevenly they use its GPUs, how
 * many GPUs no business job is allocated to (a low-and-slow miner's favourite place), and the three ways its
 * telemetry is imperfect: the residual wander of its outlet, how often its business feed reports, and how far
 * that feed's numbers are off.
 *
 * @param residualKey    key of the outlet's AR(1) residual stream
 * @param residualSigmaW stationary standard deviation of that residual, 3-25 W
 * @param residualPhi    its lag-one (one minute) autocorrelation, 0.80-0.95: a wander of 5-20 min, not jitter
 * @param feedCadenceMin how often the host's business_load is written: 1, 5 or 15 min
 * @param biasKey        key of the business feed's slow error
 * @param biasMean       the feed's mean multiplicative error, 0.88-1.12 (with its wander, within 0.85-1.15)
 */
record HostTraits(
        long key,
        double scale,
        double[] gpuFactor,
        int spareGpus,
        long residualKey,
        double residualSigmaW,
        double residualPhi,
        int feedCadenceMin,
        long biasKey,
        double biasMean) {
    /** Feed cadences in minutes: a scheduler exporter every minute, a CMDB sync every 5, a billing export every 15. */
    static final int[] FEED_CADENCES_MIN = {1, 5, 15};

    static HostTraits of(long seed, SiteSpec.HostSpec host) {
        String name = host.name();
        long key = Noise.combine(seed, Noise.hash(name));
        int n = host.model().gpus();
        double[] f = new double[n];
        for (int g = 0; g < n; g++) f[g] = 0.7 + 0.6 * Noise.uniform(key, g, 3);
        double r = Noise.uniform(key, 0, 4);
        int spare =
                switch (host.model()) {
                    case A100X8, H100X8 -> r < 0.35 ? 0 : r < 0.5 ? 1 : r < 0.65 ? 2 : 3;
                    case L40SX4 -> r < 0.4 ? 0 : r < 0.6 ? 1 : 2;
                    case CPU, CPU_NORAPL -> 0;
                };
        // Residual noise: what the outlet draws beyond the components' sum that no metric explains (fan curves
        // following inlet temperature, PSU efficiency drifting with load and age, disks spinning up). It wanders
        // slowly, so a fixed watt floor sits inside a noisy host's own noise for many minutes at a time. Log-uniform
        // over 3-25 W; a third of the CPU servers (old PSUs, many disks) are drawn from the noisy end, 15-25 W.
        long rk = Noise.combine(seed, Noise.hash("residual:" + name));
        double sigma = !host.model().hasGpus() && Noise.uniform(rk, 0, 1) < 1 / 3.0
                ? 15 + 10 * Noise.uniform(rk, 0, 2)
                : 3 * StrictMath.pow(25 / 3.0, Noise.uniform(rk, 0, 2));
        double phi = 0.80 + 0.15 * Noise.uniform(rk, 0, 3);
        long fk = Noise.combine(seed, Noise.hash("feed:" + name));
        int cadence = FEED_CADENCES_MIN[(int) (Noise.uniform(fk, 0, 1) * FEED_CADENCES_MIN.length)];
        long bk = Noise.combine(seed, Noise.hash("bias:" + name));
        double bias = 0.88 + 0.24 * Noise.uniform(bk, 0, 1);
        return new HostTraits(key, 0.6 + 0.6 * Noise.uniform(key, 0, 2), f, spare, rk, sigma, phi, cadence, bk, bias);
    }

    int allocatedGpus(int gpus) {
        return gpus - spareGpus;
    }

    /**
     * The business feed's multiplicative error at a step: the per-host mean plus a +-3% wander over about six
     * hours (a scheduler's accounting lags, a CMDB's power figures are per model, not per box), within 0.85-1.15.
     */
    double businessBias(long step, long stepMs) {
        int period = (int) Math.max(1, 6 * 3_600_000L / stepMs);
        double b = biasMean + 0.03 * Noise.smooth(biasKey, step, 1, period);
        return Math.max(0.85, Math.min(1.15, b));
    }
}

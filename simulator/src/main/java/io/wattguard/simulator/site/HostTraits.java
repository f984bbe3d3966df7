package io.wattguard.simulator.site;

/**
 * What is fixed about a host for the whole run, derived from the seed and its name only (so adding a host
 * does not change any other): its noise key, how busy its users keep it, how unevenly they use its GPUs, and
 * how many GPUs no business job is allocated to (a low-and-slow miner's favourite place).
 */
record HostTraits(long key, double scale, double[] gpuFactor, int spareGpus) {
    static HostTraits of(long seed, SiteSpec.HostSpec host) {
        long key = Noise.combine(seed, Noise.hash(host.name()));
        int n = host.model().gpus();
        double[] f = new double[n];
        for (int g = 0; g < n; g++) f[g] = 0.7 + 0.6 * Noise.uniform(key, g, 3);
        double r = Noise.uniform(key, 0, 4);
        int spare = switch (host.model()) {
            case A100X8 -> r < 0.35 ? 0 : r < 0.5 ? 1 : r < 0.65 ? 2 : 3;
            case L40SX4 -> r < 0.4 ? 0 : r < 0.6 ? 1 : 2;
            case CPU -> 0;
        };
        return new HostTraits(key, 0.6 + 0.6 * Noise.uniform(key, 0, 2), f, spare);
    }

    int allocatedGpus(int gpus) {
        return gpus - spareGpus;
    }
}

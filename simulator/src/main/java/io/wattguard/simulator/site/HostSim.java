package io.wattguard.simulator.site;

import io.wattguard.simulator.site.Event.Kind;
import io.wattguard.simulator.site.SiteSpec.HostSpec;
import java.util.List;

/**
 * One host's physics at a step: what its GPUs and CPU do given the business level and the events active,
 * what the components draw, and what its PDU outlet sees. {@link #evaluate} is a pure function of the step
 * (all noise is hashed), so the site can evaluate a step twice, with and without an episode, to label the
 * episode's true excess. The cumulative counters live here too but only {@link #accumulate} touches them.
 */
final class HostSim {
    final HostSpec host;
    final HostModel model;
    final HostTraits traits;
    final long key;
    final int gpus;
    private final int allocated;
    /** This host's planned events; a fresh cursor per run, since a run visits steps in order. */
    final EventCursor events;

    // Outputs of evaluate(), valid until the next call.
    final double[] util;
    final double[] mem;
    final double[] power;
    final double[] temp;
    final double[] businessUtil;
    final double[] minerUtil;
    final double[] extraUtil;
    /** Each GPU's power limit as NVML reports it: the board default, except under a power-limit ramp. */
    final double[] limitW;

    double cpuUtil;
    double cpuPowerW;
    double memUsedPct;
    double outletW;
    /** The business share as the feed reports it: the true share times the feed's error (see HostTraits). */
    double businessValue;

    double businessRaw;
    /** The business feed is silent this step (a feed stop); the host itself runs on. */
    boolean feedStopped;

    boolean dropout;
    boolean nvmlReset;
    Event training;
    Event miner;

    // Cumulative counters: GPU energy in J (NVML), outlet energy in kWh (PDU).
    final double[] energyJ;
    double outletKwh;

    // The outlet's AR(1) residual: the one piece of state evaluate() keeps, advanced once per step (see residual()).
    private final double innovationW;
    private double residualW;
    private long residualStep = Long.MIN_VALUE;
    private final long stepMs;
    final SiteSpec.Telemetry telemetry;

    HostSim(long seed, HostSpec host, List<Event> planned) {
        this(seed, 60_000L, SiteSpec.Telemetry.realistic(), host, planned);
    }

    HostSim(long seed, long stepMs, SiteSpec.Telemetry telemetry, HostSpec host, List<Event> planned) {
        this.stepMs = stepMs;
        this.telemetry = telemetry;
        this.host = host;
        this.events = new EventCursor(planned);
        this.model = host.model();
        this.traits = HostTraits.of(seed, host);
        this.key = traits.key();
        this.gpus = model.gpus();
        this.allocated = traits.allocatedGpus(gpus);
        util = new double[gpus];
        mem = new double[gpus];
        power = new double[gpus];
        temp = new double[gpus];
        businessUtil = new double[gpus];
        minerUtil = new double[gpus];
        extraUtil = new double[gpus];
        energyJ = new double[gpus];
        limitW = new double[gpus];
        innovationW = traits.residualSigmaW() * Math.sqrt(1 - traits.residualPhi() * traits.residualPhi());
        for (int g = 0; g < gpus; g++) energyJ[g] = 1e8 + 4e9 * Noise.uniform(key, g, 5);
        outletKwh = 50 + 3000 * Noise.uniform(key, 0, 6);
    }

    /** Computes the step; {@code exclude} is left out as if it never happened (for counterfactual excess). */
    void evaluate(long step, SiteClock clock, List<Event> active, Event exclude) {
        training = null;
        miner = null;
        dropout = false;
        nvmlReset = false;
        feedStopped = false;
        double hiddenShare = 0;
        double batch = 0;
        int jobs = 0;
        double backup = 0;
        double spike = 0;
        int spikeMask = 0;
        double burstW = 0;
        for (int i = 0; i < active.size(); i++) {
            Event e = active.get(i);
            if (e == exclude) continue;
            switch (e.kind()) {
                case TRAINING -> training = e;
                case BATCH -> {
                    batch += e.amount();
                    jobs++;
                }
                case BACKUP -> backup += e.amount();
                case SPIKE -> {
                    spike = Math.max(spike, e.amount());
                    spikeMask |= e.gpuMask();
                }
                case NIGHT_MINER, LOW_AND_SLOW, CONTAINER_MINER, RANDOMX, POWER_LIMIT_RAMP, ONE_GPU_MINER -> miner = e;
                case HIDDEN_MINER -> {
                    miner = e;
                    hiddenShare = e.amount();
                }
                case FEED_STOP -> feedStopped = true;
                case HOST_DROPOUT -> dropout = true;
                case NVML_RESET -> nvmlReset = step == e.start();
                case OUTLET_BURST -> burstW += e.amount() * (1 + 0.02 * Noise.smooth(key, step, 108, 5));
                default -> {}
            }
        }
        double dayFactor = 0.85 + 0.3 * Noise.uniform(key, clock.localDay, 1);
        double level = clock.level * traits.scale() * dayFactor;
        double dcW;
        if (gpus > 0) {
            dcW = evaluateGpus(step, level, spike, spikeMask);
            double meanUtil = 0;
            for (int g = 0; g < gpus; g++) meanUtil += util[g];
            meanUtil /= gpus;
            cpuUtil = clamp(0.04 + 0.12 * meanUtil + 0.01 * Noise.gauss(key, step, 100) + backup);
            memUsedPct = clamp(0.25 + 0.3 * meanUtil + 0.01 * Noise.gauss(key, step, 101)) * 100;
        } else {
            dcW = 0;
            double sched = clamp(0.5 * level + 0.03 * Noise.smooth(key, step, 102, 30)) + batch;
            sched = Math.min(sched, 0.97);
            double other = 0.03 + 0.005 * Noise.gauss(key, step, 103) + backup + (spike > 0 ? spike : 0);
            cpuUtil = clamp(sched + other);
            if (miner != null && miner.kind() == Kind.RANDOMX) cpuUtil = 1.0 - 0.003 * Noise.uniform(key, step, 104);
            businessValue = Math.min(sched, cpuUtil) * businessBias(step);
            businessRaw = jobs + Math.round(sched * 8);
            memUsedPct = clamp(0.3 + 0.4 * cpuUtil + 0.01 * Noise.gauss(key, step, 105)) * 100;
        }
        // A hidden miner's cores draw package power like any other, but a kernel-mode rootkit (as Skidmap does)
        // falsifies the CPU statistics the agent reads, so utilisation does not show it; on a host without RAPL
        // nothing reports the package power either.
        cpuPowerW = model.cpuPowerW(Math.min(1, cpuUtil + hiddenShare)) + 1.5 * Noise.gauss(key, step, 106);
        dcW += cpuPowerW + model.chassisW();
        businessValue = Math.min(1, businessValue);
        // An outlet burst is AC drawn beside the host's PSU (or by the PSU itself): no component reports it.
        outletW = dcW / HostModel.PSU_EFFICIENCY + burstW + 2.0 * Noise.gauss(key, step, 107) + residual(step);
    }

    /**
     * The outlet's slow residual: AR(1) with the host's sigma and phi. Advanced once per step however often the
     * step is evaluated (with and without an episode: the same residual, so it cancels in the excess); a run that
     * starts or jumps draws it from the stationary distribution. Runs always start at step 0, so the points of a
     * step never depend on what range was asked.
     */
    private double residual(long step) {
        if (!telemetry.residualNoise()) return 0;
        if (step != residualStep) {
            residualW = step == residualStep + 1
                    ? traits.residualPhi() * residualW + innovationW * Noise.gauss(traits.residualKey(), step, 1)
                    : traits.residualSigmaW() * Noise.gauss(traits.residualKey(), step, 2);
            residualStep = step;
        }
        return residualW;
    }

    private double evaluateGpus(long step, double level, double spike, int spikeMask) {
        Kind mk = miner == null ? null : miner.kind();
        double sum = 0;
        double business = 0;
        for (int g = 0; g < gpus; g++) {
            double b;
            if (training != null) b = 0.93 + 0.06 * Noise.uniform(key, step, 20 + g);
            else if (g < allocated)
                b = clamp(level * traits.gpuFactor()[g]
                        + 0.05 * Noise.smooth(key, step, 40 + g, 15)
                        + 0.015 * Noise.gauss(key, step, 60 + g));
            else b = 0;
            double x = (spikeMask >> g & 1) != 0 ? spike : 0;
            double mu = 0;
            boolean capped = false;
            boolean onMinerGpu = miner != null && (miner.gpuMask() >> g & 1) != 0;
            limitW[g] = model.gpuLimitW();
            if (mk == Kind.NIGHT_MINER) mu = Math.max(0, 1.0 - b - x);
            else if (mk == Kind.POWER_LIMIT_RAMP && onMinerGpu) {
                // The limit climbs 100 -> 300 W over the ramp (amount: its length in steps), then holds; a miner
                // at full load always presses against it, so the board draws the limit and nothing more.
                double f = Math.min(1, (step - miner.start()) / miner.amount());
                limitW[g] = Math.round(100 + 200 * f);
                mu = Math.max(0, 0.99 + 0.005 * Noise.gauss(key, step, 220 + g) - b - x);
            } else if (mk == Kind.ONE_GPU_MINER && onMinerGpu)
                mu = Math.max(0, miner.amount() + 0.01 * Noise.gauss(key, step, 220 + g) - b - x);
            else if (mk == Kind.CONTAINER_MINER) mu = Math.max(0, 0.97 - b - x);
            else if (mk == Kind.LOW_AND_SLOW && (miner.gpuMask() >> g & 1) != 0) {
                mu = Math.max(0, 0.6 + 0.02 * Noise.gauss(key, step, 120 + g) - b - x);
                capped = true;
            }
            double u = Math.min(1, b + x + mu);
            double m;
            if (training != null) m = 0.72 + 0.04 * Noise.uniform(key, step, 140 + g);
            else if (mu > 0) m = mk == Kind.LOW_AND_SLOW ? 0.5 : 0.9;
            else m = clamp(0.12 + 0.45 * (b + x) + 0.02 * Noise.gauss(key, step, 160 + g));
            double p = model.gpuPowerW(u, m, 2.0 * Noise.gauss(key, step, 80 + g), limitW[g]);
            // The low-and-slow miner caps clocks so the board stays at 60% of its limit.
            if (capped) p = Math.min(p, 0.6 * model.gpuLimitW() - 1.5 * Noise.uniform(key, step, 180 + g));
            util[g] = u;
            mem[g] = m;
            power[g] = p;
            temp[g] = 27 + 48 * p / model.gpuLimitW() + 0.4 * Noise.gauss(key, step, 200 + g);
            businessUtil[g] = b + (mk == Kind.CONTAINER_MINER ? mu : 0);
            minerUtil[g] = mu;
            extraUtil[g] = x;
            business += Math.min(u, businessUtil[g]);
            sum += p;
        }
        // The feed reports the allowlisted jobs' share, off by its slowly varying error.
        businessValue = business / gpus * businessBias(step);
        businessRaw = Math.round(Math.min(1, businessValue) * gpus * 1000) / 10.0;
        return sum;
    }

    private double businessBias(long step) {
        return telemetry.feedError() ? traits.businessBias(step, stepMs) : 1;
    }

    /** Advances the counters by one step of the power just evaluated; an NVML reload restarts energy_j. */
    void accumulate(double stepSeconds) {
        for (int g = 0; g < gpus; g++) {
            if (nvmlReset) energyJ[g] = 0;
            energyJ[g] += power[g] * stepSeconds;
        }
        outletKwh += outletW * stepSeconds / 3.6e6;
    }

    static double clamp(double v) {
        return v < 0 ? 0 : v > 1 ? 1 : v;
    }
}

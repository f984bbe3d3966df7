package io.wattguard.analytics;

/**
 * Tuning of the analysis, in the operator's units. The defaults come from the evaluation on the synthetic
 * site (see the simulator module): change them with that evaluation at hand.
 *
 * @param stepMs analysis resolution; readings are averaged per step
 * @param floorW smallest sustained host excess worth an episode, in watts
 * @param floorPerGpuW the same per GPU of the host
 * @param floorShare the same as a share of the host's nameplate; the largest of the three floors applies
 * @param balanceFloorW smallest unaccounted rack or room power worth an episode, in watts
 * @param weeks trailing weeks the baseline remembers
 * @param minHoursToFit learnable hours a model needs before it is first fitted
 * @param minPeers same-model hosts reporting in a step before their common move is discounted
 * @param holdMs how long a reading stands in for a missing one; a longer silence means no verdict until
 *     the source is back (a dropout is not a change in power)
 * @param offHoursUtil GPU utilisation share above which out-of-hours use without business is noted
 * @param offHoursMs how long that must last before it is an episode
 * @param evidenceQuietMs how long evidence must be absent before its episode closes
 * @param tariff price of a kWh over time, for the cost of excess energy
 */
public record AnalysisSettings(long stepMs, double floorW, double floorPerGpuW, double floorShare, double balanceFloorW, int weeks,
        int minHoursToFit, int minPeers, long holdMs, double offHoursUtil, long offHoursMs, long evidenceQuietMs,
        Tariff tariff) {

    public static AnalysisSettings defaults() {
        return new AnalysisSettings(60_000, 40, 20, 0.04, 100, 4, 12, 4, 120_000, 0.5, 1_800_000, 600_000,
                Tariff.none());
    }
}

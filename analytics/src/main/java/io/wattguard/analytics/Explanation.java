package io.wattguard.analytics;

import java.util.List;
import java.util.Map;

/**
 * Why one entity got the verdict it got in one analysis step: what was measured and where it came from, what
 * was expected and by which model, the business load by source, the detector's state, the corroboration, and
 * the verdict with its reason. {@link Analyzer#setExplain} builds one per step for one entity only; {@code
 * wattguard analyze --explain} prints them. Parts that were not reached in the step (no model yet, so no
 * detection) are null.
 *
 * @param timeMs the step's start
 * @param entity host, rack or room name
 * @param level {@code host}, {@code rack} or {@code room}
 * @param verdict what the step did to the entity's episode
 * @param reason why: the verdict's cause, or what kept an episode from opening
 * @param why {@code reason} in a sentence with the numbers that decided it
 * @param episodeId the episode opened, grown or closed; for {@link Verdict#NONE} the open episode that waits
 *     through a step without a verdict (maintenance, a silent input), else null
 * @param measured the measured watts, null when nothing was measured
 * @param expected the expected watts, null when no model or baseline applies yet
 * @param business the business load by source, with its age
 * @param businessLoad the business load the step used (the largest fresh source; 1 in a maintenance window)
 * @param maintenance whether a maintenance window covers the entity
 * @param detection the detector's state after the step, null when it was not fed
 * @param corroboration what besides the meter shows the excess, null for racks and rooms or without detection
 */
public record Explanation(
        long timeMs,
        String entity,
        String level,
        Verdict verdict,
        Reason reason,
        String why,
        String episodeId,
        Measured measured,
        Expected expected,
        List<Business> business,
        double businessLoad,
        boolean maintenance,
        Detection detection,
        Corroboration corroboration) {

    /** What the step did to the entity's episode. */
    public enum Verdict {
        OPENED,
        ONGOING,
        CLOSED,
        NONE
    }

    /** The verdict's cause, or what kept an episode from opening. */
    public enum Reason {
        OPENED("episode opened"),
        ONGOING("episode ongoing"),
        CLOSING("ongoing, excess fading"),
        CLOSED("episode closed"),
        NO_DATA("no data"),
        STALE_INPUT("stale input"),
        NO_MODEL("no model yet"),
        NO_BASELINE("no baseline yet"),
        NO_NOISE("noise not yet measured"),
        BEYOND_FIT("beyond fitted range"),
        MAINTENANCE("maintenance window"),
        PEERS_DISCOUNTED("peers' move discounted"),
        BELOW_FLOOR("below the floor"),
        NOT_SUSTAINED("not sustained"),
        NOT_SIGNIFICANT("not significant"),
        TOO_SHORT("too short"),
        MEAN_BELOW_FLOOR("mean below the floor"),
        UNCORROBORATED("uncorroborated, waiting"),
        AWAITING_BUSINESS("waiting for the business feeds"),
        /** A GPU below {@code gpu_busy_util}. */
        NOT_BUSY("not busy"),
        /** A busy GPU whose business processes account for its work. */
        EXPLAINED("business explains it");

        private final String words;

        Reason(String words) {
            this.words = words;
        }

        /** A few words for a table cell. */
        public String words() {
            return words;
        }
    }

    /**
     * Measured watts and their parts: per outlet ({@code device/channel}) for an outlet-metered host, {@code
     * gpu} and {@code cpu} for one measured by its components, per meter or rack for a balance.
     */
    public record Measured(double watts, String source, Map<String, Double> parts) {}

    /**
     * Expected watts = the model's prediction at the explained features + the hour-of-week baseline median +
     * the peers' common move.
     *
     * @param model the hardware group (for a host) or the entity itself (rack, room)
     * @param line the fitted line in words
     * @param featureNames names of the features, as in {@code line}
     * @param features the load measured
     * @param explained the load business explains, at which the model predicts
     */
    public record Expected(
            double watts,
            String model,
            String line,
            double modelW,
            double baselineW,
            double peerShiftW,
            String[] featureNames,
            double[] features,
            double[] explained) {}

    /**
     * One source of business load for the entity (key {@code level/entity}) at the step: its last value and
     * age, whether it is still held ({@code fresh}), the source's cadence and hold, and whether the whole
     * source went silent while it still covered this entity (then the step has no verdict).
     */
    public record Business(
            String key,
            String source,
            double value,
            long ageMs,
            boolean fresh,
            long cadenceMs,
            long holdMs,
            boolean coveredBySilentSource) {}

    /**
     * The detector after the step.
     *
     * @param excessW measured minus expected
     * @param recentW median excess of the last {@code window} samples
     * @param sustained how many of the last {@code window} samples were at least half the floor
     * @param excessRun samples in the current run of excess at least half the floor
     * @param corroboratedSamples how many of the last {@code window} samples were corroborated
     * @param confirmSamples how long an uncorroborated run must last before it opens
     * @param blockers every condition that kept the step from opening an episode
     * @param fixedFloorW a host's fixed floor (the largest of floor, per GPU, share of nameplate); NaN otherwise
     * @param noiseFloorW a host's noise floor: {@code k} times its own excess noise at this hour; NaN otherwise
     */
    public record Detection(
            double excessW,
            double floorW,
            double sigmaW,
            double cusum,
            double cusumLimit,
            double ewma,
            double ewmaLimit,
            double recentW,
            int sustained,
            int window,
            int runLength,
            int excessRun,
            int corroboratedSamples,
            int confirmSamples,
            boolean open,
            int quietSamples,
            List<ExcessPowerDetector.Blocker> blockers,
            double fixedFloorW,
            double noiseFloorW) {}

    /**
     * What besides the outlet shows the excess.
     *
     * @param corroborated the step's sample counted as corroborated (only asked at half the floor or more)
     * @param byComponentsAlone the host is measured by its components: the excess is theirs
     * @param componentW GPU plus CPU package watts the host reports, NaN if none
     * @param componentExpectedW what the component model expects at the explained load plus its baseline, NaN
     *     without one
     * @param thresholdW how far above that the components must be to corroborate
     * @param processes non-business processes busy on a GPU ({@code process pid on GPU n, sm%})
     * @param evidence miner or pool findings this step, or open evidence episodes
     */
    public record Corroboration(
            boolean corroborated,
            boolean byComponentsAlone,
            double componentW,
            double componentExpectedW,
            double thresholdW,
            List<String> processes,
            List<String> evidence) {}
}

package io.wattguard.analytics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/** One host, rack or room under analysis. */
final class Entity {
    /**
     * A counter step above this many times the step's watts is a jump (a replaced meter, a wrong scale), not
     * energy; below this many kWh a step is within the counter's resolution.
     */
    private static final double COUNTER_JUMP_FACTOR = 3;

    private static final double COUNTER_RESOLUTION_KWH = 1e-3;
    /** A meter or rack silent for a day is taken as removed from its balance, not as a dropout. */
    private static final long PART_REMOVED_AFTER_MS = 86_400_000L;

    /** Feeds an entity's excess of this step to its detector and writes the episode it opens, extends or closes. */
    interface Detect {
        /**
         * {@code measuredAtMs}, {@code explainedAsOfMs}: see
         * {@link ExcessPowerDetector#update(long, long, double, double, boolean, long)}.
         */
        void detect(
                Entity e,
                Frame f,
                long t,
                long measuredAtMs,
                double excessW,
                double floorW,
                boolean corroborated,
                long explainedAsOfMs);
    }

    final String name;
    final String level;
    final String kind;
    final HourlyHistory history;
    String group;
    String rack;
    String room;
    LoadModel ownModel;
    ExcessPowerDetector detector;
    boolean outletMetered;
    boolean inletMetered;
    double nameplateW;
    double maxLimitW;
    int gpus;
    final Map<String, Double> counters = new HashMap<>();
    final Map<String, Double> countersNow = new TreeMap<>();
    final List<String> outletKeys = new ArrayList<>();
    /** Each part of the measured watts (meter, rack) and when it was last read. */
    final Map<String, Long> parts = new HashMap<>();
    /**
     * Of a balance: meters of its supply that a new meter replaced, with their last reading, kept out of it
     * until they report again (see {@link EnergyBalance}).
     */
    final Map<String, Long> replaced = new HashMap<>(2);

    final String businessKey;
    private final Function<String, LoadModel> groupModels;
    String rackBusinessKey;
    Track track;
    // This step.
    boolean present;
    boolean outletSeen;
    double outletW;
    /** When the newest reading behind {@link #outletW} was taken. */
    long outletMeasuredMs;

    double actual;
    /** When the newest reading behind {@link #actual} was taken; the step's end where no reading says. */
    long measuredMs;

    double[] features;
    double[] explained;
    double counterKwh;
    double dev;
    double expected;
    double businessLoad;
    /** GPU plus CPU package watts as the host reports them; NaN when it reports neither. */
    double componentW;
    /** The largest of the fixed floors, NaN until first needed. */
    double fixedFloorW = Double.NaN;
    /** What the host's recurring maintenance windows usually draw ({@link MaintenanceDraw}). */
    final MaintenanceDraw maintenanceDraw = new MaintenanceDraw();
    /** This step's maintenance allowance, NaN outside a learnt maintenance window. */
    double maintenanceAllowanceW = Double.NaN;
    /** What this step's sample did to the detector, for an explanation. */
    ExcessPowerDetector.Change change;

    /**
     * {@code weeks}: how many trailing weeks its history keeps; {@code groupModels}: the model fitted for a
     * group of hosts, null where none is yet.
     */
    Entity(String name, String level, String kind, int features, int weeks, Function<String, LoadModel> groupModels) {
        this.name = name;
        this.level = level;
        this.kind = kind;
        this.history = new HourlyHistory(features, weeks);
        this.groupModels = groupModels;
        this.businessKey = level + "/" + name;
    }

    String rackBusinessKey() {
        if (rack == null) {
            return null;
        }
        if (rackBusinessKey == null || !rackBusinessKey.endsWith(rack)) {
            rackBusinessKey = "rack/" + rack;
        }
        return rackBusinessKey;
    }

    LoadModel model() {
        return group == null ? ownModel : groupModels.apply(group);
    }

    /**
     * Whether every part this balance has been made of (meters, and racks for a room) was read this step.
     * A part silent for a day is taken as removed.
     */
    boolean complete(List<String> now, long t) {
        if (now != null) {
            for (String k : now) {
                parts.put(k, t);
            }
        }
        parts.values().removeIf(seen -> t - seen > PART_REMOVED_AFTER_MS);
        return !partsSilent(t);
    }

    /** Whether a part this balance has been made of was not read this step. */
    boolean partsSilent(long t) {
        for (long seen : parts.values()) {
            if (seen != t) {
                return true;
            }
        }
        return false;
    }

    /**
     * The entity's energy in this step from its counters (kWh), or NaN when a counter is new, reset or
     * implausible: then the step's energy comes from its watts instead.
     */
    double counterKwh(Map<String, Double> now, AnalysisSettings settings) {
        if (now == null || now.isEmpty()) {
            return Double.NaN;
        }
        double sum = 0;
        boolean ok = true;
        for (Map.Entry<String, Double> c : now.entrySet()) {
            Double before = counters.put(c.getKey(), c.getValue());
            double d = before == null ? Double.NaN : c.getValue() - before;
            if (!(d >= 0)
                    || d > Math.max(COUNTER_RESOLUTION_KWH, settings.stepKwh(COUNTER_JUMP_FACTOR * Math.abs(actual)))) {
                ok = false; // first reading, a reset, a wrap or a jump: the step's watts are the better figure
            }
            sum += d;
        }
        return ok ? sum : Double.NaN;
    }
}

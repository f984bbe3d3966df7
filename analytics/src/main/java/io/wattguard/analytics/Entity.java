package io.wattguard.analytics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/** One host, rack or room under analysis. */
final class Entity {
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
    final String businessKey;
    private final Function<String, LoadModel> groupModels;
    String rackBusinessKey;
    Track track;
    // This step.
    boolean present;
    boolean outletSeen;
    double outletW;
    double actual;
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
}

package io.wattguard.analytics;

import static io.wattguard.analytics.Analyzer.watts;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Why one entity got its verdict, step by step, for {@link Analyzer#setExplain}: it reads the analysis' state
 * and never changes a verdict. Only the explained entity costs more than a null check.
 */
final class Explainer {
    /** What this part needs to know about the entities under analysis. */
    interface Entities {
        /** The entities of a level ("host", "rack", else rooms), by name. */
        Map<String, Entity> of(String level);

        /** The learnable hours of a group of hosts, as fitting counts them. */
        int groupHours(String group);

        /** The components' model of a group of hosts, null before it is fitted. */
        LoadModel componentModel(String group);

        /** Whether something besides the host's outlet shows an excess at this floor. */
        boolean corroborated(Entity e, Frame f, double floorW, int how);

        /** Whether an evidence episode of this kind is open on the host. */
        boolean evidenceOpen(String host, String kind);
    }

    private static final String[] HOST_FEATURE_NAMES = {"gpu_util", "gpu_mem_util", "cpu_util"};
    private static final String[] BALANCE_FEATURE_NAMES = {"hosts_w"};
    private final AnalysisSettings settings;
    private final Schedule schedule;
    private final HeldInputs inputs;
    private final Entities entities;
    private String explainName;
    private String explainLevel;
    private Consumer<Explanation> explainSink;
    private long explainedMs = Long.MIN_VALUE;

    Explainer(AnalysisSettings settings, Schedule schedule, HeldInputs inputs, Entities entities) {
        this.settings = settings;
        this.schedule = schedule;
        this.inputs = inputs;
        this.entities = entities;
    }

    /** See {@link Analyzer#setExplain}. */
    void set(String entity, Consumer<Explanation> sink) {
        int slash = entity == null ? -1 : entity.indexOf('/');
        boolean levelled = slash > 0 && List.of("host", "rack", "room").contains(entity.substring(0, slash));
        this.explainLevel = levelled ? entity.substring(0, slash) : null;
        this.explainName = levelled ? entity.substring(slash + 1) : entity;
        this.explainSink = entity == null ? null : sink;
    }

    private boolean explaining(Entity e) {
        return explainSink != null
                && e.name.equals(explainName)
                && (explainLevel == null || explainLevel.equals(e.level));
    }

    /** No detection this step: {@code reason}, or (null) no model, no baseline or beyond its range. */
    void noVerdict(Entity e, Frame f, long t, Explanation.Reason reason) {
        if (explainSink == null || !explaining(e)) {
            return;
        }
        LoadModel m = e.model();
        if (reason == null) {
            reason = m == null
                    ? Explanation.Reason.NO_MODEL
                    : !e.history.hasBaseline() ? Explanation.Reason.NO_BASELINE : Explanation.Reason.BEYOND_FIT;
        }
        String why =
                switch (reason) {
                    case STALE_INPUT -> staleInputs(e, t);
                    case NO_DATA ->
                        e.level.equals("host")
                                ? "no power reading for this host in this step (no fresh outlet, "
                                        + "and its agent reports neither GPU nor CPU watts)"
                                : "no balance this step";
                    case NO_MODEL ->
                        String.format(
                                Locale.ROOT,
                                "no model yet (warming up): %s has %d learnable hours, "
                                        + "a model needs %d and is fitted at local midnight",
                                e.level.equals("host") ? "group " + e.group : e.name,
                                e.level.equals("host") ? entities.groupHours(e.group) : e.history.validHours(),
                                settings.minHoursToFit());
                    case NO_BASELINE -> "no hour-of-week baseline yet (warming up)";
                    case NO_NOISE ->
                        "the host's own excess noise is not measured yet (warming up): it is measured at the "
                                + "first fit, so that the floor can be set above that noise";
                    case BEYOND_FIT ->
                        "beyond the fitted range: the explained load " + features(e.explained)
                                + " lies outside what the model was fitted on, so its prediction is a guess";
                    case MAINTENANCE ->
                        "a maintenance window covers it, one-off or with fewer than "
                                + MaintenanceDraw.MIN_OCCURRENCES
                                + " earlier occurrences on this weekday to say what it usually draws: it explains "
                                + "whatever runs"
                                + (e.detector != null && e.detector.isOpen() ? "; the open episode waits" : "");
                    default -> reason.words();
                };
        // An open episode waits through a step without a verdict (maintenance, a silent input).
        explainSink.accept(explanation(
                e, f, t, Explanation.Verdict.NONE, reason, why, e.track != null ? e.track.id : null, Double.NaN, 0));
    }

    /** The detector was fed this step: its change, or what kept an episode from opening. */
    void detected(Entity e, Frame f, long t, double excess, double shift) {
        if (explainSink == null || !explaining(e)) {
            return;
        }
        ExcessPowerDetector d = e.detector;
        double floor = d.floorW();
        String id = e.track != null ? e.track.id : null;
        Explanation.Verdict verdict;
        Explanation.Reason reason;
        String why;
        switch (e.change) {
            case OPENED -> {
                verdict = Explanation.Verdict.OPENED;
                reason = Explanation.Reason.OPENED;
                int corr = d.corroboratedSamples();
                why = String.format(
                                Locale.ROOT,
                                "median excess %s over the last %d steps reaches the floor %s, "
                                        + "sustained %d of %d steps, CUSUM %.1f > %.1f and EWMA %.2f > %.2f; ",
                                watts(d.recentW()),
                                d.settings().window(),
                                watts(floor),
                                d.sustainedSamples(),
                                d.settings().window(),
                                d.cusum(),
                                d.cusumLimit(),
                                d.ewma(),
                                d.ewmaLimit())
                        + (2 * corr > d.settings().window()
                                ? String.format(
                                        Locale.ROOT,
                                        "corroborated in %d of %d steps%s",
                                        corr,
                                        d.settings().window(),
                                        e.level.equals("host")
                                                ? ": " + corroborationWords(e, f, t, floor)
                                                : " (energy balance)")
                                : String.format(
                                        Locale.ROOT,
                                        "not corroborated, but the excess has lasted %d steps, "
                                                + "confirm_uncorroborated is %d",
                                        d.excessRunLength(),
                                        d.settings().confirmSamples()))
                        + "; dated back to " + Instant.ofEpochMilli(d.startedMs());
            }
            case ONGOING -> {
                verdict = Explanation.Verdict.ONGOING;
                boolean fading = d.recentW() < floor / 2;
                reason = fading ? Explanation.Reason.CLOSING : Explanation.Reason.ONGOING;
                why = fading
                        ? String.format(
                                Locale.ROOT,
                                "median excess %s below half the floor for %d of %d quiet " + "steps that close it",
                                watts(d.recentW()),
                                d.quietSamples(),
                                d.settings().quietSamples())
                        : String.format(Locale.ROOT, "median excess %s, floor %s", watts(d.recentW()), watts(floor));
            }
            case CLOSED -> {
                verdict = Explanation.Verdict.CLOSED;
                reason = Explanation.Reason.CLOSED;
                id = String.format(Locale.ROOT, "%s-%s-%s-%d", e.kind, e.level, e.name, d.startedMs());
                why = String.format(
                        Locale.ROOT,
                        "median excess below half the floor (%s) for %d steps; ended %s",
                        watts(floor / 2),
                        d.settings().quietSamples(),
                        Instant.ofEpochMilli(d.endedMs()));
            }
            default -> {
                verdict = Explanation.Verdict.NONE;
                List<ExcessPowerDetector.Blocker> blockers = d.blockers();
                reason = blockers.isEmpty() ? Explanation.Reason.NOT_SIGNIFICANT : reasonOf(blockers.get(0));
                if (excess >= floor && blockers.contains(ExcessPowerDetector.Blocker.NOT_SUSTAINED)) {
                    reason = Explanation.Reason.NOT_SUSTAINED; // a run that has begun: the window is not full yet
                }
                // A common move of the peers that is itself large took this step's excess below half the floor.
                if (shift >= floor / 2
                        && excess < floor / 2
                        && excess + shift >= floor / 2
                        && (reason == Explanation.Reason.BELOW_FLOOR || reason == Explanation.Reason.NOT_SUSTAINED)) {
                    reason = Explanation.Reason.PEERS_DISCOUNTED;
                }
                List<String> words = new ArrayList<>();
                if (reason == Explanation.Reason.PEERS_DISCOUNTED) {
                    words.add(String.format(
                            Locale.ROOT,
                            "most same-model peers moved by %s this step: that common "
                                    + "move is discounted, leaving %s",
                            watts(shift),
                            watts(excess)));
                }
                for (ExcessPowerDetector.Blocker b : blockers) {
                    words.add(blockerWords(b, d, e, f, t));
                }
                why = "no episode: " + String.join("; ", words);
            }
        }
        if (!Double.isNaN(e.maintenanceAllowanceW)) {
            why += String.format(
                    Locale.ROOT,
                    "; in a maintenance window, which explains the load the host reports and %s beside it, the "
                            + "most it usually drew on this weekday",
                    watts(e.maintenanceAllowanceW));
        }
        explainSink.accept(explanation(e, f, t, verdict, reason, why, id, excess, shift));
    }

    /** Where a host's floor comes from: its fixed floors, or its own noise. */
    private String floorWords(Entity e, ExcessPowerDetector d, int how) {
        if (!e.level.equals("host") || Double.isNaN(e.fixedFloorW)) {
            return "";
        }
        double noise = HostResidual.NOISE_FLOOR_K * e.history.excessNoise(how);
        return d.isOpen()
                ? " (as the episode opened)"
                : noise > e.fixedFloorW
                        ? String.format(
                                Locale.ROOT,
                                " (%.1f x the host's own excess noise at this hour, above the fixed %s)",
                                HostResidual.NOISE_FLOOR_K,
                                watts(e.fixedFloorW))
                        : String.format(
                                Locale.ROOT,
                                " (the fixed floor; %.1f x its excess noise is %s)",
                                HostResidual.NOISE_FLOOR_K,
                                watts(noise));
    }

    private static Explanation.Reason reasonOf(ExcessPowerDetector.Blocker b) {
        return switch (b) {
            case BELOW_FLOOR -> Explanation.Reason.BELOW_FLOOR;
            case NOT_SUSTAINED -> Explanation.Reason.NOT_SUSTAINED;
            case NOT_SIGNIFICANT -> Explanation.Reason.NOT_SIGNIFICANT;
            case TOO_SHORT -> Explanation.Reason.TOO_SHORT;
            case MEAN_BELOW_FLOOR -> Explanation.Reason.MEAN_BELOW_FLOOR;
            case UNCORROBORATED -> Explanation.Reason.UNCORROBORATED;
            case AWAITING_BUSINESS -> Explanation.Reason.AWAITING_BUSINESS;
        };
    }

    private String blockerWords(ExcessPowerDetector.Blocker b, ExcessPowerDetector d, Entity e, Frame f, long t) {
        int w = d.settings().window();
        return switch (b) {
            case BELOW_FLOOR ->
                String.format(
                        Locale.ROOT,
                        "below the floor: median excess %s over the last %d steps, " + "floor %s%s",
                        watts(d.recentW()),
                        w,
                        watts(d.floorW()),
                        floorWords(e, d, HourOfWeek.of(t, schedule.zone())));
            case NOT_SUSTAINED ->
                String.format(
                        Locale.ROOT,
                        "not sustained: %d of %d steps at or above half the " + "floor (%s)",
                        d.sustainedSamples(),
                        w,
                        watts(d.floorW() / 2));
            case NOT_SIGNIFICANT ->
                String.format(
                        Locale.ROOT,
                        "not significant against sigma %s: CUSUM %.1f (alarms " + "above %.1f), EWMA %.2f (above %.2f)",
                        watts(e.history.sigma()),
                        d.cusum(),
                        d.cusumLimit(),
                        d.ewma(),
                        d.ewmaLimit());
            case TOO_SHORT ->
                d.runLength() < w
                        ? String.format(Locale.ROOT, "CUSUM above zero for %d steps, fewer than %d", d.runLength(), w)
                        : String.format(
                                Locale.ROOT,
                                "the excess has been at or above the floor %s for %d steps (from "
                                        + "its first to its last such step), fewer than %d",
                                watts(d.floorW()),
                                d.excessRunLength(),
                                w);
            case MEAN_BELOW_FLOOR ->
                "the mean excess over its core (from its first to its last step at or above "
                        + "the floor) is below the floor " + watts(d.floorW());
            case UNCORROBORATED ->
                String.format(
                        Locale.ROOT,
                        "not corroborated (%d of %d steps; %s) and has lasted "
                                + "%d of the %d steps of confirm_uncorroborated",
                        d.corroboratedSamples(),
                        w,
                        corroborationWords(e, f, t, d.floorW()),
                        d.excessRunLength(),
                        d.settings().confirmSamples());
            case AWAITING_BUSINESS ->
                String.format(
                        Locale.ROOT,
                        "the business feeds last reported at %s, before the "
                                + "excess's first reading (%s): a job started since would not be in them yet",
                        Instant.ofEpochMilli(d.explainedAsOfMs()),
                        Instant.ofEpochMilli(d.coreMeasuredMs()));
        };
    }

    /** What corroborates a host's excess this step, or what does not, in words. */
    private String corroborationWords(Entity e, Frame f, long t, double floor) {
        Explanation.Corroboration c = corroboration(e, f, t, floor);
        if (c == null) {
            return "";
        }
        if (c.byComponentsAlone()) {
            return "measured by its components: the excess is theirs";
        }
        List<String> l = new ArrayList<>();
        if (!Double.isNaN(c.componentW()) && !Double.isNaN(c.componentExpectedW())) {
            double above = c.componentW() - c.componentExpectedW();
            l.add(String.format(
                    Locale.ROOT,
                    "component watts %s %s their model (needs %s)",
                    watts(Math.abs(above)),
                    above >= 0 ? "above" : "below",
                    watts(c.thresholdW())));
        } else {
            l.add(Double.isNaN(c.componentW()) ? "the host reports no component watts" : "no component model yet");
        }
        l.add(
                c.processes().isEmpty()
                        ? "no non-business process"
                        : "non-business process " + String.join(", ", c.processes()));
        if (!c.evidence().isEmpty()) {
            l.add("evidence " + String.join(", ", c.evidence()));
        }
        return String.join(", ", l);
    }

    private Explanation.Corroboration corroboration(Entity e, Frame f, long t, double floor) {
        if (!e.level.equals("host") || f == null) {
            return null;
        }
        int how = HourOfWeek.of(t, schedule.zone());
        LoadModel cm = e.group == null ? null : entities.componentModel(e.group);
        double expected = cm != null && e.history.hasComponentBaseline() && e.explained != null
                ? cm.predict(e.explained) + e.history.componentMedian(how)
                : Double.NaN;
        List<String> procs = new ArrayList<>();
        for (Frame.Proc p : f.processes.getOrDefault(e.name, List.of())) {
            if (p.isNonBusiness() && p.smUtilPct() >= HostResidual.NON_BUSINESS_MIN_SM_PCT) {
                procs.add(String.format(
                        Locale.ROOT, "%s pid %d on GPU %s at %.0f%% SM", p.process(), p.pid(), p.gpu(), p.smUtilPct()));
            }
        }
        List<String> ev = new ArrayList<>();
        for (Frame.Finding fi : f.evidence.getOrDefault(e.name, List.of())) {
            if (Evidence.episodeKind(fi.kind()) != null) {
                ev.add(fi.kind() + " (" + fi.process() + ")");
            }
        }
        for (String kind : List.of("miner_process", "pool_connection")) {
            if (entities.evidenceOpen(e.name, kind)) {
                ev.add(kind + " episode open");
            }
        }
        double excess = e.actual - e.expected;
        boolean corr = e.present && excess >= floor / 2 && entities.corroborated(e, f, floor, how);
        return new Explanation.Corroboration(
                corr,
                !e.outletMetered,
                e.componentW,
                expected,
                HostResidual.CORROBORATING_SHARE_OF_FLOOR * floor,
                procs,
                ev);
    }

    private Explanation explanation(
            Entity e,
            Frame f,
            long t,
            Explanation.Verdict verdict,
            Explanation.Reason reason,
            String why,
            String id,
            double excess,
            double shift) {
        explainedMs = t;
        int how = HourOfWeek.of(t, schedule.zone());
        // Measured, part by part.
        Map<String, Double> parts = new LinkedHashMap<>();
        String source;
        HeldInputs.HostLoad l = inputs.load(e.name, t);
        if (e.level.equals("host") && !e.outletMetered) {
            source = "components (NVML GPU + RAPL CPU package)";
            if (l != null) {
                parts.put("gpu", l.gpuW());
                parts.put("cpu", l.cpuW());
            }
        } else {
            source = e.level.equals("host") ? "outlets" : e.inletMetered ? "inlet" : "meters";
            for (Map.Entry<String, HeldInputs.Held<Frame.MeterAgg>> m :
                    inputs.meters().entrySet()) {
                Frame.MeterAgg a = inputs.fresh(m.getValue(), t);
                boolean mine = a != null
                        && switch (e.level) {
                            case "host" -> e.name.equals(a.host);
                            case "rack" -> a.host == null && e.name.equals(a.rack);
                            default -> a.host == null && a.rack == null && e.name.equals(a.room);
                        };
                if (mine) {
                    parts.put(m.getKey() + (e.level.equals("host") ? "" : " (" + a.kind + ")"), a.power.get());
                }
            }
            if (!e.level.equals("host") && e.features != null) {
                parts.put(e.level.equals("rack") ? "hosts' outlets" : "racks", e.features[0]);
            }
        }
        boolean measured = e.present || !parts.isEmpty();
        double partsW = 0;
        for (double w : parts.values()) {
            partsW += w;
        }
        // Not present: the step stopped before its verdict; its parts, if all fresh, still say what was drawn.
        Explanation.Measured meas = measured
                ? new Explanation.Measured(
                        e.present
                                ? e.actual
                                : !parts.isEmpty() && (e.level.equals("host") && e.outletMetered) ? partsW : Double.NaN,
                        source,
                        parts)
                : null;
        // Expected.
        LoadModel m = e.model();
        Explanation.Expected exp = null;
        if (m != null && e.history.hasBaseline() && e.explained != null && e.present) {
            String[] names = e.level.equals("host") ? HOST_FEATURE_NAMES : BALANCE_FEATURE_NAMES;
            double modelW = m.predict(e.explained);
            double base = e.history.median(how);
            exp = new Explanation.Expected(
                    modelW + base + shift,
                    e.level.equals("host") ? e.group : e.name,
                    m.describe(names),
                    modelW,
                    base,
                    shift,
                    names,
                    e.features.clone(),
                    e.explained.clone());
        }
        // Business, by source.
        List<Explanation.Business> business =
                e.level.equals("host") ? inputs.business().reports(e.businessKey, e.rackBusinessKey(), t) : List.of();
        boolean maintenance = e.level.equals("host") && schedule.maintenance(t, e.name, e.rack, e.room);
        // Detection.
        Explanation.Detection det = null;
        ExcessPowerDetector d = e.detector;
        if (d != null && !Double.isNaN(excess)) {
            det = new Explanation.Detection(
                    excess,
                    d.floorW(),
                    e.history.sigma(),
                    d.cusum(),
                    d.cusumLimit(),
                    d.ewma(),
                    d.ewmaLimit(),
                    d.recentW(),
                    d.sustainedSamples(),
                    d.settings().window(),
                    d.runLength(),
                    d.excessRunLength(),
                    d.corroboratedSamples(),
                    d.settings().confirmSamples(),
                    d.isOpen(),
                    d.quietSamples(),
                    d.blockers(),
                    e.level.equals("host") ? e.fixedFloorW : Double.NaN,
                    e.level.equals("host") ? HostResidual.NOISE_FLOOR_K * e.history.excessNoise(how) : Double.NaN);
        }
        Explanation.Corroboration corr = det == null ? null : corroboration(e, f, t, d.floorW());
        return new Explanation(
                t,
                e.name,
                e.level,
                verdict,
                reason,
                why,
                id,
                meas,
                exp,
                business,
                e.present ? e.businessLoad : Double.NaN,
                maintenance,
                det,
                corr);
    }

    /** What input is stale for this entity, and since when. */
    private String staleInputs(Entity e, long t) {
        List<String> l = new ArrayList<>();
        if (e.level.equals("host")) {
            HeldInputs.Held<HeldInputs.HostLoad> load = inputs.heldLoad(e.name);
            if (load == null) {
                l.add("its agent never reported its load");
            } else if (t - load.timeMs() > settings.holdMs()) {
                l.add("its agent's load last read " + age(t - load.timeMs()) + " ago");
            }
        }
        for (Map.Entry<String, HeldInputs.Held<Frame.MeterAgg>> m :
                inputs.meters().entrySet()) {
            Frame.MeterAgg a = m.getValue().value();
            if (e.name.equals(a.host) && t - m.getValue().timeMs() > settings.holdMs()) {
                l.add("outlet " + m.getKey() + " last read "
                        + age(t - m.getValue().timeMs()) + " ago");
            }
        }
        for (Map.Entry<String, Long> p : e.parts.entrySet()) {
            if (p.getValue() != t && !e.name.equals(inputs.meterHost(p.getKey()))) {
                l.add(p.getKey() + " last read " + age(t - p.getValue()) + " ago");
            }
        }
        String readings = l.isEmpty()
                ? ""
                : String.join(", ", l)
                        + String.format(
                                Locale.ROOT,
                                " (a reading stands in for %s; no verdict until it is back)",
                                age(settings.holdMs()));
        List<String> feeds = new ArrayList<>();
        if (e.level.equals("host")) {
            for (Explanation.Business b : inputs.business().reports(e.businessKey, e.rackBusinessKey(), t)) {
                if (b.coveredBySilentSource()) {
                    feeds.add("business source " + b.source() + " (" + b.key() + ") silent, last reported "
                            + age(b.ageMs()) + " ago, held " + age(b.holdMs()));
                }
            }
        }
        String silentFeeds = feeds.isEmpty()
                ? ""
                : String.join(", ", feeds) + " (unknown business is not zero business: no verdict until it reports)";
        return "stale input: "
                + (readings.isEmpty() && silentFeeds.isEmpty()
                        ? "no fresh outlet reading"
                        : readings + (readings.isEmpty() || silentFeeds.isEmpty() ? "" : "; ") + silentFeeds);
    }

    private static String age(long ms) {
        return ms >= 3_600_000
                ? String.format(Locale.ROOT, "%.1f h", ms / 3.6e6)
                : ms >= 60_000 ? String.format(Locale.ROOT, "%d min", ms / 60_000) : ms / 1000 + " s";
    }

    private static String features(double[] x) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; x != null && i < x.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.2f", x[i]));
        }
        return sb.append(']').toString();
    }

    /** A step where the explained entity was not reached at all: say so, rather than nothing. */
    void stepEnd(long t) {
        if (explainSink == null || explainedMs == t || GpuAttribution.isGpu(explainName)) {
            return; // a GPU is explained by GpuAttribution, every step
        }
        Map<String, Entity> hosts = entities.of("host");
        Map<String, Entity> racks = entities.of("rack");
        Map<String, Entity> rooms = entities.of("room");
        Map<String, Entity> known = explainLevel == null ? null : entities.of(explainLevel);
        Entity e = known != null
                ? known.get(explainName)
                : hosts.containsKey(explainName)
                        ? hosts.get(explainName)
                        : racks.containsKey(explainName) ? racks.get(explainName) : rooms.get(explainName);
        String why = e == null
                ? "nothing analysed as " + explainName + " so far: no host of that name "
                        + "reported, and no rack or room of that name has a meter of its own"
                : e.level.equals("host")
                        ? staleInputs(e, t)
                        : e.partsSilent(t)
                                ? "no balance this step: " + staleInputs(e, t).substring("stale input: ".length())
                                : "no balance this step: "
                                        + (e.level.equals("rack")
                                                ? "no inlet meter and no outlet without a "
                                                        + "host in it, so nothing can be unaccounted"
                                                : "its meter or a rack of it was not read");
        boolean stale = e != null && (e.level.equals("host") || e.partsSilent(t));
        explainedMs = t;
        explainSink.accept(new Explanation(
                t,
                e == null ? explainName : e.name,
                e == null ? explainLevel : e.level,
                Explanation.Verdict.NONE,
                stale ? Explanation.Reason.STALE_INPUT : Explanation.Reason.NO_DATA,
                why,
                e != null && e.track != null ? e.track.id : null,
                null,
                null,
                List.of(),
                Double.NaN,
                false,
                null,
                null));
    }
}

package io.wattguard.simulator.site;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Scores detections against ground-truth labels, the way the detection targets of DESIGN.md section 6 read.
 *
 * <p>Matching: a detection on entity E (a {@code HOST:INDEX} GPU entity counts as its host) matches a label
 * when the label is on E, or when E is a rack and the label is on that rack or on a host in it (a rack meter
 * sees its hosts' excess), or when E is a room holding that rack or host. A host detection does not match a rack label: a host cannot see a rig on the PDU.
 * A GPU-level label (entity {@code HOST:INDEX}) is detected only by a {@code gpu} detection on that same GPU: the
 * point of those scenarios is to say which board; but any detection that sees its host (the host, its rack or
 * room, another of its GPUs) while it runs saw real mining, so for precision it is true, not false.
 * The label's window is {@code [start, end + 30 min)}.
 * <ul>
 * <li>Recall: a mining label is detected when a matching detection was raised before the window ends and had
 * not ended before the label started ({@code detectedMs < end + 30 min} and {@code ended > start}). Its delay
 * is the earliest such {@code detectedMs} minus the label's start, at least 0.
 * <li>Precision: a detection is true when its span {@code [startedMs, ended)} overlaps the window of a matching
 * mining label (a late detection is late, not false); otherwise it is false. False detections that overlap a
 * benign label are counted per benign scenario as well, to attribute them.
 * </ul>
 */
public final class Scorer {
    static final long GRACE_MS = 30 * 60_000L;

    private final Map<String, String> rackOfHost;
    private final Map<String, String> roomOfRack;

    /** {@code rackOfHost}: host name to rack name, e.g. {@link SiteSpec#rackOfHost()}; no room matching. */
    public Scorer(Map<String, String> rackOfHost) {
        this(rackOfHost, Map.of());
    }

    /** Also lets a room-level detection match labels on the room's racks and hosts. */
    public Scorer(Map<String, String> rackOfHost, Map<String, String> roomOfRack) {
        this.rackOfHost = Map.copyOf(rackOfHost);
        this.roomOfRack = Map.copyOf(roomOfRack);
    }

    public static Scorer forSite(SiteSpec spec) {
        Map<String, String> rooms = new LinkedHashMap<>();
        for (SiteSpec.RackSpec r : spec.racks()) rooms.put(r.name(), r.room());
        return new Scorer(spec.rackOfHost(), rooms);
    }

    /**
     * One row: a scenario (or "overall"). Delays in minutes, NaN when nothing was detected. {@code detections}:
     * for a mining scenario (and overall) the true detections overlapping its labels; for a benign scenario the
     * false detections overlapping its labels (what it made the detector do).
     */
    public record Row(
            String scenario,
            boolean mining,
            int episodes,
            int detected,
            double recall,
            double medianDelayMin,
            double p90DelayMin,
            int detections) {}

    /**
     * The scores. {@code rows}: one per scenario with labels (mining first), then "overall" for the mining
     * labels. {@code detections}: all detections scored; {@code falseOnBenign}: false ones overlapping a
     * benign label.
     */
    public record Table(
            List<Row> rows,
            int detections,
            int trueDetections,
            int falseDetections,
            int falseOnBenign,
            double precision,
            double falsePer1000HostDays,
            double hostDays) {
        public Row row(String scenario) {
            return rows.stream()
                    .filter(r -> r.scenario().equals(scenario))
                    .findFirst()
                    .orElseThrow(() -> new IllegalArgumentException("no row " + scenario));
        }

        public Row overall() {
            return row("overall");
        }

        /** An aligned text table for a note: one row per scenario and overall, then the detection counts. */
        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            String fmt = "%-28s %6s %8s %8s %7s %11s %8s %11s %10s %10s%n";
            sb.append(String.format(
                    Locale.ROOT,
                    fmt,
                    "scenario",
                    "kind",
                    "episodes",
                    "detected",
                    "recall",
                    "median_min",
                    "p90_min",
                    "detections",
                    "target_min",
                    "false_1khd"));
            for (Row r : rows) {
                sb.append(String.format(
                        Locale.ROOT,
                        fmt,
                        r.scenario(),
                        r.mining() ? "mining" : "benign",
                        r.episodes(),
                        r.mining() ? Integer.toString(r.detected()) : "-",
                        r.mining() ? num(r.recall(), 3) : "-",
                        num(r.medianDelayMin(), 1),
                        num(r.p90DelayMin(), 1),
                        r.detections(),
                        num(delayTargetMin(r.scenario()), 0),
                        r.mining() ? "-" : num(falsePer1000HostDays(r), 2)));
            }
            sb.append(String.format(
                    Locale.ROOT,
                    "detections %d: true %d, false %d (on benign events %d); precision %s; false per 1,000 host-days %s (%.1f host-days)%n",
                    detections,
                    trueDetections,
                    falseDetections,
                    falseOnBenign,
                    num(precision, 3),
                    num(falsePer1000HostDays, 2),
                    hostDays));
            return sb.toString();
        }

        /** A benign row's false episodes per 1,000 host-days (issue 11's per-confounder target); NaN for mining. */
        public double falsePer1000HostDays(Row r) {
            return r.mining() || hostDays <= 0 ? Double.NaN : r.detections() * 1000.0 / hostDays;
        }

        private static double delayTargetMin(String scenario) {
            for (Scenario s : Scenario.values()) if (s.id().equals(scenario)) return s.delayTargetMin();
            return Double.NaN;
        }

        private static String num(double v, int decimals) {
            return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
        }
    }

    /** Scores detections against all of a site's labels and host-days. */
    public static Table score(SyntheticSite site, List<Detection> detections) {
        return forSite(site.spec()).score(site.labels(), detections, site.hostDays());
    }

    public Table score(List<Label> labels, List<Detection> detections, double hostDays) {
        Objects.requireNonNull(labels);
        Objects.requireNonNull(detections);
        Map<String, List<Label>> byScenario = new LinkedHashMap<>();
        labels.stream().filter(Label::mining).forEach(l -> byScenario
                .computeIfAbsent(l.scenario(), k -> new ArrayList<>())
                .add(l));
        labels.stream().filter(l -> !l.mining()).forEach(l -> byScenario
                .computeIfAbsent(l.scenario(), k -> new ArrayList<>())
                .add(l));

        boolean[] isTrue = new boolean[detections.size()];
        for (int i = 0; i < detections.size(); i++) {
            Detection d = detections.get(i);
            for (Label l : labels) if (l.mining() && explains(d, l) && spanOverlaps(d, l)) isTrue[i] = true;
        }

        List<Row> rows = new ArrayList<>();
        List<Double> allDelays = new ArrayList<>();
        int allEpisodes = 0;
        int allDetected = 0;
        int overallDetections = 0;
        for (Map.Entry<String, List<Label>> e : byScenario.entrySet()) {
            List<Label> ls = e.getValue();
            boolean mining = ls.get(0).mining();
            List<Double> delays = new ArrayList<>();
            int detected = 0;
            int overlapping = 0;
            for (int i = 0; i < detections.size(); i++) {
                Detection d = detections.get(i);
                if (mining != isTrue[i]) continue; // mining rows count true detections, benign rows false ones
                for (Label l : ls) {
                    if (explains(d, l) && spanOverlaps(d, l)) {
                        overlapping++;
                        break;
                    }
                }
            }
            if (mining) {
                for (Label l : ls) {
                    long first = Long.MAX_VALUE;
                    for (Detection d : detections)
                        if (matches(d, l) && d.detectedMs() < l.endMs() + GRACE_MS && d.endOrMax() > l.startMs())
                            first = Math.min(first, d.detectedMs());
                    if (first != Long.MAX_VALUE) {
                        detected++;
                        delays.add(Math.max(0, first - l.startMs()) / 60_000.0);
                    }
                }
                allEpisodes += ls.size();
                allDetected += detected;
                allDelays.addAll(delays);
            }
            rows.add(new Row(
                    e.getKey(),
                    mining,
                    ls.size(),
                    detected,
                    mining ? (double) detected / ls.size() : Double.NaN,
                    quantile(delays, 0.5),
                    quantile(delays, 0.9),
                    overlapping));
        }
        int trueCount = 0;
        int falseOnBenign = 0;
        for (int i = 0; i < detections.size(); i++) {
            if (isTrue[i]) {
                trueCount++;
                continue;
            }
            Detection d = detections.get(i);
            for (Label l : labels) {
                if (!l.mining() && matches(d, l) && spanOverlaps(d, l)) {
                    falseOnBenign++;
                    break;
                }
            }
        }
        overallDetections = trueCount;
        int falseCount = detections.size() - trueCount;
        rows.add(new Row(
                "overall",
                true,
                allEpisodes,
                allDetected,
                allEpisodes == 0 ? Double.NaN : (double) allDetected / allEpisodes,
                quantile(allDelays, 0.5),
                quantile(allDelays, 0.9),
                overallDetections));
        return new Table(
                List.copyOf(rows),
                detections.size(),
                trueCount,
                falseCount,
                falseOnBenign,
                detections.isEmpty() ? Double.NaN : (double) trueCount / detections.size(),
                hostDays > 0 ? falseCount * 1000.0 / hostDays : Double.NaN,
                hostDays);
    }

    /** Whether the detection detects the label, for recall and delay (see the class comment). */
    boolean matches(Detection d, Label l) {
        if ("gpu".equals(l.level()))
            return "gpu".equals(d.level()) && d.entity().equals(l.entity());
        return sees(d, l.level(), l.entity());
    }

    /** Whether the detection is explained by the label, for precision: a GPU label also explains its host's. */
    boolean explains(Detection d, Label l) {
        if ("gpu".equals(l.level())) return matches(d, l) || sees(d, "host", hostOf(l.entity()));
        return matches(d, l);
    }

    /** Whether the detection's entity can see a host or rack entity (see the class comment). */
    private boolean sees(Detection d, String level, String entity) {
        String e = hostOf(d.entity());
        if (e.equals(entity)) return true;
        String rack = "host".equals(level) ? rackOfHost.get(entity) : "rack".equals(level) ? entity : null;
        if ("rack".equals(d.level())) return e.equals(rack);
        if ("room".equals(d.level())) return rack != null && e.equals(roomOfRack.get(rack));
        return false;
    }

    private static String hostOf(String entity) {
        int colon = entity.lastIndexOf(':');
        return colon > 0 ? entity.substring(0, colon) : entity;
    }

    private static boolean spanOverlaps(Detection d, Label l) {
        return d.startedMs() < l.endMs() + GRACE_MS && d.endOrMax() > l.startMs();
    }

    /** Nearest-rank quantile (the smallest value with at least q of the values at or below it); NaN if empty. */
    static double quantile(List<Double> values, double q) {
        if (values.isEmpty()) return Double.NaN;
        double[] v = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(v);
        int rank = (int) Math.ceil(q * v.length);
        return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
    }
}

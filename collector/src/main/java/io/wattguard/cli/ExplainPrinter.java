package io.wattguard.cli;

import io.wattguard.analytics.Explanation;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code analyze --explain} as text of at most {@value #WIDTH} columns: one table row per step (measured,
 * expected, excess, floor, sigma, CUSUM, EWMA, sustained and corroborated steps of the window, verdict), and a
 * block per step that matters (the step asked for with {@code --at}, and every step that opened or closed an
 * episode) with where each number came from and why the verdict is what it is.
 */
final class ExplainPrinter {
    static final int WIDTH = 100;
    private static final String ROW = "%-5s %8s %8s %7s %6s %5s %6s %6s %5s %5s %s%n";
    private final PrintWriter out;
    private final ZoneId zone;
    private final DateTimeFormatter hhmm;
    private final DateTimeFormatter full;

    ExplainPrinter(PrintWriter out, ZoneId zone) {
        this.out = out;
        this.zone = zone;
        this.hhmm = DateTimeFormatter.ofPattern("HH:mm").withZone(zone);
        this.full = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm").withZone(zone);
    }

    /** The rows of {@code steps}, then a block for each step {@code detail} selects. */
    void print(String entity, List<Explanation> steps, long stepMs, java.util.function.Predicate<Explanation> detail) {
        if (steps.isEmpty()) {
            out.println("no steps to explain for " + entity);
            return;
        }
        Explanation first = steps.get(0);
        Explanation last = steps.get(steps.size() - 1);
        out.printf(
                Locale.ROOT,
                "%s (%s), %s to %s %s, one row per %s step%n",
                first.entity(),
                first.level() == null ? "unknown" : first.level(),
                full.format(Instant.ofEpochMilli(first.timeMs())),
                full.format(Instant.ofEpochMilli(last.timeMs())),
                zone,
                stepWords(stepMs));
        out.println("SUST: steps of the last 10 at or above half the floor; CORR: of them corroborated");
        out.printf(
                Locale.ROOT,
                ROW,
                "TIME",
                "MEASURED",
                "EXPECTED",
                "EXCESS",
                "FLOOR",
                "SIGMA",
                "CUSUM",
                "EWMA",
                "SUST",
                "CORR",
                "VERDICT");
        LocalDate day = null;
        for (Explanation x : steps) {
            LocalDate d = Instant.ofEpochMilli(x.timeMs()).atZone(zone).toLocalDate();
            if (day != null && !d.equals(day)) {
                out.println("-- " + d);
            }
            day = d;
            row(x);
        }
        for (Explanation x : steps) {
            if (detail.test(x)) {
                out.println();
                block(x);
            }
        }
    }

    private static String stepWords(long ms) {
        return ms % 60_000 == 0 ? ms / 60_000 + " min" : ms / 1000 + " s";
    }

    private void row(Explanation x) {
        Explanation.Detection d = x.detection();
        String verdict = x.reason().words();
        out.printf(
                Locale.ROOT,
                ROW,
                hhmm.format(Instant.ofEpochMilli(x.timeMs())),
                x.measured() == null ? "-" : w(x.measured().watts()),
                x.expected() == null ? "-" : w(x.expected().watts()),
                d == null ? "-" : w(d.excessW()),
                d == null ? "-" : w(d.floorW()),
                d == null ? "-" : w(d.sigmaW()),
                d == null ? "-" : String.format(Locale.ROOT, "%.1f", d.cusum()),
                d == null ? "-" : String.format(Locale.ROOT, "%.2f", d.ewma()),
                d == null ? "-" : d.sustained() + "/" + d.window(),
                d == null ? "-" : d.corroboratedSamples() + "/" + d.window(),
                verdict);
    }

    /** Everything about one step, a labelled line per part. */
    void block(Explanation x) {
        out.printf(
                Locale.ROOT,
                "== %s (%s) at %s %s: %s%n",
                x.entity(),
                x.level(),
                full.format(Instant.ofEpochMilli(x.timeMs())),
                zone,
                verdictWords(x));
        Explanation.Measured m = x.measured();
        if (m != null) {
            List<String> parts = new ArrayList<>();
            for (Map.Entry<String, Double> p : m.parts().entrySet()) {
                parts.add(p.getKey() + " " + w(p.getValue()));
            }
            line(
                    "measured",
                    w(m.watts()) + " from " + m.source() + (parts.isEmpty() ? "" : ": " + String.join(", ", parts)));
        } else {
            line("measured", "nothing this step");
        }
        Explanation.Expected e = x.expected();
        boolean gpu = "gpu".equals(x.level());
        if (e != null && gpu) {
            line(
                    "expected",
                    String.format(
                            Locale.ROOT,
                            "%s: what %s GPUs draw at %.0f%% utilisation under business " + "work",
                            w(e.watts()),
                            e.model(),
                            100 * e.features()[0]));
        } else if (e != null) {
            line(
                    "expected",
                    w(e.watts()) + " = model " + w(e.modelW()) + " + hour-of-week baseline median " + w(e.baselineW())
                            + (e.peerShiftW() != 0 ? " + peers' common move " + w(e.peerShiftW()) : ""));
            line("model", e.model() + ": " + e.line());
            line(
                    "load",
                    "measured " + features(e.featureNames(), e.features()) + "; explained by business "
                            + features(e.featureNames(), e.explained()));
        } else {
            line(
                    "expected",
                    "none: "
                            + (x.reason() == Explanation.Reason.NO_MODEL
                                    ? "no model yet"
                                    : x.reason() == Explanation.Reason.NO_BASELINE
                                            ? "no baseline yet"
                                            : gpu && x.measured() != null
                                                    ? "no business work of this model at this utilisation seen yet"
                                                    : "not reached this step"));
        }
        if (x.level() != null && x.level().equals("host")) {
            List<String> b = new ArrayList<>();
            for (Explanation.Business s : x.business()) {
                b.add(String.format(
                        Locale.ROOT,
                        "%s %s %.2f (%s old, held %s%s)",
                        s.key(),
                        s.source(),
                        s.value(),
                        age(s.ageMs()),
                        age(s.holdMs()),
                        s.fresh() ? "" : s.coveredBySilentSource() ? ", source silent" : ", stale"));
            }
            line(
                    "business",
                    (Double.isNaN(x.businessLoad()) ? "-" : String.format(Locale.ROOT, "%.2f", x.businessLoad()))
                            + " used" + (x.maintenance() ? " (maintenance window)" : "")
                            + (b.isEmpty() ? "; no source" : "; " + String.join(", ", b)));
        }
        Explanation.Detection d = x.detection();
        if (d != null) {
            // A host's floor is the larger of its fixed floor and k times its own excess noise.
            String floorFrom = Double.isNaN(d.fixedFloorW())
                    ? ""
                    : " (fixed " + w(d.fixedFloorW()) + ", noise floor " + w(d.noiseFloorW()) + ")";
            line(
                    "detector",
                    String.format(
                            Locale.ROOT,
                            "excess %s, median of the last %d steps %s, floor %s%s, "
                                    + "sigma %s; CUSUM %.1f (alarms above %.1f), EWMA %.2f (above %.2f); sustained %d of %d steps "
                                    + "at or above half the floor; CUSUM run %d steps, excess core %d steps; corroborated %d of %d "
                                    + "steps, an uncorroborated run must last %d",
                            w(d.excessW()),
                            d.window(),
                            w(d.recentW()),
                            w(d.floorW()),
                            floorFrom,
                            w(d.sigmaW()),
                            d.cusum(),
                            d.cusumLimit(),
                            d.ewma(),
                            d.ewmaLimit(),
                            d.sustained(),
                            d.window(),
                            d.runLength(),
                            d.excessRun(),
                            d.corroboratedSamples(),
                            d.window(),
                            d.confirmSamples()));
        }
        Explanation.Corroboration c = x.corroboration();
        if (c != null && gpu) {
            line("processes", c.processes().isEmpty() ? "none listed on this GPU" : String.join("; ", c.processes()));
            if (!c.evidence().isEmpty()) {
                line("evidence", String.join(", ", c.evidence()));
            }
        } else if (c != null) {
            List<String> l = new ArrayList<>();
            if (c.byComponentsAlone()) {
                l.add("measured by its components, so the excess is theirs");
            } else if (Double.isNaN(c.componentW())) {
                l.add("no component watts reported");
            } else if (Double.isNaN(c.componentExpectedW())) {
                l.add("components " + w(c.componentW()) + ", no component model yet");
            } else {
                double above = c.componentW() - c.componentExpectedW();
                l.add(String.format(
                        Locale.ROOT,
                        "components %s, their model %s: %s %s (corroborates from %s)",
                        w(c.componentW()),
                        w(c.componentExpectedW()),
                        w(Math.abs(above)),
                        above >= 0 ? "above" : "below",
                        w(c.thresholdW())));
            }
            l.add(
                    c.processes().isEmpty()
                            ? "no non-business process"
                            : "non-business " + String.join(", ", c.processes()));
            if (!c.evidence().isEmpty()) {
                l.add("evidence: " + String.join(", ", c.evidence()));
            }
            line("corroborated", (c.corroborated() ? "yes" : "no") + " this step: " + String.join("; ", l));
        }
        line("verdict", verdictWords(x) + (x.episodeId() == null ? "" : " (" + x.episodeId() + ")"));
        line("why", x.why());
    }

    private static String verdictWords(Explanation x) {
        return switch (x.verdict()) {
            case OPENED -> "episode opened";
            case ONGOING ->
                x.reason() == Explanation.Reason.CLOSING ? "episode ongoing, excess fading" : "episode ongoing";
            case CLOSED -> "episode closed";
            case NONE ->
                x.episodeId() != null
                        ? "episode open, no verdict this step: " + x.reason().words()
                        : "no episode, " + x.reason().words();
        };
    }

    /** {@code label} then {@code text}, wrapped at word boundaries to {@link #WIDTH} columns. */
    private void line(String label, String text) {
        String indent = " ".repeat(14);
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-13s ", label));
        int col = sb.length();
        // A number and its unit stay on one line: "20 W", "14 min".
        for (String word :
                text.replaceAll("(\\d) (W|kW|min|h|s|steps)\\b", "$1\u00a0$2").split(" ")) {
            if (col > indent.length() && col + 1 + word.length() > WIDTH) {
                out.println(sb.toString().stripTrailing());
                sb.setLength(0);
                sb.append(indent);
                col = indent.length();
            }
            if (col > indent.length()) {
                sb.append(' ');
                col++;
            }
            sb.append(word.replace('\u00a0', ' '));
            col += word.length();
        }
        out.println(sb.toString().stripTrailing());
    }

    private static String features(String[] names, double[] x) {
        List<String> l = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            l.add(String.format(Locale.ROOT, "%s %.2f", names[i], x[i]));
        }
        return String.join(", ", l);
    }

    static String w(double watts) {
        if (Double.isNaN(watts)) {
            return "-";
        }
        return Math.abs(watts) >= 10_000
                ? String.format(Locale.ROOT, "%.1f kW", watts / 1000)
                : String.format(Locale.ROOT, "%.0f W", Math.abs(watts) < 0.5 ? 0.0 : watts);
    }

    private static String age(long ms) {
        return ms >= 3_600_000
                ? String.format(Locale.ROOT, "%.1f h", ms / 3.6e6)
                : ms >= 60_000 ? ms / 60_000 + " min" : ms / 1000 + " s";
    }
}

package io.wattguard.analytics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Episodes driven by evidence and the calendar rather than by watts: {@code miner_process} and {@code
 * pool_connection} from host scans (open at the first finding, close after {@code evidence_quiet} without
 * one), and {@code off_hours_gpu}: a host's GPUs busy above {@code off_hours_util} outside business hours, with
 * business load below {@link #OFF_HOURS_MAX_BUSINESS}, for {@code off_hours_for}. A power episode open on the
 * same host raises their severity, and they raise its.
 */
final class EvidenceEpisodes {
    static final String OFF_HOURS = "off_hours_gpu";
    /** Out-of-hours GPU use counts only where business load is below this: a tenth is a cron job's trickle. */
    static final double OFF_HOURS_MAX_BUSINESS = 0.1;

    /** What this part needs to know about the analyzer's hosts, this step. */
    interface Hosts {
        /** The hosts under analysis, in name order. */
        Iterable<String> names();

        /** Mean utilisation share of the host's GPUs this step; NaN when it has none or is not analysed. */
        double gpuUtil(String host, long t);

        double businessLoad(String host);

        boolean maintenance(String host, long t);

        boolean powerOpen(String host);

        /** The open power episode's recent excess, watts; NaN when none is open. */
        double powerRecentW(String host);

        /** The open power episode's excess energy of this step, kWh. */
        double powerStepKwh(String host);

        /** Adds what the host shows to the evidence: GPUs and outlets when it is analysed now, findings always. */
        void collect(Evidence.Collected c, String host, Frame f, long t);
    }

    /** A run of findings or of out-of-hours use on one host, and its episode once open. */
    private static final class Signal {
        long firstMs = Long.MIN_VALUE;
        long lastMs;
        double score;
        Track track;
    }

    private final AnalysisSettings settings;
    private final Schedule schedule;
    private final Map<String, Signal> signals = new TreeMap<>();

    EvidenceEpisodes(AnalysisSettings settings, Schedule schedule) {
        this.settings = settings;
        this.schedule = schedule;
    }

    /** Whether an episode of this kind is open on the host. */
    boolean open(String host, String kind) {
        Signal s = signals.get(host + "/" + kind);
        return s != null && s.track != null;
    }

    /** A miner process or a pool connection is open on the host. */
    boolean minerEvidence(String host) {
        return open(host, "miner_process") || open(host, "pool_connection");
    }

    void step(Frame f, long t, Hosts hosts, Consumer<Episode> emit) {
        for (Map.Entry<String, List<Frame.Finding>> e : f.evidence.entrySet()) {
            for (Frame.Finding fi : e.getValue()) {
                String kind = Evidence.episodeKind(fi.kind());
                if (kind != null) {
                    Signal s = signals.computeIfAbsent(e.getKey() + "/" + kind, k -> new Signal());
                    if (s.track == null) {
                        s.firstMs = t;
                        s.score = 0;
                    }
                    s.lastMs = t;
                    s.score = Math.max(s.score, fi.score());
                }
            }
        }
        if (settings.offHoursMs() > 0 && !schedule.isAlways()) {
            offHours(t, hosts);
        }
        for (Map.Entry<String, Signal> e : signals.entrySet()) {
            String host = e.getKey().substring(0, e.getKey().indexOf('/'));
            String kind = e.getKey().substring(e.getKey().indexOf('/') + 1);
            advance(e.getValue(), host, kind, f, t, hosts, emit);
        }
    }

    private void offHours(long t, Hosts hosts) {
        boolean offHours = !schedule.businessHours(t);
        for (String h : hosts.names()) {
            double util = hosts.gpuUtil(h, t);
            if (Double.isNaN(util)) {
                continue;
            }
            boolean busy = offHours
                    && util >= settings.offHoursUtil()
                    && hosts.businessLoad(h) < OFF_HOURS_MAX_BUSINESS
                    && !hosts.maintenance(h, t);
            Signal s = signals.computeIfAbsent(h + "/" + OFF_HOURS, k -> new Signal());
            if (busy) {
                if (s.firstMs == Long.MIN_VALUE || t - s.lastMs > settings.stepMs()) {
                    s.firstMs = s.track == null ? t : s.firstMs;
                }
                s.lastMs = t;
                s.score = Math.min(1, util);
            }
        }
    }

    private void advance(Signal s, String host, String kind, Frame f, long t, Hosts hosts, Consumer<Episode> emit) {
        boolean offHours = kind.equals(OFF_HOURS);
        // Out-of-hours use is seen every step, so two quiet steps end it; findings come at the scan interval.
        long quiet = offHours ? 2 * settings.stepMs() : settings.evidenceQuietMs();
        if (s.track == null
                && s.lastMs == t
                && s.firstMs != Long.MIN_VALUE
                && (!offHours || t - s.firstMs >= settings.offHoursMs())) {
            s.track = new Track(settings, host, "host", kind, s.firstMs, t);
        }
        if (s.track == null) {
            if (offHours && s.lastMs != t) {
                s.firstMs = Long.MIN_VALUE;
            }
            return;
        }
        Track tr = s.track;
        hosts.collect(tr.collected, host, f, t);
        tr.score = Math.max(tr.score, s.score);
        boolean power = hosts.powerOpen(host);
        if (power) {
            tr.peakW = Math.max(tr.peakW, hosts.powerRecentW(host));
            tr.add(hosts.powerStepKwh(host), t);
        }
        tr.severity = offHours
                ? (power ? Episode.Severity.HIGH : Episode.Severity.MEDIUM)
                : power ? Episode.Severity.CRITICAL : Episode.Severity.HIGH;
        boolean closed = t - s.lastMs >= quiet;
        emit.accept(tr.episode(
                closed ? Episode.State.CLOSED : Episode.State.OPEN,
                closed ? s.lastMs + settings.stepMs() : 0,
                t,
                Evidence.title(host, kind, tr.collected)));
        if (closed) {
            s.track = null;
            s.firstMs = Long.MIN_VALUE;
        }
    }

    /** Episodes open now, in host and kind order. */
    List<Episode> open(long nowMs) {
        List<Episode> l = new ArrayList<>();
        for (Signal s : signals.values()) {
            if (s.track != null) {
                Track tr = s.track;
                l.add(tr.episode(Episode.State.OPEN, 0, nowMs, Evidence.title(tr.entity, tr.kind, tr.collected)));
            }
        }
        return l;
    }
}

package io.wattguard.source.host;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The result of one scan of a host: its findings and, for every process with one, a miner score. Immutable,
 * so a GPU source can keep the latest scan and ask it about the pids NVML reports.
 */
public final class EvidenceScan {
    private final List<Finding> findings;
    private final Map<Integer, Double> scores = new HashMap<>();
    private final int processes;
    private final int sockets;
    private final long nanos;

    EvidenceScan(List<Finding> findings, int processes, int sockets, long nanos) {
        this.findings = findings.stream()
                .sorted(Comparator.comparing(Finding::score)
                        .reversed()
                        .thenComparing(Finding::kind)
                        .thenComparingInt(Finding::pid))
                .toList();
        this.processes = processes;
        this.sockets = sockets;
        this.nanos = nanos;
        // Independent signs combine like independent chances: 1 - (1 - w1)(1 - w2)...; one strong sign stays
        // strong, several weak ones add up, and the score never leaves 0..1.
        Map<Integer, Double> keep = new HashMap<>();
        for (Finding f : findings) {
            if (f.pid() > 0) {
                keep.merge(f.pid(), 1 - f.score(), (a, b) -> a * b);
            }
        }
        keep.forEach((pid, miss) -> scores.put(pid, 1 - miss));
    }

    /** Most telling first. */
    public List<Finding> findings() {
        return findings;
    }

    /** 0 for a process nothing was found about (or that was not seen), up to 1. */
    public double minerScore(int pid) {
        return scores.getOrDefault(pid, 0.0);
    }

    /** Miner scores of every process with a finding. */
    public Map<Integer, Double> minerScores() {
        return Map.copyOf(scores);
    }

    /** Processes looked at, hidden ones included. */
    public int processes() {
        return processes;
    }

    /** TCP sockets looked at. */
    public int sockets() {
        return sockets;
    }

    /** Wall time of the scan. */
    public long nanos() {
        return nanos;
    }

    public boolean isEmpty() {
        return findings.isEmpty();
    }
}

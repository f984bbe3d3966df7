package io.wattguard.bench;

import io.wattguard.simulator.opcua.MeterValues;
import io.wattguard.simulator.opcua.OpcUaMeterSimulator;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;

/**
 * The OPC UA meter simulator in a JVM of its own, so a benchmark measures the collector's CPU and not the
 * server's: {@code OpcUaSimulatorProcess CHANNELS FIELDS}. Every value changes every second. Prints {@code READY <endpoint> <namespace index>}
 * once it listens and runs until stdin closes.
 */
public final class OpcUaSimulatorProcess {
    public static void main(String[] args) throws Exception {
        int channels = Integer.parseInt(args[0]);
        int fields = Integer.parseInt(args[1]);
        try (OpcUaMeterSimulator sim = OpcUaMeterSimulator.builder()
                .channels(channels(channels))
                .fields(fields(fields))
                .policies(SecurityPolicy.None, SecurityPolicy.Basic256Sha256)
                .values(everyValueMoves())
                .start()) {
            System.out.println("READY " + sim.endpointUrl() + " " + sim.namespaceIndex());
            System.out.flush();
            while (System.in.read() >= 0) {
                // Runs until the parent closes our stdin (or dies).
            }
        }
    }

    /**
     * Plausible meter values plus a step every second on every field, so each monitored item sends a
     * notification at each sampling interval (constant fields such as pf would otherwise go quiet).
     */
    static MeterValues everyValueMoves() {
        MeterValues base = MeterValues.plausible();
        return (channel, field, t) -> base.value(channel, field, t) + (t / 1000 % 1000) * 1e-3;
    }

    static List<String> channels(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
            out.add(String.format("C%04d", i));
        }
        return out;
    }

    static List<String> fields(int n) {
        List<String> base = List.of("power_w", "energy_kwh", "voltage_v", "current_a", "pf", "frequency_hz");
        List<String> out = new ArrayList<>(base.subList(0, Math.min(n, base.size())));
        for (int i = out.size() + 1; i <= n; i++) {
            out.add("extra_" + i);
        }
        return out;
    }
}

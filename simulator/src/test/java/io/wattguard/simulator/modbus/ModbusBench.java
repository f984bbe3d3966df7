package io.wattguard.simulator.modbus;

import io.wattguard.config.Problems;
import io.wattguard.meters.modbus.ModbusClient;
import io.wattguard.meters.modbus.ModbusFunction;
import io.wattguard.meters.modbus.PollResult;
import io.wattguard.meters.modbus.RegisterDef;
import io.wattguard.meters.modbus.RegisterMap;
import io.wattguard.meters.modbus.RegisterMaps;
import io.wattguard.meters.modbus.RequestPlanner;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Benchmark, not a test: our client against libmodbus reading the same registers from the same simulated
 * PDU in the same run, as a ratio of polls per second; and requests per poll against the minimum for each
 * shipped profile. Run through {@code meters/scripts/bench-modbus.sh}.
 *
 * <p>args: LIBMODBUS_LOOP_BINARY [outlets=24] [seconds=3] [rounds=5]
 */
public final class ModbusBench {
    private ModbusBench() {}

    public static void main(String[] args) throws Exception {
        String loop = args[0];
        int outlets = args.length > 1 ? Integer.parseInt(args[1]) : 24;
        double seconds = args.length > 2 ? Double.parseDouble(args[2]) : 3;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;

        requestsPerPoll();

        PduState state = ModbusPduSimulatorTest.state(outlets, 100);
        try (ModbusDeviceSimulator sim = ModbusPduSimulator.start(outlets, () -> state, 0);
                ModbusClient client = new ModbusClient(
                        ModbusPduSimulatorTest.config("bench", sim.port(), outlets, "2s"), Clock.systemUTC())) {
            List<String> reads = new ArrayList<>();
            for (RequestPlanner.Read r : client.plan()) {
                char k =
                        switch (r.function()) {
                            case COIL -> 'c';
                            case DISCRETE_INPUT -> 'd';
                            case HOLDING -> 'h';
                            case INPUT -> 'i';
                        };
                reads.add(k + ":" + r.start() + ":" + r.count());
            }
            System.out.printf(
                    "%nThroughput: generic-pdu with %d outlets, %d reads a poll %s, simulator on port %d%n",
                    outlets, reads.size(), reads, sim.port());
            javaRate(client, 2); // warm-up: JIT
            double[] ratios = new double[rounds];
            for (int i = 0; i < rounds; i++) {
                // Alternate the two clients so that load from elsewhere on the machine hits both alike.
                double ours = javaRate(client, seconds);
                double lib = libmodbusRate(loop, sim.port(), seconds, reads);
                ratios[i] = ours / lib;
                System.out.printf(
                        "  round %d: wattguard %.0f polls/s, libmodbus %.0f polls/s, ratio %.2f%n",
                        i + 1, ours, lib, ratios[i]);
            }
            Arrays.sort(ratios);
            System.out.printf("  median ratio wattguard/libmodbus: %.2f (target >= 0.8)%n", ratios[rounds / 2]);
        }
    }

    private static double javaRate(ModbusClient client, double seconds) {
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long t0 = System.nanoTime();
        long polls = 0;
        long now;
        do {
            PollResult r = client.poll();
            if (!r.ok()) {
                throw new IllegalStateException(r.errors().toString());
            }
            polls++;
            now = System.nanoTime();
        } while (now < end);
        return polls / ((now - t0) / 1e9);
    }

    private static double libmodbusRate(String loop, int port, double seconds, List<String> reads) throws Exception {
        List<String> cmd =
                new ArrayList<>(List.of(loop, "127.0.0.1", Integer.toString(port), "1", Double.toString(seconds)));
        cmd.addAll(reads);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (!p.waitFor((long) seconds + 30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("libmodbus loop failed: " + out);
        }
        return Double.parseDouble(out.substring(out.indexOf("rate ") + 5).trim());
    }

    private static void requestsPerPoll() throws Exception {
        System.out.println("Requests per poll, default planner settings (125 registers, gap fill 16), measured on"
                + " the wire for generic-pdu:");
        Problems problems = new Problems();
        for (String name : RegisterMaps.PROFILES) {
            for (long outlets : name.equals("generic-pdu") ? List.of(8L, 24L, 48L, 96L) : List.of(0L)) {
                RegisterMap map =
                        RegisterMaps.profile(name, outlets > 0 ? Map.of("outlets", outlets) : Map.of(), problems);
                int planned =
                        RequestPlanner.plan(map, RequestPlanner.Options.DEFAULT).size();
                String measured = "";
                if (outlets > 0) {
                    PduState s = ModbusPduSimulatorTest.state((int) outlets, 0);
                    try (ModbusDeviceSimulator sim = ModbusPduSimulator.start((int) outlets, () -> s, 0);
                            ModbusClient c = new ModbusClient(
                                    ModbusPduSimulatorTest.config("p", sim.port(), (int) outlets, "2s"),
                                    Clock.systemUTC())) {
                        measured = ", sent " + c.poll().requests();
                    }
                }
                System.out.printf(
                        "  %-22s %3d values: %d requests%s, minimum %d%n",
                        name + (outlets > 0 ? " (" + outlets + ")" : ""),
                        map.registers().size(),
                        planned,
                        measured,
                        minimum(map, RequestPlanner.Options.DEFAULT));
            }
        }
        problems.throwIfAny();
    }

    /** Fewest reads by dynamic programming over every cut of the sorted registers (independent of the planner). */
    static int minimum(RegisterMap map, RequestPlanner.Options o) {
        int total = 0;
        for (ModbusFunction f : ModbusFunction.values()) {
            List<RegisterDef> regs = map.registers().stream()
                    .filter(r -> r.function() == f)
                    .sorted(Comparator.comparingInt(RegisterDef::address))
                    .toList();
            int max = f.isBits() ? o.maxBits() : o.maxRegisters();
            int gap = f.isBits() ? o.gapBits() : o.gapRegisters();
            int[] best = new int[regs.size() + 1];
            Arrays.fill(best, Integer.MAX_VALUE);
            best[0] = 0;
            for (int j = 1; j <= regs.size(); j++) {
                int end = 0;
                for (int i = j - 1; i >= 0; i--) {
                    end = Math.max(end, regs.get(i).end());
                    int reach = 0;
                    for (int k = 0; k <= i; k++) {
                        reach = Math.max(reach, regs.get(k).end());
                    }
                    if (i < j - 1 && regs.get(i + 1).address() - reach > gap
                            || end - regs.get(i).address() > max) {
                        break;
                    }
                    if (best[i] != Integer.MAX_VALUE) {
                        best[j] = Math.min(best[j], best[i] + 1);
                    }
                }
            }
            total += best[regs.size()];
        }
        return total;
    }
}

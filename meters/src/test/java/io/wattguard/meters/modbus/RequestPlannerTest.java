package io.wattguard.meters.modbus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.config.Problems;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Requests per poll equal the minimum for every shipped profile. The minimum is computed here by a
 * different method (dynamic programming over every way to cut the sorted registers into reads), so the
 * greedy planner is checked, not restated.
 */
class RequestPlannerTest {
    /** The fewest reads covering a map under the limits, by exhaustive dynamic programming. */
    static int minimumReads(RegisterMap map, RequestPlanner.Options o) {
        int total = 0;
        for (ModbusFunction f : ModbusFunction.values()) {
            List<RegisterDef> regs = map.registers().stream()
                    .filter(r -> r.function() == f)
                    .sorted(Comparator.comparingInt(RegisterDef::address))
                    .toList();
            int max = f.isBits() ? o.maxBits() : o.maxRegisters();
            int gap = f.isBits() ? o.gapBits() : o.gapRegisters();
            int n = regs.size();
            int[] best = new int[n + 1];
            Arrays.fill(best, Integer.MAX_VALUE);
            best[0] = 0;
            for (int j = 1; j <= n; j++) {
                // Registers i..j-1 in one read: span within max and no hole wider than gap.
                int end = 0;
                for (int i = j - 1; i >= 0; i--) {
                    RegisterDef r = regs.get(i);
                    end = Math.max(end, r.end());
                    if (i < j - 1 && regs.get(i + 1).address() - maxEnd(regs, i) > gap) {
                        break;
                    }
                    if (end - r.address() > max) {
                        break;
                    }
                    if (best[i] != Integer.MAX_VALUE) {
                        best[j] = Math.min(best[j], best[i] + 1);
                    }
                }
            }
            total += best[n];
        }
        return total;
    }

    private static int maxEnd(List<RegisterDef> regs, int upTo) {
        int e = 0;
        for (int k = 0; k <= upTo; k++) {
            e = Math.max(e, regs.get(k).end());
        }
        return e;
    }

    @Test
    void everyShippedProfileIsReadInTheMinimumNumberOfRequests() {
        Problems problems = new Problems();
        List<RequestPlanner.Options> options = List.of(
                RequestPlanner.Options.DEFAULT,
                new RequestPlanner.Options(125, 2000, 0, 0),
                new RequestPlanner.Options(125, 2000, 124, 1999),
                new RequestPlanner.Options(10, 8, 2, 0),
                new RequestPlanner.Options(4, 1, 0, 0));
        StringBuilder table = new StringBuilder();
        for (String name : RegisterMaps.PROFILES) {
            for (long outlets : name.equals("generic-pdu") ? List.of(1L, 8L, 24L, 48L, 96L) : List.of(0L)) {
                RegisterMap map =
                        RegisterMaps.profile(name, outlets > 0 ? Map.of("outlets", outlets) : Map.of(), problems);
                for (RequestPlanner.Options o : options) {
                    int planned = RequestPlanner.plan(map, o).size();
                    int min = minimumReads(map, o);
                    table.append(name)
                            .append(outlets > 0 ? "(" + outlets + ")" : "")
                            .append(' ')
                            .append(o)
                            .append(": ")
                            .append(planned)
                            .append(" reads, minimum ")
                            .append(min)
                            .append('\n');
                    assertEquals(min, planned, name + " " + outlets + " " + o);
                }
            }
        }
        assertTrue(problems.isEmpty(), problems.toString());
        System.out.print(table);
    }

    @Test
    void theDefaultPlansOfTheShippedProfiles() {
        Problems problems = new Problems();
        // Inlet (input 0..7), 8 outlets of 8 registers (input 100..163), relay bits (discrete 0..7).
        assertEquals(
                "[discrete_input 0..7, input 0..7, input 100..163]",
                RequestPlanner.plan(
                                RegisterMaps.profile("generic-pdu", Map.of("outlets", 8L), problems),
                                RequestPlanner.Options.DEFAULT)
                        .toString());
        // 48 outlets: 384 registers from 100 need 4 reads, as 384 / 125 rounds up to 4 and no value straddles.
        assertEquals(
                6,
                RequestPlanner.plan(
                                RegisterMaps.profile("generic-pdu", Map.of("outlets", 48L), problems),
                                RequestPlanner.Options.DEFAULT)
                        .size());
        // SDM630: 0x00..0x23 and 0x34..0x4B merge across gaps of 16 or less; totals at 0x156.. are far.
        assertEquals(
                "[input 0..75, input 342..363]",
                RequestPlanner.plan(
                                RegisterMaps.profile("eastron-sdm630", Map.of(), problems),
                                RequestPlanner.Options.DEFAULT)
                        .toString());
        assertTrue(problems.isEmpty(), problems.toString());
    }

    @Test
    void slotsPointAtEachValueInsideItsRead() {
        Problems problems = new Problems();
        RequestPlanner.Read read = RequestPlanner.plan(
                        RegisterMaps.profile("eastron-sdm120", Map.of(), problems), RequestPlanner.Options.DEFAULT)
                .get(0);
        assertEquals(
                List.of(0, 6, 12, 30),
                read.slots().stream().limit(4).map(RequestPlanner.Slot::offset).toList());
    }
}

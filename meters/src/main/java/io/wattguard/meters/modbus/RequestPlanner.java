package io.wattguard.meters.modbus;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Groups a register map into the fewest reads, once at start. Within one table, registers sorted by address
 * are taken greedily: a read grows while the next register still fits in the read's limit and the hole
 * before it is no wider than the gap fill; otherwise a new read starts. For contiguous-interval covering
 * this greedy choice is optimal (any plan's k-th read cannot end later than the greedy k-th read), so the
 * count is the minimum under the given limits. Values never straddle two reads.
 */
public final class RequestPlanner {
    /** Protocol limits: 125 registers (function 3, 4) and 2,000 bits (function 1, 2) per read. */
    public static final int MAX_REGISTERS = 125;

    public static final int MAX_BITS = 2000;

    /**
     * @param maxRegisters registers per read (lower it for picky devices that refuse long reads)
     * @param maxBits bits per coil or discrete-input read
     * @param gapRegisters unused registers a read may span to save a request; 0 reads only what is mapped
     * @param gapBits the same for bits
     */
    public record Options(int maxRegisters, int maxBits, int gapRegisters, int gapBits) {
        public static final Options DEFAULT = new Options(MAX_REGISTERS, MAX_BITS, 16, 256);

        public Options {
            if (maxRegisters < 1
                    || maxRegisters > MAX_REGISTERS
                    || maxBits < 1
                    || maxBits > MAX_BITS
                    || gapRegisters < 0
                    || gapBits < 0) {
                throw new IllegalArgumentException("planner limits out of range: " + maxRegisters + " registers, "
                        + maxBits + " bits, gaps " + gapRegisters + "/" + gapBits);
            }
        }
    }

    /** One value inside a read: its register and its position (word or bit index) in the response. */
    public record Slot(RegisterDef register, int offset) {}

    /** One request on the wire. */
    public record Read(ModbusFunction function, int start, int count, List<Slot> slots) {
        public Read {
            slots = List.copyOf(slots);
        }

        /** The registers it carries, as operators name them, for error messages. */
        public String names() {
            StringBuilder sb = new StringBuilder();
            for (Slot s : slots) {
                if (sb.length() > 0) {
                    sb.append(", ");
                }
                if (sb.length() > 200) {
                    sb.append("... (").append(slots.size()).append(" values)");
                    break;
                }
                sb.append(s.register().displayName());
            }
            return sb.toString();
        }

        @Override
        public String toString() {
            return function.word() + " " + start + ".." + (start + count - 1);
        }
    }

    private RequestPlanner() {}

    public static List<Read> plan(RegisterMap map, Options o) {
        List<Read> reads = new ArrayList<>();
        for (ModbusFunction f : ModbusFunction.values()) {
            int max = f.isBits() ? o.maxBits() : o.maxRegisters();
            int gap = f.isBits() ? o.gapBits() : o.gapRegisters();
            List<RegisterDef> regs = map.registers().stream()
                    .filter(r -> r.function() == f)
                    .sorted(Comparator.comparingInt(RegisterDef::address).thenComparingInt(RegisterDef::end))
                    .toList();
            int i = 0;
            while (i < regs.size()) {
                RegisterDef first = regs.get(i);
                if (first.size() > max) {
                    throw new IllegalArgumentException(first.displayName() + " needs " + first.size()
                            + " registers, more than the " + max + " allowed in one read");
                }
                int start = first.address();
                int end = first.end();
                int j = i + 1;
                while (j < regs.size()) {
                    RegisterDef r = regs.get(j);
                    int newEnd = Math.max(end, r.end());
                    if (newEnd - start > max || r.address() - end > gap) {
                        break;
                    }
                    end = newEnd;
                    j++;
                }
                List<Slot> slots = new ArrayList<>();
                for (RegisterDef r : regs.subList(i, j)) {
                    slots.add(new Slot(r, r.address() - start));
                }
                reads.add(new Read(f, start, end - start, slots));
                i = j;
            }
        }
        return reads;
    }
}

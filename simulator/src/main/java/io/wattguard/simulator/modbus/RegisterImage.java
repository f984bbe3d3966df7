package io.wattguard.simulator.modbus;

import com.ghgande.j2mod.modbus.procimg.DigitalIn;
import com.ghgande.j2mod.modbus.procimg.DigitalOut;
import com.ghgande.j2mod.modbus.procimg.FIFO;
import com.ghgande.j2mod.modbus.procimg.File;
import com.ghgande.j2mod.modbus.procimg.IllegalAddressException;
import com.ghgande.j2mod.modbus.procimg.InputRegister;
import com.ghgande.j2mod.modbus.procimg.ProcessImage;
import com.ghgande.j2mod.modbus.procimg.Register;
import com.ghgande.j2mod.modbus.procimg.SimpleDigitalIn;
import com.ghgande.j2mod.modbus.procimg.SimpleDigitalOut;
import com.ghgande.j2mod.modbus.procimg.SimpleInputRegister;
import com.ghgande.j2mod.modbus.procimg.SimpleRegister;
import io.wattguard.meters.modbus.DataType;
import io.wattguard.meters.modbus.ModbusFunction;
import io.wattguard.meters.modbus.RegisterCodec;
import io.wattguard.meters.modbus.RegisterDef;
import io.wattguard.meters.modbus.RegisterMap;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A j2mod process image laid out by a register map, whose values come from a supplier at every request, so
 * a simulated site changes what the wire carries as simulated time moves. Addresses inside the map's span
 * that no value occupies read as 0; addresses beyond it, and those listed as failing, answer exception 2
 * (illegal data address), as real devices do.
 */
final class RegisterImage implements ProcessImage {
    private final Map<ModbusFunction, List<RegisterDef>> byFunction = new EnumMap<>(ModbusFunction.class);
    private final Map<ModbusFunction, Integer> span = new EnumMap<>(ModbusFunction.class);
    private final Supplier<Map<String, Double>> values;
    private final Set<Integer> failingHolding;

    RegisterImage(RegisterMap map, Supplier<Map<String, Double>> values, Set<Integer> failingHolding) {
        this.values = values;
        this.failingHolding = Set.copyOf(failingHolding);
        for (ModbusFunction f : ModbusFunction.values()) {
            List<RegisterDef> regs =
                    map.registers().stream().filter(r -> r.function() == f).toList();
            byFunction.put(f, regs);
            span.put(f, regs.stream().mapToInt(RegisterDef::end).max().orElse(0));
        }
    }

    /** The key a value is supplied under: {@code kind/channel/field}. */
    static String key(RegisterDef r) {
        return r.kind() + "/" + r.channel() + "/" + r.field();
    }

    private int[] words(ModbusFunction f, int ref, int count) {
        if (ref < 0 || count < 1 || ref + count > span.get(f)) {
            throw new IllegalAddressException();
        }
        if (f == ModbusFunction.HOLDING) {
            for (int a = ref; a < ref + count; a++) {
                if (failingHolding.contains(a)) {
                    throw new IllegalAddressException();
                }
            }
        }
        Map<String, Double> v = values.get();
        int[] all = new int[span.get(f)];
        for (RegisterDef r : byFunction.get(f)) {
            Double x = v.get(key(r));
            if (r.type() == DataType.STRING) {
                RegisterCodec.encodeText(x == null ? "" : String.valueOf(x), r.length(), r.order(), all, r.address());
            } else if (x == null || Double.isNaN(x)) {
                // Nothing to say: send what the map declares as "not available", as a device would.
                if (!r.notAvailable().isEmpty()) {
                    RegisterCodec.encodeRaw(r.notAvailable().get(0), r.type().words(), r.order(), all, r.address());
                } else if (r.type().isFloat()) {
                    RegisterCodec.encode(r, Double.NaN, all, r.address());
                }
            } else {
                RegisterCodec.encode(r, x, all, r.address());
            }
        }
        int[] out = new int[count];
        System.arraycopy(all, ref, out, 0, count);
        return out;
    }

    private boolean[] bits(ModbusFunction f, int ref, int count) {
        if (ref < 0 || count < 1 || ref + count > span.get(f)) {
            throw new IllegalAddressException();
        }
        Map<String, Double> v = values.get();
        boolean[] out = new boolean[count];
        for (RegisterDef r : byFunction.get(f)) {
            if (r.address() >= ref && r.address() < ref + count) {
                Double x = v.get(key(r));
                out[r.address() - ref] = x != null && x != 0;
            }
        }
        return out;
    }

    @Override
    public Register[] getRegisterRange(int ref, int count) {
        int[] w = words(ModbusFunction.HOLDING, ref, count);
        Register[] out = new Register[count];
        for (int i = 0; i < count; i++) {
            out[i] = new SimpleRegister(w[i]);
        }
        return out;
    }

    @Override
    public Register getRegister(int ref) {
        return getRegisterRange(ref, 1)[0];
    }

    @Override
    public int getRegisterCount() {
        return span.get(ModbusFunction.HOLDING);
    }

    @Override
    public InputRegister[] getInputRegisterRange(int ref, int count) {
        int[] w = words(ModbusFunction.INPUT, ref, count);
        InputRegister[] out = new InputRegister[count];
        for (int i = 0; i < count; i++) {
            out[i] = new SimpleInputRegister(w[i]);
        }
        return out;
    }

    @Override
    public InputRegister getInputRegister(int ref) {
        return getInputRegisterRange(ref, 1)[0];
    }

    @Override
    public int getInputRegisterCount() {
        return span.get(ModbusFunction.INPUT);
    }

    @Override
    public DigitalOut[] getDigitalOutRange(int ref, int count) {
        boolean[] b = bits(ModbusFunction.COIL, ref, count);
        DigitalOut[] out = new DigitalOut[count];
        for (int i = 0; i < count; i++) {
            out[i] = new SimpleDigitalOut(b[i]);
        }
        return out;
    }

    @Override
    public DigitalOut getDigitalOut(int ref) {
        return getDigitalOutRange(ref, 1)[0];
    }

    @Override
    public int getDigitalOutCount() {
        return span.get(ModbusFunction.COIL);
    }

    @Override
    public DigitalIn[] getDigitalInRange(int ref, int count) {
        boolean[] b = bits(ModbusFunction.DISCRETE_INPUT, ref, count);
        DigitalIn[] out = new DigitalIn[count];
        for (int i = 0; i < count; i++) {
            out[i] = new SimpleDigitalIn(b[i]);
        }
        return out;
    }

    @Override
    public DigitalIn getDigitalIn(int ref) {
        return getDigitalInRange(ref, 1)[0];
    }

    @Override
    public int getDigitalInCount() {
        return span.get(ModbusFunction.DISCRETE_INPUT);
    }

    @Override
    public File getFile(int ref) {
        throw new IllegalAddressException();
    }

    @Override
    public File getFileByNumber(int ref) {
        throw new IllegalAddressException();
    }

    @Override
    public int getFileCount() {
        return 0;
    }

    @Override
    public FIFO getFIFO(int ref) {
        throw new IllegalAddressException();
    }

    @Override
    public FIFO getFIFOByAddress(int ref) {
        throw new IllegalAddressException();
    }

    @Override
    public int getFIFOCount() {
        return 0;
    }
}

package io.wattguard.meters.modbus;

import io.wattguard.meters.EnergyCounter;
import java.util.List;

/**
 * One value in a device's register map: where it is on the wire and what it becomes in the {@code meter}
 * measurement.
 *
 * @param field the field name in the {@code meter} measurement ({@code power_w}, {@code energy_kwh}, ...)
 * @param channel outlet id, phase or {@code total}
 * @param kind {@code outlet}, {@code inlet}, {@code branch} or {@code meter}
 * @param function the Modbus table
 * @param address the 0-based protocol address (what goes on the wire), never a 4xxxx reference number
 * @param type how the words are interpreted
 * @param order word and byte order of multi-register values
 * @param length registers a {@link DataType#STRING} occupies; ignored for other types
 * @param scale multiplier applied to the raw number
 * @param offset added after scaling
 * @param unit the unit of the scaled value, for people reading the map
 * @param notAvailable raw bit patterns (e.g. 0xFFFF, 0x8000) meaning "no value": the field is omitted
 * @param nanIsNotAvailable a float NaN omits the field (always true in effect: NaN is never stored)
 * @param counter a cumulative counter (energy): wraps and resets are unwrapped into a monotonic series
 * @param where where it was defined, so that validation can point at it
 */
public record RegisterDef(
        String field,
        String channel,
        String kind,
        ModbusFunction function,
        int address,
        DataType type,
        WordOrder order,
        int length,
        double scale,
        double offset,
        String unit,
        List<Long> notAvailable,
        boolean nanIsNotAvailable,
        boolean counter,
        Place where) {

    /** A place in a YAML file (a shipped profile or the operator's config). */
    public record Place(String file, int line, int column, String path) {
        public static final Place NONE = new Place("(built in)", 0, 0, "");

        @Override
        public String toString() {
            return line > 0 ? file + ":" + line + ":" + column : file;
        }
    }

    public RegisterDef {
        notAvailable = List.copyOf(notAvailable);
    }

    /** Registers (or bits, for coils and discrete inputs) this value occupies. */
    public int size() {
        if (type == DataType.BIT) {
            return 1;
        }
        return type == DataType.STRING ? length : type.words();
    }

    /** One past the last address used. */
    public int end() {
        return address + size();
    }

    /** How operators name it in messages: {@code outlet 3 power_w}. */
    public String displayName() {
        return kind + " " + channel + " " + field;
    }

    /** A fresh counter for this register: it wraps at the register's width after scaling; floats never wrap. */
    public EnergyCounter newCounter() {
        double m = type.isInteger() && !type.isSigned() ? Math.pow(2, 16 * type.words()) * Math.abs(scale) : 0;
        return new EnergyCounter(m);
    }

    public RegisterDef withAddress(int newAddress, String newChannel) {
        return new RegisterDef(
                field,
                newChannel,
                kind,
                function,
                newAddress,
                type,
                order,
                length,
                scale,
                offset,
                unit,
                notAvailable,
                nanIsNotAvailable,
                counter,
                where);
    }
}

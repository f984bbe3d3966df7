package io.wattguard.meters.modbus;

/**
 * Where a device answers.
 *
 * @param transport TCP (MBAP framing), RTU frames over a TCP socket (serial gateways in transparent mode),
 *     or RTU on a serial line
 * @param host for the two TCP transports
 * @param port for the two TCP transports
 * @param serial serial line settings, for {@link Transport#SERIAL}
 */
public record Endpoint(Transport transport, String host, int port, Serial serial) {
    public enum Transport {
        TCP,
        RTU_OVER_TCP,
        SERIAL
    }

    /** Serial line settings; parity is none, even or odd. */
    public record Serial(String device, int baud, int dataBits, String parity, int stopBits) {}

    public static Endpoint tcp(String host, int port) {
        return new Endpoint(Transport.TCP, host, port, null);
    }

    public static Endpoint rtuOverTcp(String host, int port) {
        return new Endpoint(Transport.RTU_OVER_TCP, host, port, null);
    }

    public static Endpoint serial(String device, int baud, String parity) {
        return new Endpoint(Transport.SERIAL, null, 0, new Serial(device, baud, 8, parity, 1));
    }

    @Override
    public String toString() {
        return switch (transport) {
            case TCP -> "tcp://" + host + ":" + port;
            case RTU_OVER_TCP -> "rtu-over-tcp://" + host + ":" + port;
            case SERIAL ->
                serial.device() + " (" + serial.baud() + " " + serial.dataBits()
                        + Character.toUpperCase(serial.parity().charAt(0)) + serial.stopBits() + ")";
        };
    }
}

package io.wattguard.meters.modbus;

import java.io.IOException;

/**
 * One connection to one device, used from one thread. Opens itself on first use; after any I/O or framing
 * failure it is closed, so the next exchange starts on a fresh connection and never reads a late answer to
 * an earlier request.
 */
interface ModbusLink extends AutoCloseable {
    /**
     * Sends one read and waits at most {@code timeoutMs} for its answer (connecting first if needed, within
     * the same budget).
     *
     * @throws IOException on refusal, timeout, a closed connection or a malformed answer; the link is closed
     */
    Response read(int unit, ModbusFunction function, int start, int count, int timeoutMs) throws IOException;

    @Override
    void close();

    static ModbusLink open(Endpoint e) {
        return switch (e.transport()) {
            case TCP, RTU_OVER_TCP -> new TcpLink(e);
            case SERIAL -> new SerialLink(e.serial());
        };
    }
}

package io.wattguard.meters.modbus;

import com.ghgande.j2mod.modbus.ModbusIOException;
import com.ghgande.j2mod.modbus.io.ModbusTCPTransport;
import com.ghgande.j2mod.modbus.msg.ModbusRequest;
import com.ghgande.j2mod.modbus.msg.ModbusResponse;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;

/**
 * Modbus over a TCP socket: MBAP framing through j2mod's {@link ModbusTCPTransport}, or RTU frames (unit,
 * PDU, CRC) for serial gateways in transparent mode, framed here because j2mod's RTU-over-TCP reader skips
 * the CRC check. The transaction id is this link's own counter (j2mod's is static, shared by every master
 * in the JVM), and j2mod's transaction class with its retry loop and random back-off is not used at all.
 */
final class TcpLink implements ModbusLink {
    private final Endpoint endpoint;
    private final boolean rtu;
    private DeadlineSocket socket;
    private ModbusTCPTransport transport;
    private int transactionId;

    TcpLink(Endpoint endpoint) {
        this.endpoint = endpoint;
        this.rtu = endpoint.transport() == Endpoint.Transport.RTU_OVER_TCP;
    }

    @Override
    public Response read(int unit, ModbusFunction f, int start, int count, int timeoutMs) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        try {
            if (socket == null) {
                connect(timeoutMs);
            }
            socket.setDeadline(deadline);
            return rtu ? exchangeRtu(unit, f, start, count) : exchangeTcp(unit, f, start, count);
        } catch (IOException | RuntimeException e) {
            // j2mod turns malformed frames into assorted runtime exceptions; all of them mean "bad answer".
            close();
            if (e instanceof IOException io) {
                throw io;
            }
            throw new IOException("malformed answer: " + e, e);
        }
    }

    private void connect(int timeoutMs) throws IOException {
        DeadlineSocket s = new DeadlineSocket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(endpoint.host(), endpoint.port()), timeoutMs);
            if (!rtu) {
                transport = new ModbusTCPTransport(s);
            }
            socket = s;
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    private Response exchangeTcp(int unit, ModbusFunction f, int start, int count) throws IOException {
        transactionId = transactionId >= 0xFFFF ? 1 : transactionId + 1;
        ModbusRequest req = J2mod.request(f, start, count);
        req.setUnitID(unit);
        req.setTransactionID(transactionId);
        ModbusResponse resp;
        try {
            transport.writeRequest(req);
            resp = transport.readResponse();
        } catch (ModbusIOException e) {
            // j2mod flattens every failure into one exception type; give the operator the kind back.
            String m = String.valueOf(e.getMessage());
            if (m.contains("timeout")) {
                throw new SocketTimeoutException("no answer in time (" + m + ")");
            }
            if (m.contains("Premature end of stream")) {
                throw new EOFException("connection closed by the device (" + m + ")");
            }
            throw new IOException(m, e);
        }
        if (resp.getTransactionID() != transactionId) {
            throw new IOException(
                    "answer has transaction id " + resp.getTransactionID() + ", expected " + transactionId);
        }
        if (resp.getUnitID() != unit) {
            throw new IOException("answer from unit " + resp.getUnitID() + ", expected " + unit);
        }
        return J2mod.response(f, count, resp);
    }

    private Response exchangeRtu(int unit, ModbusFunction f, int start, int count) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(Rtu.request(unit, f, start, count));
        out.flush();
        return Rtu.readResponse(new DataInputStream(socket.getInputStream()), unit, f, count);
    }

    @Override
    public void close() {
        DeadlineSocket s = socket;
        socket = null;
        transport = null;
        if (s != null) {
            try {
                s.close();
            } catch (IOException ignored) {
                // Closing a broken socket can fail; it is gone either way.
            }
        }
    }
}

package io.wattguard.meters.modbus;

import com.ghgande.j2mod.modbus.Modbus;
import com.ghgande.j2mod.modbus.io.AbstractModbusTransport;
import com.ghgande.j2mod.modbus.msg.ModbusRequest;
import com.ghgande.j2mod.modbus.msg.ModbusResponse;
import com.ghgande.j2mod.modbus.net.SerialConnection;
import com.ghgande.j2mod.modbus.util.SerialParameters;
import java.io.IOException;

/**
 * RTU on a serial line through j2mod's serial transport (jSerialComm underneath), which handles the
 * inter-frame silences RTU needs. Only the transport is used: j2mod's serial transaction, with its retry loop
 * and random back-off, is not.
 */
final class SerialLink implements ModbusLink {
    private final Endpoint.Serial settings;
    private SerialConnection connection;
    private AbstractModbusTransport transport;

    SerialLink(Endpoint.Serial settings) {
        this.settings = settings;
    }

    @Override
    public Response read(int unit, ModbusFunction f, int start, int count, int timeoutMs) throws IOException {
        try {
            if (connection == null) {
                open(timeoutMs);
            }
            connection.setTimeout(timeoutMs);
            transport.setTimeout(timeoutMs);
            ModbusRequest req = J2mod.request(f, start, count);
            req.setUnitID(unit);
            req.setHeadless();
            transport.writeRequest(req);
            ModbusResponse resp = transport.readResponse();
            if (resp == null) {
                throw new IOException("no answer within " + timeoutMs + " ms");
            }
            if (resp.getUnitID() != unit) {
                throw new IOException("answer from unit " + resp.getUnitID() + ", expected " + unit);
            }
            return J2mod.response(f, count, resp);
        } catch (IOException | RuntimeException e) {
            close();
            if (e instanceof IOException io) {
                throw io;
            }
            throw new IOException("malformed answer: " + e, e);
        } catch (com.ghgande.j2mod.modbus.ModbusException e) {
            close();
            throw new IOException(e.getMessage(), e);
        }
    }

    private void open(int timeoutMs) throws IOException {
        SerialParameters p = new SerialParameters();
        p.setPortName(settings.device());
        p.setBaudRate(settings.baud());
        p.setDatabits(settings.dataBits());
        p.setParity(settings.parity());
        p.setStopbits(settings.stopBits());
        p.setEncoding(Modbus.SERIAL_ENCODING_RTU);
        p.setEcho(false);
        SerialConnection c = new SerialConnection(p);
        c.setTimeout(timeoutMs);
        c.open();
        if (!c.isOpen()) {
            throw new IOException("cannot open serial port " + settings.device());
        }
        connection = c;
        transport = c.getModbusTransport();
    }

    @Override
    public void close() {
        SerialConnection c = connection;
        connection = null;
        transport = null;
        if (c != null) {
            c.close();
        }
    }
}

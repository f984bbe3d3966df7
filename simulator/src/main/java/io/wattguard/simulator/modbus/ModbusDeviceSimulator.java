package io.wattguard.simulator.modbus;

import com.ghgande.j2mod.modbus.ModbusIOException;
import com.ghgande.j2mod.modbus.io.ModbusRTUTCPTransport;
import com.ghgande.j2mod.modbus.io.ModbusTCPTransport;
import com.ghgande.j2mod.modbus.msg.ModbusRequest;
import com.ghgande.j2mod.modbus.msg.ModbusResponse;
import com.ghgande.j2mod.modbus.net.AbstractModbusListener;
import com.ghgande.j2mod.modbus.procimg.ProcessImage;
import io.wattguard.meters.modbus.RegisterMap;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Modbus TCP slave on loopback serving a register map whose values come from a supplier, keyed
 * {@code kind/channel/field} (e.g. {@code outlet/3/power_w}). j2mod reads the requests and builds the
 * answers; the accept loop is ours so that each simulator is an object with its own port and no entry in
 * j2mod's static slave registry, and so that port 0 (any free port) works.
 */
public final class ModbusDeviceSimulator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ModbusDeviceSimulator.class);

    /** Framing on the socket. */
    public enum Framing {
        TCP,
        RTU_OVER_TCP
    }

    private final ServerSocket server;
    private final int unit;
    private final Framing framing;
    private final Listener listener;
    private final Set<Socket> connections = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;
    private volatile boolean closed;

    /** Answers only requests for its own unit id; j2mod asks its listener for the image of a unit. */
    private final class Listener extends AbstractModbusListener {
        private final ProcessImage image;

        Listener(ProcessImage image) {
            this.image = image;
            setListening(true);
        }

        @Override
        public ProcessImage getProcessImage(int unitId) {
            return unitId == unit ? image : null;
        }

        @Override
        public void run() {
            // The accept loop is the simulator's own.
        }

        @Override
        public void stop() {
            setListening(false);
        }
    }

    /**
     * Starts serving at once.
     *
     * @param port a loopback port, 0 for any free one (see {@link #port()})
     * @param failingHoldingAddresses holding registers that answer exception 2, to test error paths
     */
    public ModbusDeviceSimulator(
            RegisterMap map,
            Supplier<Map<String, Double>> values,
            int port,
            int unit,
            Framing framing,
            Set<Integer> failingHoldingAddresses)
            throws IOException {
        this.unit = unit;
        this.framing = framing;
        this.listener = new Listener(new RegisterImage(map, values, failingHoldingAddresses));
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
        this.acceptor = new Thread(this::accept, "modbus-sim-" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
    }

    public ModbusDeviceSimulator(RegisterMap map, Supplier<Map<String, Double>> values, int port) throws IOException {
        this(map, values, port, 1, Framing.TCP, Set.of());
    }

    public int port() {
        return server.getLocalPort();
    }

    public String host() {
        return InetAddress.getLoopbackAddress().getHostAddress();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket s = server.accept();
                s.setTcpNoDelay(true);
                connections.add(s);
                Thread t = new Thread(() -> serve(s), "modbus-sim-" + port() + "-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!closed) {
                    log.warn("simulator on port {} stopped accepting: {}", port(), e.toString());
                }
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            ModbusTCPTransport transport =
                    framing == Framing.TCP ? new ModbusTCPTransport(s) : new ModbusRTUTCPTransport(s);
            transport.setTimeout(0);
            while (!closed) {
                ModbusRequest req = transport.readRequest(listener);
                ModbusResponse resp = listener.getProcessImage(req.getUnitID()) == null
                        ? req.createExceptionResponse(0x0B)
                        : req.createResponse(listener);
                transport.writeResponse(resp);
            }
        } catch (ModbusIOException | IOException | RuntimeException e) {
            // The client went away or sent garbage: drop this connection only.
            log.debug("simulator on port {}: connection ended: {}", port(), e.toString());
        } finally {
            connections.remove(s);
        }
    }

    /** Stops serving and drops every connection. Safe twice. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        listener.stop();
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : connections) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
        try {
            acceptor.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package io.wattguard.meters.modbus;

import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP server written in the test that misbehaves on purpose. Each accepted connection is handed to the
 * handler on its own thread; {@code accept = false} leaves connections in the kernel's backlog, accepted by
 * TCP but never by the application.
 */
final class RawServer implements AutoCloseable {
    interface Handler {
        void handle(Socket s, int connection) throws IOException;
    }

    /** One MBAP request as read off the wire. */
    record Request(int transactionId, int unit, int function, int start, int count) {}

    private final ServerSocket server;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    final AtomicInteger connections = new AtomicInteger();

    RawServer(boolean accept, Handler handler) throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        if (accept) {
            Thread t = new Thread(
                    () -> {
                        while (!server.isClosed()) {
                            try {
                                Socket s = server.accept();
                                open.add(s);
                                int n = connections.incrementAndGet();
                                Thread c = new Thread(
                                        () -> {
                                            try (s) {
                                                handler.handle(s, n);
                                            } catch (IOException ignored) {
                                                // client went away
                                            } finally {
                                                open.remove(s);
                                            }
                                        },
                                        "raw-conn-" + n);
                                c.setDaemon(true);
                                c.start();
                            } catch (IOException e) {
                                return;
                            }
                        }
                    },
                    "raw-accept");
            t.setDaemon(true);
            t.start();
        }
    }

    int port() {
        return server.getLocalPort();
    }

    static Request readRequest(DataInputStream in) throws IOException {
        int tid = in.readUnsignedShort();
        in.readUnsignedShort();
        int len = in.readUnsignedShort();
        int unit = in.readUnsignedByte();
        byte[] pdu = new byte[len - 1];
        in.readFully(pdu);
        return new Request(
                tid, unit, pdu[0] & 0xFF, (pdu[1] & 0xFF) << 8 | pdu[2] & 0xFF, (pdu[3] & 0xFF) << 8 | pdu[4] & 0xFF);
    }

    /** An MBAP frame around {@code pdu}. */
    static byte[] frame(int tid, int unit, byte[] pdu) {
        byte[] b = new byte[7 + pdu.length];
        b[0] = (byte) (tid >>> 8);
        b[1] = (byte) tid;
        b[4] = (byte) ((pdu.length + 1) >>> 8);
        b[5] = (byte) (pdu.length + 1);
        b[6] = (byte) unit;
        System.arraycopy(pdu, 0, b, 7, pdu.length);
        return b;
    }

    /** A normal answer to a register read carrying {@code words}. */
    static byte[] registers(Request r, int... words) {
        byte[] pdu = new byte[2 + 2 * words.length];
        pdu[0] = (byte) r.function();
        pdu[1] = (byte) (2 * words.length);
        for (int i = 0; i < words.length; i++) {
            pdu[2 + 2 * i] = (byte) (words[i] >>> 8);
            pdu[3 + 2 * i] = (byte) words[i];
        }
        return frame(r.transactionId(), r.unit(), pdu);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
    }
}

package io.wattguard.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on loopback in front of a real server whose client-to-server direction is limited to a byte
 * rate: a slow InfluxDB (a congested link, a server that takes its time) without touching the server. The
 * rate can change while connections are open; 0 means unlimited.
 */
public final class ThrottledProxy implements AutoCloseable {
    private final ServerSocket server;
    private final int targetPort;
    private final List<Socket> sockets = new ArrayList<>();
    private final AtomicLong forwarded = new AtomicLong();
    private volatile long bytesPerSecond;
    private long budgetNanos; // the time at which the bytes sent so far are "paid for"
    private volatile boolean closed;

    public ThrottledProxy(int targetPort, long bytesPerSecond) throws IOException {
        this.targetPort = targetPort;
        this.bytesPerSecond = bytesPerSecond;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread t = new Thread(this::accept, "throttled-proxy");
        t.setDaemon(true);
        t.start();
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    public void rate(long bytesPerSecond) {
        this.bytesPerSecond = bytesPerSecond;
    }

    /** Bytes passed from clients to the server so far. */
    public long forwarded() {
        return forwarded.get();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                synchronized (sockets) {
                    sockets.add(client);
                    sockets.add(upstream);
                }
                pump(client.getInputStream(), upstream.getOutputStream(), true, client, upstream);
                pump(upstream.getInputStream(), client.getOutputStream(), false, client, upstream);
            } catch (IOException e) {
                // closed, or the server refused: the client sees its connection end
            }
        }
    }

    private void pump(InputStream in, OutputStream out, boolean throttled, Socket a, Socket b) {
        Thread t = new Thread(
                () -> {
                    byte[] buf = new byte[1024];
                    try {
                        int n;
                        while ((n = in.read(buf)) > 0) {
                            if (throttled) {
                                pay(n);
                                forwarded.addAndGet(n);
                            }
                            out.write(buf, 0, n);
                            out.flush();
                        }
                    } catch (IOException | InterruptedException e) {
                        // one side closed
                    } finally {
                        try {
                            a.close();
                            b.close();
                        } catch (IOException e) {
                            // already closed
                        }
                    }
                },
                "throttled-proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    /** Token bucket shared by all connections: sleeps until {@code n} more bytes fit the rate. */
    private void pay(int n) throws InterruptedException {
        long rate = bytesPerSecond;
        if (rate <= 0) {
            return;
        }
        long wakeAt;
        synchronized (this) {
            long now = System.nanoTime();
            budgetNanos = Math.max(budgetNanos, now) + n * 1_000_000_000L / rate;
            wakeAt = budgetNanos;
        }
        long sleep = wakeAt - System.nanoTime();
        if (sleep > 0) {
            Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        server.close();
        synchronized (sockets) {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }
}

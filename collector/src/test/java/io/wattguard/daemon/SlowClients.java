package io.wattguard.daemon;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Hostile HTTP clients on raw sockets: each sends the start of a request at once, then one more byte per period,
 * for as long as it is open. From source addresses of 127.0.0.0/8 other than 127.0.0.1 (Linux answers on all of
 * them), so that they count as clients apart from the test's own.
 */
final class SlowClients implements AutoCloseable {
    private final List<Socket> sockets = new ArrayList<>();
    private final ScheduledExecutorService dribbler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "slow-clients");
        t.setDaemon(true);
        return t;
    });
    private final InetSocketAddress server;

    SlowClients(InetSocketAddress server, Duration period) {
        this.server = server;
        long ms = period.toMillis();
        dribbler.scheduleAtFixedRate(this::dribble, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** Whether this machine lets a client bind 127.0.0.2 (Linux does; macOS only with an alias). */
    static boolean supported() {
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The n-th source address: 127.0.0.(2 + n). */
    static InetAddress source(int n) throws IOException {
        return InetAddress.getByAddress(new byte[] {127, 0, 0, (byte) (2 + n)});
    }

    /** A request whose headers never end: {@code X-Slow: aaaa...}, a byte per period. */
    Socket headers(InetAddress from) throws IOException {
        return open(from, "GET /health HTTP/1.1\r\nHost: wattguard\r\nX-Slow: ");
    }

    /** A push whose body of {@code length} bytes never ends; with the token when not null. */
    Socket body(InetAddress from, String token, int length) throws IOException {
        return open(
                from,
                "POST " + HttpEndpoints.BUSINESS_LOAD_PATH + " HTTP/1.1\r\nHost: wattguard\r\n"
                        + (token == null ? "" : "Authorization: Bearer " + token + "\r\n")
                        + "Content-Type: text/plain\r\nContent-Length: " + length + "\r\n\r\nbusiness_load,entity=");
    }

    Socket open(InetAddress from, String start) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(from, 0));
        s.connect(server, 2_000);
        s.getOutputStream().write(start.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        synchronized (sockets) {
            sockets.add(s);
        }
        return s;
    }

    /** Sockets the server has not closed yet (a write to a closed one fails, sooner or later). */
    int open() {
        synchronized (sockets) {
            return (int) sockets.stream().filter(s -> !s.isClosed()).count();
        }
    }

    private void dribble() {
        synchronized (sockets) {
            for (Socket s : sockets) {
                if (!s.isClosed()) {
                    try {
                        OutputStream out = s.getOutputStream();
                        out.write('a');
                        out.flush();
                    } catch (IOException e) {
                        closeQuietly(s);
                    }
                }
            }
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closed anyway
        }
    }

    @Override
    public void close() {
        dribbler.shutdownNow();
        synchronized (sockets) {
            sockets.forEach(SlowClients::closeQuietly);
        }
    }
}

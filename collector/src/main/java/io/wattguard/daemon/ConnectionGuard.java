package io.wattguard.daemon;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes the HTTP connections that would take more than their share: those past the limit for their client's
 * address, and those whose request headers have not arrived within the header timeout. Jetty bounds header size
 * and idle time but sets no deadline on headers, and a client sending one header byte a second is never idle.
 */
final class ConnectionGuard implements Connection.Listener {
    private static final Logger log = LoggerFactory.getLogger(ConnectionGuard.class);
    private final Scheduler scheduler;
    private final long headerMillis;
    private final int perClient;
    /** Open connections per client address; guarded by itself. */
    private final Map<Object, Integer> perAddress = new HashMap<>();

    private final Map<Connection, Deadline> deadlines = new ConcurrentHashMap<>();
    private final Map<Connection, Object> counted = new ConcurrentHashMap<>();

    ConnectionGuard(Scheduler scheduler, Duration headerTimeout, int perClient) {
        this.scheduler = scheduler;
        this.headerMillis = headerTimeout.toMillis();
        this.perClient = perClient;
    }

    @Override
    public void onOpened(Connection c) {
        Object client = client(c);
        synchronized (perAddress) {
            if (perAddress.getOrDefault(client, 0) >= perClient) {
                log.debug("http: {} has {} connections open already; closing another", client, perClient);
                c.getEndPoint().close();
                return;
            }
            perAddress.merge(client, 1, Integer::sum);
            counted.put(c, client);
        }
        awaitHeaders(c);
    }

    @Override
    public void onClosed(Connection c) {
        headersArrived(c);
        Object client = counted.remove(c);
        if (client != null) {
            synchronized (perAddress) {
                perAddress.computeIfPresent(client, (k, n) -> n == 1 ? null : n - 1);
            }
        }
    }

    /** The next request's headers are due within the header timeout: on a new connection, or after an answer. */
    void awaitHeaders(Connection c) {
        Deadline d = new Deadline(c);
        Deadline old = deadlines.put(c, d);
        if (old != null) {
            old.cancel();
        }
        d.task = scheduler.schedule(d, headerMillis, TimeUnit.MILLISECONDS);
    }

    void headersArrived(Connection c) {
        Deadline d = deadlines.remove(c);
        if (d != null) {
            d.cancel();
        }
    }

    /** Connections open per client, for tests. */
    int open(InetAddress client) {
        synchronized (perAddress) {
            return perAddress.getOrDefault(client, 0);
        }
    }

    private static Object client(Connection c) {
        SocketAddress a = c.getEndPoint().getRemoteSocketAddress();
        return a instanceof InetSocketAddress inet && inet.getAddress() != null ? inet.getAddress() : String.valueOf(a);
    }

    private final class Deadline implements Runnable {
        private final Connection connection;
        private volatile Scheduler.Task task;

        Deadline(Connection connection) {
            this.connection = connection;
        }

        @Override
        public void run() {
            // Only if still due: headers that arrived meanwhile removed it, and a new one replaced it.
            if (deadlines.remove(connection, this)) {
                log.debug("http: no request headers from {} within {} ms; closing", client(connection), headerMillis);
                connection.getEndPoint().close();
            }
        }

        void cancel() {
            Scheduler.Task t = task;
            if (t != null) {
                t.cancel();
            }
        }
    }
}

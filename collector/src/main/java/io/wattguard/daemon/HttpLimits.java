package io.wattguard.daemon;

import io.wattguard.config.Section;
import java.time.Duration;

/**
 * What one client may take of the HTTP listener. The listener serves probes, Prometheus and a few pushing
 * systems: a client slower than these bounds is broken or hostile, and is cut off so that it cannot hold the
 * connections and time that others need.
 *
 * @param headerTimeout           from a connection's opening, or from the previous answer on it, to the end of
 *                                the request's headers; a client dribbling a header byte at a time is closed
 *                                past it (the idle timeout alone never fires for it)
 * @param bodyTimeout             from the end of the headers to the end of the body
 * @param idleTimeout             no byte either way for this long closes the connection (also a client that
 *                                stops reading its answer)
 * @param maxConnections          open connections in all; past it, new ones wait in the kernel's backlog
 * @param maxConnectionsPerClient open connections from one address; past it, a new one is closed at once
 * @param maxHeaderBytes          request line and headers; past it, {@code 431}
 */
public record HttpLimits(
        Duration headerTimeout,
        Duration bodyTimeout,
        Duration idleTimeout,
        int maxConnections,
        int maxConnectionsPerClient,
        int maxHeaderBytes) {
    public static final HttpLimits DEFAULTS =
            new HttpLimits(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofSeconds(10), 256, 16, 8 << 10);

    private static final Duration SHORTEST = Duration.ofMillis(100);
    private static final Duration LONGEST = Duration.ofMinutes(10);

    /** Reads the limits' keys of the {@code http:} section; the caller finishes the section. */
    static HttpLimits read(Section s) {
        Duration header = s.duration("header_timeout", DEFAULTS.headerTimeout, SHORTEST, LONGEST);
        Duration body = s.duration("body_timeout", DEFAULTS.bodyTimeout, SHORTEST, LONGEST);
        Duration idle = s.duration("idle_timeout", DEFAULTS.idleTimeout, SHORTEST, LONGEST);
        int total = (int) s.integer("max_connections", DEFAULTS.maxConnections, 1, 100_000);
        int perClient = (int) s.integer("max_connections_per_client", DEFAULTS.maxConnectionsPerClient, 1, 100_000);
        int headerBytes = (int) s.bytes("max_header_size", DEFAULTS.maxHeaderBytes, 1 << 10, 1 << 20);
        if (perClient > total) {
            s.error(
                    "max_connections_per_client",
                    "expected at most max_connections (" + total + "), found " + perClient
                            + ": one client could then take every connection");
        }
        return new HttpLimits(header, body, idle, total, Math.min(perClient, total), headerBytes);
    }
}

package io.wattguard.daemon;

import io.wattguard.config.Secret;
import io.wattguard.config.Section;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * The {@code http:} section. Loopback by default; any other address needs a token, because /health names
 * hosts and devices and the business-load endpoint accepts writes.
 */
public record HttpSettings(boolean enabled, InetSocketAddress listen, Secret token, HttpLimits limits) {
    public static final String DEFAULT_LISTEN = "127.0.0.1:9273";

    /** With the default limits. */
    public HttpSettings(boolean enabled, InetSocketAddress listen, Secret token) {
        this(enabled, listen, token, HttpLimits.DEFAULTS);
    }

    static HttpSettings read(Section s) {
        boolean enabled = s.bool("enabled", true);
        String listen = s.string("listen", DEFAULT_LISTEN);
        Secret token = s.secret("token");
        HttpLimits limits = HttpLimits.read(s);
        InetSocketAddress addr = parse(listen);
        if (addr == null) {
            s.error("listen", "expected HOST:PORT such as 127.0.0.1:9273 or [::1]:9273, found '" + listen + "'");
        } else if (!addr.getAddress().isLoopbackAddress() && token == null && enabled) {
            s.error(
                    "listen",
                    "listening on " + listen + " (not loopback) requires a token: set token_env or token_file");
        }
        s.finish();
        return new HttpSettings(enabled, addr, token, limits);
    }

    static InetSocketAddress parse(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0) {
            return null;
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            int port = Integer.parseInt(hostPort.substring(colon + 1));
            if (port < 0 || port > 65535) {
                return null;
            }
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (NumberFormatException | UnknownHostException e) {
            return null;
        }
    }
}

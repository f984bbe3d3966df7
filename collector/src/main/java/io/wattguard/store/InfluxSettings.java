package io.wattguard.store;

import io.wattguard.config.Secret;
import io.wattguard.config.Section;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The {@code influxdb:} section: where and how to write. {@code urlFrom} says where {@code url} was set, for
 * an operator: {@code influxdb.url}, {@code default}, or the option or variable that overrode the file.
 */
public record InfluxSettings(
        URI url,
        String urlFrom,
        String database,
        String retentionPolicy,
        String username,
        Secret password,
        Secret token,
        boolean gzip,
        Duration timeout,
        boolean createDatabase) {

    public static final String DEFAULT_URL = "http://127.0.0.1:8086";

    public static InfluxSettings read(Section s) {
        URI url = s.url("url", DEFAULT_URL, "http", "https");
        String portProblem = url == null ? null : portProblem(url);
        if (portProblem != null) {
            s.error("url", portProblem);
        }
        String from = s.has("url") ? "influxdb.url" : "default";
        String db = s.string("database", "wattguard");
        if (db != null && (db.isBlank() || db.contains("\""))) {
            s.error("database", "expected a database name without quotes, found '" + db + "'");
        }
        String rp = s.string("retention_policy", "");
        String user = s.string("username", null);
        Secret password = s.secret("password");
        Secret token = s.secret("token");
        if (password != null && user == null) {
            s.error("password_env", "a password needs a username");
        }
        if (token != null && user != null) {
            s.error("token_env", "set either username + password (InfluxDB 1.x) or a token (2.x/3.x v1 API), not both");
        }
        boolean gzip = s.bool("gzip", true);
        Duration timeout = s.duration("timeout", Duration.ofSeconds(10), Duration.ofMillis(100), Duration.ofMinutes(5));
        boolean create = s.bool("create_database", true);
        s.finish();
        return new InfluxSettings(url, from, db, rp, user, password, token, gzip, timeout, create);
    }

    public static InfluxSettings local(URI url, String database) {
        return new InfluxSettings(url, "given", database, "", null, null, null, true, Duration.ofSeconds(10), true);
    }

    /** These settings with InfluxDB at {@code url} instead, set by {@code from} (an option, a variable). */
    public InfluxSettings withUrl(URI url, String from) {
        return new InfluxSettings(
                url, from, database, retentionPolicy, username, password, token, gzip, timeout, createDatabase);
    }

    /**
     * An InfluxDB URL given outside the file (a command-line option, an environment variable), held to the
     * file's rules: scheme http or https, a host, and a port from 1 to 65535 when one is given.
     *
     * @throws IllegalArgumentException saying what was expected and what was found
     */
    public static URI parseUrl(String text) {
        String expected = "expected a URL such as " + DEFAULT_URL + " (scheme http or https, with a host)";
        URI u;
        try {
            u = new URI(text.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(expected + ", found '" + text + "' (" + e.getReason() + ")");
        }
        if (u.getScheme() == null
                || !List.of("http", "https").contains(u.getScheme().toLowerCase(Locale.ROOT))
                || u.getHost() == null
                || u.getHost().isEmpty()) {
            throw new IllegalArgumentException(expected + ", found '" + text + "'");
        }
        String portProblem = portProblem(u);
        if (portProblem != null) {
            throw new IllegalArgumentException(portProblem);
        }
        return u;
    }

    /** A port out of range, which {@link URI} accepts; null when the port is fine or not given. */
    private static String portProblem(URI u) {
        if (u.getPort() == 0 || u.getPort() > 65535) {
            return "expected a port from 1 to 65535, found " + u.getPort() + " in '" + u + "'";
        }
        return null;
    }
}

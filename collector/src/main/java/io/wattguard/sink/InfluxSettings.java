package io.wattguard.sink;

import io.wattguard.config.Secret;
import io.wattguard.config.Section;
import java.net.URI;
import java.time.Duration;

/** The {@code influxdb:} section: where and how to write. */
public record InfluxSettings(URI url, String database, String retentionPolicy, String username, Secret password,
        Secret token, boolean gzip, Duration timeout, boolean createDatabase) {

    public static final String DEFAULT_URL = "http://127.0.0.1:8086";

    public static InfluxSettings read(Section s) {
        URI url = s.url("url", DEFAULT_URL, "http", "https");
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
        return new InfluxSettings(url, db, rp, user, password, token, gzip, timeout, create);
    }

    public static InfluxSettings local(URI url, String database) {
        return new InfluxSettings(url, database, "", null, null, null, true, Duration.ofSeconds(10), true);
    }
}

package io.wattguard.alert;

import io.wattguard.analytics.Episode.Severity;
import io.wattguard.config.Secret;
import io.wattguard.config.Section;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@code alerts:} section: where anomaly episodes are sent besides InfluxDB (a JSON-lines file, webhooks,
 * syslog receivers). Every problem is reported to the section's {@code Problems}; nothing is thrown here, so
 * {@code check-config} lists them all at once. See docs/alerts.md.
 */
public record AlertSettings(
        String currency, Jsonl jsonl, List<Webhook> webhooks, List<Syslog> syslog, Duration drainTimeout) {

    static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_.-]*");
    /** RFC 5424 PRINTUSASCII, the only characters allowed in HOSTNAME and APP-NAME. */
    static final Pattern PRINTUSASCII = Pattern.compile("[\\x21-\\x7e]+");

    static final Pattern CURRENCY = Pattern.compile("[A-Z]{3}");
    public static final int DEFAULT_MAX_QUEUE = 1000;

    public AlertSettings {
        webhooks = List.copyOf(webhooks);
        syslog = List.copyOf(syslog);
    }

    /** The file output: one JSON object a line, appended. */
    public record Jsonl(Path path, Severity minSeverity, int maxQueue) {}

    /** An HTTP POST of the same JSON object, e.g. to a chat bridge or an incident tool. */
    public record Webhook(
            String name,
            URI url,
            Secret token,
            Duration timeout,
            Severity minSeverity,
            int maxQueue,
            int maxAttempts,
            Duration retryBackoff) {
        /** Scheme, host and port only: webhook URLs often carry a secret in their path (Slack, Teams). */
        public String safeUrl() {
            return url.getScheme() + "://" + url.getHost() + (url.getPort() >= 0 ? ":" + url.getPort() : "") + "/...";
        }

        @Override
        public String toString() {
            return "Webhook[name=" + name + ", url=" + safeUrl() + ", token=" + (token == null ? "none" : token)
                    + ", timeout=" + timeout + ", minSeverity=" + minSeverity + ", maxQueue=" + maxQueue
                    + ", maxAttempts=" + maxAttempts + ", retryBackoff=" + retryBackoff + "]";
        }
    }

    /** An RFC 5424 syslog receiver (a SIEM collector), the message body a CEF record. */
    public record Syslog(
            String name,
            String host,
            int port,
            Protocol protocol,
            Facility facility,
            String appName,
            String hostname,
            Severity minSeverity,
            int maxQueue,
            int maxMessage,
            Duration timeout,
            int maxAttempts,
            Duration retryBackoff) {}

    public enum Protocol {
        UDP,
        TCP
    }

    /** RFC 5424 table 1, in code order: {@code ordinal()} is the facility code. */
    public enum Facility {
        KERN,
        USER,
        MAIL,
        DAEMON,
        AUTH,
        SYSLOG,
        LPR,
        NEWS,
        UUCP,
        CRON,
        AUTHPRIV,
        FTP,
        NTP,
        AUDIT,
        ALERT,
        CLOCK,
        LOCAL0,
        LOCAL1,
        LOCAL2,
        LOCAL3,
        LOCAL4,
        LOCAL5,
        LOCAL6,
        LOCAL7;

        public int code() {
            return ordinal();
        }
    }

    /** No outputs: what the daemon uses when the file has no {@code alerts:} section. */
    public static AlertSettings none() {
        return new AlertSettings(null, null, List.of(), List.of(), Duration.ofSeconds(5));
    }

    public boolean isEmpty() {
        return jsonl == null && webhooks.isEmpty() && syslog.isEmpty();
    }

    /**
     * The same outputs with the currency written elsewhere in the file (e.g. the analysis tariff's) when the
     * {@code alerts:} section names none; blank means none.
     */
    public AlertSettings withDefaultCurrency(String c) {
        return currency != null || c == null || c.isBlank()
                ? this
                : new AlertSettings(c, jsonl, webhooks, syslog, drainTimeout);
    }

    public static AlertSettings read(Section s) {
        String currency = s.string("currency", null);
        if (currency != null && !CURRENCY.matcher(currency).matches()) {
            s.error("currency", "expected a three-letter ISO 4217 code such as EUR or USD, found '" + currency + "'");
            currency = null;
        }
        Duration drain = s.duration("drain_timeout", Duration.ofSeconds(5), Duration.ZERO, Duration.ofMinutes(5));
        Map<String, String> names = new HashMap<>();
        names.put("jsonl", "the jsonl file output");
        Jsonl jsonl = s.has("jsonl") ? readJsonl(s.section("jsonl")) : null;
        List<Webhook> webhooks = new ArrayList<>();
        List<Section> hookSections = s.sections("webhooks");
        for (int i = 0; i < hookSections.size(); i++) {
            Webhook w = readWebhook(hookSections.get(i), i, names);
            if (w != null) {
                webhooks.add(w);
            }
        }
        List<Syslog> syslog = new ArrayList<>();
        List<Section> syslogSections = s.sections("syslog");
        for (int i = 0; i < syslogSections.size(); i++) {
            Syslog y = readSyslog(syslogSections.get(i), i, names);
            if (y != null) {
                syslog.add(y);
            }
        }
        s.finish();
        return new AlertSettings(currency, jsonl, webhooks, syslog, drain);
    }

    private static Jsonl readJsonl(Section s) {
        String p = s.requiredString(
                "path", "the file anomaly events are appended to, e.g. /var/lib/wattguard/anomalies.jsonl");
        Severity min = s.choice("min_severity", Severity.LOW, Severity.class);
        int maxQueue = maxQueue(s);
        s.finish();
        return p == null ? null : new Jsonl(s.resolve(p), min, maxQueue);
    }

    private static Webhook readWebhook(Section s, int index, Map<String, String> names) {
        String name = name(s, "webhook-" + index, names);
        URI url = null;
        if (!s.has("url")) {
            s.error("url", "missing required key 'url' (the http:// or https:// address events are POSTed to)");
        } else {
            url = s.url("url", null, "https", "http");
        }
        Secret token = s.secret("token");
        Duration timeout = s.duration("timeout", Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofMinutes(5));
        Severity min = s.choice("min_severity", Severity.LOW, Severity.class);
        int maxQueue = maxQueue(s);
        int attempts = (int) s.integer("max_attempts", 6, 1, 100);
        Duration backoff =
                s.duration("retry_backoff", Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofMinutes(10));
        s.finish();
        return url == null ? null : new Webhook(name, url, token, timeout, min, maxQueue, attempts, backoff);
    }

    private static Syslog readSyslog(Section s, int index, Map<String, String> names) {
        String name = name(s, "syslog-" + index, names);
        String host = s.requiredString("host", "the syslog receiver's host name or address, e.g. 127.0.0.1");
        int port = (int) s.integer("port", 514, 1, 65535);
        Protocol protocol = s.choice("protocol", Protocol.UDP, Protocol.class);
        Facility facility = s.choice("facility", Facility.LOCAL0, Facility.class);
        String app = s.string("app_name", "wattguard");
        if (app != null && (app.length() > 48 || !PRINTUSASCII.matcher(app).matches())) {
            s.error(
                    "app_name",
                    "expected 1 to 48 printable ASCII characters without spaces (RFC 5424 APP-NAME), found '" + app
                            + "'");
            app = "wattguard";
        }
        String hostname = s.string("hostname", null);
        if (hostname != null
                && (hostname.length() > 255 || !PRINTUSASCII.matcher(hostname).matches())) {
            s.error(
                    "hostname",
                    "expected 1 to 255 printable ASCII characters without spaces (RFC 5424 HOSTNAME), found '"
                            + hostname + "'");
            hostname = null;
        }
        Severity min = s.choice("min_severity", Severity.LOW, Severity.class);
        int maxQueue = maxQueue(s);
        // 480 octets is what every RFC 5424 receiver must accept; 2048 what it should (RFC 5426 §3.2), 8192
        // rsyslog's default maxMessageSize.
        long defMax = protocol == Protocol.UDP ? 2048 : 8192;
        int maxMessage = (int) s.bytes("max_message", defMax, 480, protocol == Protocol.UDP ? 65_000 : 1 << 20);
        Duration timeout = s.duration("timeout", Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofMinutes(5));
        int attempts = (int) s.integer("max_attempts", 6, 1, 100);
        Duration backoff =
                s.duration("retry_backoff", Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofMinutes(10));
        s.finish();
        return host == null
                ? null
                : new Syslog(
                        name,
                        host,
                        port,
                        protocol,
                        facility,
                        app,
                        hostname,
                        min,
                        maxQueue,
                        maxMessage,
                        timeout,
                        attempts,
                        backoff);
    }

    private static int maxQueue(Section s) {
        return (int) s.integer("max_queue", DEFAULT_MAX_QUEUE, 1, 1_000_000);
    }

    /** Names key the counters and the delivery threads, so they are unique across all outputs. */
    private static String name(Section s, String def, Map<String, String> names) {
        String name = s.string("name", def);
        if (name == null) {
            return def;
        }
        if (!NAME.matcher(name).matches()) {
            s.error("name", "expected lower-case letters, digits, '_', '.' or '-', found '" + name + "'");
        } else if (names.containsKey(name.toLowerCase(Locale.ROOT))) {
            s.error("name", "duplicate output name '" + name + "' (also used by " + names.get(name) + ")");
        } else {
            names.put(name, s.path());
        }
        return name;
    }
}

package io.wattguard.alert;

import io.wattguard.alert.AlertSettings.Webhook;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs each event's JSON object to a URL. Retried with jittered exponential backoff on connection errors, 5xx
 * and 429 (waiting what Retry-After asks, up to {@link Backoff#CAP}); any other status is the receiver refusing
 * this request, which a retry would not change. Redirects are not followed, so the bearer token only ever goes
 * to the configured host. Logs name the URL by scheme, host and port only: its path may be the secret.
 */
final class WebhookOutput extends QueuedOutput {
    private static final Logger log = LoggerFactory.getLogger(WebhookOutput.class);

    private final Webhook settings;
    private final EventJson json;
    private final Clock clock;
    private final String userAgent;
    private final Backoff backoff;
    /** Made on the delivery thread at the first event: JDK 17's HttpClient starts a thread and has no close(). */
    private HttpClient client;

    private boolean failing;

    WebhookOutput(Webhook settings, EventJson json, Clock clock, String version) {
        super(settings.name(), "webhook", settings.minSeverity(), settings.maxQueue());
        this.settings = settings;
        this.json = json;
        this.clock = clock;
        this.userAgent = "wattguard/" + version;
        this.backoff = new Backoff(settings.retryBackoff(), Backoff.CAP);
    }

    private HttpClient client() {
        if (client == null) {
            client = HttpClient.newBuilder()
                    .connectTimeout(settings.timeout())
                    .followRedirects(HttpClient.Redirect.NEVER)
                    .build();
        }
        return client;
    }

    @Override
    protected boolean deliver(AlertEvent ev) throws InterruptedException {
        byte[] body = json.bytes(ev); // built once: every retry sends the same bytes
        HttpRequest.Builder rb = HttpRequest.newBuilder(settings.url())
                .timeout(settings.timeout())
                .header("Content-Type", "application/json")
                .header("User-Agent", userAgent)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (settings.token() != null) {
            rb.header("Authorization", "Bearer " + settings.token().reveal());
        }
        HttpRequest request = rb.build();
        String what = ev.describe();
        for (int attempt = 1; ; attempt++) {
            Duration wait;
            String why;
            try {
                HttpResponse<Void> r = client().send(request, HttpResponse.BodyHandlers.discarding());
                int status = r.statusCode();
                if (status >= 200 && status < 300) {
                    if (failing) {
                        failing = false;
                        log.info("webhook {} ({}): delivering again", name, settings.safeUrl());
                    }
                    return true;
                }
                if (status != 429 && status < 500) {
                    log.warn(
                            "webhook {} ({}): HTTP {} for {}; not retried (check the URL and token)",
                            name,
                            settings.safeUrl(),
                            status,
                            what);
                    return false;
                }
                why = "HTTP " + status;
                Duration asked =
                        retryAfter(r.headers().firstValue("Retry-After").orElse(null));
                wait = asked != null ? asked : backoff.delay(attempt);
            } catch (IOException e) {
                why = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
                wait = backoff.delay(attempt);
            }
            if (attempt >= settings.maxAttempts()) {
                failing = true;
                log.warn(
                        "webhook {} ({}): giving up on {} after {} attempt(s), last: {}",
                        name,
                        settings.safeUrl(),
                        what,
                        attempt,
                        why);
                return false;
            }
            if (!failing) {
                failing = true;
                log.warn("webhook {} ({}): {}; retrying in {} ms", name, settings.safeUrl(), why, wait.toMillis());
            } else {
                log.debug("webhook {}: {}; retry {} in {} ms", name, why, attempt, wait.toMillis());
            }
            pause(wait);
        }
    }

    /** Retry-After as delay-seconds or an HTTP-date (RFC 9110 §10.2.3); null when absent or unreadable. */
    Duration retryAfter(String v) {
        if (v == null || v.isBlank()) {
            return null;
        }
        Duration d;
        try {
            d = Duration.ofSeconds(Long.parseLong(v.trim()));
        } catch (NumberFormatException e) {
            try {
                d = Duration.between(
                        clock.instant(), ZonedDateTime.parse(v.trim(), DateTimeFormatter.RFC_1123_DATE_TIME));
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
        if (d.isNegative()) {
            return Duration.ZERO;
        }
        return d.compareTo(Backoff.CAP) > 0 ? Backoff.CAP : d;
    }

    @Override
    protected void release() {
        client = null; // JDK 17's HttpClient has no close(); its selector thread ends once the client is unreachable
    }
}

package io.wattguard.alert;

import io.wattguard.alert.AlertSettings.Protocol;
import io.wattguard.alert.AlertSettings.Syslog;
import java.io.IOException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Sends each event as an RFC 5424 message with a CEF body to a syslog receiver, reconnecting after failures. */
final class SyslogOutput extends QueuedOutput {
    private static final Logger log = LoggerFactory.getLogger(SyslogOutput.class);

    private final Syslog settings;
    private final SyslogMessage format;
    private final SyslogTransport transport;
    private final Backoff backoff;
    private boolean failing;

    SyslogOutput(Syslog settings, SyslogMessage format) {
        super(settings.name(), "syslog", settings.minSeverity(), settings.maxQueue());
        this.settings = settings;
        this.format = format;
        this.transport = settings.protocol() == Protocol.TCP
                ? new SyslogTransport.Tcp(settings.host(), settings.port(), settings.timeout())
                : new SyslogTransport.Udp(settings.host(), settings.port());
        this.backoff = new Backoff(settings.retryBackoff(), Backoff.CAP);
    }

    @Override
    protected boolean deliver(AlertEvent ev) throws InterruptedException {
        byte[] message = format.encode(ev);
        String where = settings.protocol().name().toLowerCase(java.util.Locale.ROOT) + "://" + settings.host() + ":"
                + settings.port();
        for (int attempt = 1; ; attempt++) {
            try {
                transport.send(message);
                if (failing) {
                    failing = false;
                    log.info("syslog {} ({}): delivering again", name, where);
                }
                return true;
            } catch (IOException e) {
                transport.close();
                if (Thread.currentThread().isInterrupted()) {
                    throw new InterruptedException("closing");
                }
                String why = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
                if (attempt >= settings.maxAttempts()) {
                    failing = true;
                    log.warn(
                            "syslog {} ({}): giving up on {} after {} attempt(s), last: {}",
                            name,
                            where,
                            ev.describe(),
                            attempt,
                            why);
                    return false;
                }
                Duration wait = backoff.delay(attempt);
                if (!failing) {
                    failing = true;
                    log.warn("syslog {} ({}): {}; retrying in {} ms", name, where, why, wait.toMillis());
                }
                pause(wait);
            }
        }
    }

    SyslogTransport transport() {
        return transport;
    }

    @Override
    protected void release() {
        transport.close();
    }
}

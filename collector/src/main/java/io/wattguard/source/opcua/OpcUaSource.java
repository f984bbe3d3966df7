package io.wattguard.source.opcua;

import io.wattguard.core.Emitter;
import io.wattguard.core.Source;
import io.wattguard.core.SourceSpec;
import io.wattguard.meters.Reading;
import io.wattguard.meters.opcua.ClientPki;
import io.wattguard.meters.opcua.OpcUaMeterClient;
import io.wattguard.meters.opcua.OpcUaMeterConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reads the OPC UA meters of one {@code opcua} source into {@code meter} points.
 *
 * <p>{@link #start()} opens the shared PKI folder and starts one {@link OpcUaMeterClient} per device, in the
 * background; each connects with its own backoff, so a meter that is down never delays the start or the
 * others. Each {@link #poll} drains every client (non-blocking for subscriptions; in poll mode one split Read
 * per device, devices side by side) and turns the readings of one device and channel into one point, stamped with the poll's tick so
 * meters line up with the hosts they feed.
 *
 * <p>Tags: {@code device}, {@code channel}, {@code kind}, and the place from the config ({@code rack},
 * {@code room}, and {@code host} for a channel that feeds one host); topology adds the rest. Fields: one per
 * configured item ({@code power_w}, {@code energy_kwh}, ...). A value whose OPC UA status is Bad is never
 * stored; a value with an Uncertain status is stored beside its flag {@code <field>_uncertain=true} (a boolean
 * field, absent for Good values: InfluxDB stores no field for nothing), so one doubtful value never casts
 * doubt on the Good ones of its point.
 *
 * <p>A device without a session is reported through {@link Emitter#error} at every poll (counted in the
 * {@code collector} measurement; the scheduler logs the first failure and every 60th, the client logs each
 * new reason once); the others carry on.
 */
final class OpcUaSource implements Source {
    private final SourceSpec.Common common;
    private final Path pkiDir;
    private final List<OpcUaDevice> devices;
    private final Clock clock;
    private final List<OpcUaMeterClient> clients = new ArrayList<>();
    /** Per device: had a session at some poll, so its absence now is a loss, not a first connect. */
    private final boolean[] seenConnected;

    private ClientPki pki;
    private java.util.concurrent.ExecutorService readers;
    private boolean closed;
    /** A start is under way or done (the PKI is open); cleared when opening the PKI failed, to retry. */
    private boolean opening;

    private String pkiProblem;

    OpcUaSource(SourceSpec.Common common, Path pkiDir, List<OpcUaDevice> devices, Clock clock) {
        this.common = common;
        this.pkiDir = pkiDir;
        this.devices = devices;
        this.clock = clock;
        this.seenConnected = new boolean[devices.size()];
    }

    @Override
    public String name() {
        return common.name();
    }

    @Override
    public String type() {
        return "opcua";
    }

    @Override
    public Duration interval() {
        return common.interval();
    }

    @Override
    public Duration timeout() {
        return common.timeout();
    }

    /**
     * Opens the PKI folder and starts the device clients on a thread of its own: the first start of an
     * installation generates the client's RSA key, which can take longer than a poll may.
     */
    @Override
    public synchronized void start() {
        if (closed || opening) {
            return;
        }
        opening = true;
        pkiProblem = null;
        Thread t = new Thread(this::openAndConnect, "wattguard-opcua-start-" + common.name());
        t.setDaemon(true);
        t.start();
    }

    private void openAndConnect() {
        ClientPki opened;
        try {
            opened = ClientPki.open(pkiDir);
        } catch (java.io.IOException | RuntimeException e) {
            synchronized (this) {
                pkiProblem = "cannot open the OPC UA PKI folder " + pkiDir + " (pki_dir): " + e.getMessage()
                        + "; it must be writable by the service user";
                opening = false;
            }
            return;
        }
        synchronized (this) {
            if (closed) {
                opened.close();
                return;
            }
            pki = opened;
            for (OpcUaDevice d : devices) {
                OpcUaMeterClient c = new OpcUaMeterClient(d.meter(), pki, clock);
                clients.add(c);
                c.start();
            }
        }
    }

    @Override
    public void poll(Emitter out) {
        List<OpcUaMeterClient> now;
        String problem;
        synchronized (this) {
            now = List.copyOf(clients);
            problem = pkiProblem;
        }
        if (problem != null) {
            out.error(common.name(), problem);
            start(); // try again: the operator may have fixed the folder's owner meanwhile
            return;
        }
        // Subscriptions are drained inline (no I/O); polled devices each do a Read, so they run side by side:
        // a device that answers slowly must not hold back the others' points.
        PollGate gate = new PollGate(out);
        List<java.util.concurrent.Future<?>> reads = new ArrayList<>();
        try {
            for (int i = 0; i < now.size(); i++) {
                OpcUaMeterClient c = now.get(i);
                OpcUaDevice d = devices.get(i);
                if (!c.isConnected()) {
                    String why = c.lastError();
                    if (why != null) {
                        out.error(d.name(), why);
                    } else if (seenConnected[i]) {
                        out.error(
                                d.name(),
                                "lost the session with " + d.meter().endpoint().endpoint() + "; reconnecting");
                    }
                    // Else the first connection attempt is still under way: not a failure until it fails.
                    continue;
                }
                seenConnected[i] = true;
                if (d.meter().mode() == OpcUaMeterConfig.Acquisition.Poll) {
                    reads.add(readers().submit(() -> drain(c, d, gate)));
                } else {
                    drain(c, d, gate);
                }
            }
            for (java.util.concurrent.Future<?> f : reads) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the poll's timeout: what finished is delivered
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        } finally {
            gate.close();
        }
    }

    private void drain(OpcUaMeterClient c, OpcUaDevice d, PollGate gate) {
        String before = c.lastError();
        List<Reading> readings = new ArrayList<>();
        int n = c.drain(readings::add);
        String after = c.lastError();
        // A failed Read leaves a new message behind (a new string even when the words repeat).
        if (n == 0 && after != null && after != before) {
            gate.error(d.name(), after);
        }
        gate.emit(d, common.tags(), readings);
    }

    private synchronized java.util.concurrent.ExecutorService readers() {
        if (readers == null) {
            readers = java.util.concurrent.Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "wattguard-opcua-read-" + common.name());
                t.setDaemon(true);
                return t;
            });
        }
        return readers;
    }

    /**
     * Lets a device's points into this poll's emitter only while the poll lasts: a Read that finishes after the
     * scheduler gave up on the poll must not touch the batch it already handed on.
     */
    private static final class PollGate {
        private final Emitter out;
        private boolean open = true;

        PollGate(Emitter out) {
            this.out = out;
        }

        synchronized void emit(OpcUaDevice d, Map<String, String> tags, List<Reading> readings) {
            if (open) {
                OpcUaSource.emit(d, tags, readings, out);
            }
        }

        synchronized void error(String device, String message) {
            if (open) {
                out.error(device, message);
            }
        }

        synchronized void close() {
            open = false;
        }
    }

    /** One point per channel (and kind): every field the device gave for it in this drain. */
    static void emit(OpcUaDevice d, Map<String, String> sourceTags, List<Reading> readings, Emitter out) {
        d.place()
                .points(d.name(), sourceTags, out.tickMs())
                .add(readings)
                .build()
                .forEach(out::emit);
    }

    @Override
    public void close() {
        List<OpcUaMeterClient> toClose;
        ClientPki p;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            toClose = List.copyOf(clients);
            clients.clear();
            p = pki;
            if (readers != null) {
                readers.shutdownNow();
            }
        }
        // Devices are let go together: each disconnect may wait for its server, and a room has many.
        toClose.parallelStream().forEach(OpcUaMeterClient::close);
        if (p != null) {
            p.close();
        }
    }
}

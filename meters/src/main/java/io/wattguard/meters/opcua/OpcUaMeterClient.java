package io.wattguard.meters.opcua;

import static org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned.uint;

import io.wattguard.meters.EnergyCounter;
import io.wattguard.meters.Reading;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.eclipse.milo.opcua.sdk.client.OpcUaClient;
import org.eclipse.milo.opcua.sdk.client.SessionActivityListener;
import org.eclipse.milo.opcua.sdk.client.UaSession;
import org.eclipse.milo.opcua.sdk.client.subscriptions.MonitoredItemSynchronizationException;
import org.eclipse.milo.opcua.sdk.client.subscriptions.OpcUaMonitoredItem;
import org.eclipse.milo.opcua.sdk.client.subscriptions.OpcUaSubscription;
import org.eclipse.milo.opcua.stack.core.UaException;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.enumerated.DataChangeTrigger;
import org.eclipse.milo.opcua.stack.core.types.enumerated.DeadbandType;
import org.eclipse.milo.opcua.stack.core.types.structured.DataChangeFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads one OPC UA meter for the collector's scheduler: {@link #start()} connects in the background,
 * {@link #drain(Consumer)} hands over what the meter says now, {@link #close()} lets go.
 *
 * <p>Subscribe mode (the default) creates one subscription with a monitored item per configured value; the
 * server sends changes and {@code drain} emits the latest value of each item, stamped with the injected clock,
 * so every value of one drain lands in one point per channel. A value the server has not changed is still
 * emitted at each drain while the subscription is alive (the server would have told us of a change beyond
 * the deadband); after the session is lost nothing is emitted until the server has been heard again. Poll
 * mode reads every value in {@code drain}, split to the server's per-request limits.
 *
 * <p>Status codes: a value whose status is Bad is never emitted (nor held from before); an Uncertain one is
 * emitted with {@link Reading#uncertain()} set, so the collector can store it flagged and dashboards and
 * detectors can leave it out. Values that are not numbers are skipped with one warning per item.
 *
 * <p>Resilience: Milo reconnects a broken session by itself; when the server restarted and no longer knows
 * our subscription, browse paths are translated again and the subscription is created anew. A server that
 * cannot be reached at start is retried with backoff (1 s doubling to 4 s) without ever blocking the
 * caller. A session lost for good (a restarted or unreachable server) is not left to Milo, whose retries back
 * off to 16 s: the client is dropped and a fresh one connects with the same capped backoff, so a restarted
 * server is read again within about 5 s. {@link #close()} is idempotent and safe without {@code start()}.
 */
public final class OpcUaMeterClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OpcUaMeterClient.class);
    /**
     * The longest wait between two connection attempts. A restarted meter is read again at most this long (plus
     * one connect and one poll) after it is back; a meter that stays down costs one refused connection per wait.
     * Milo's own session reconnect waits up to 16 s, which is why a lost session is taken over here.
     */
    static final long MAX_BACKOFF_MS = 4_000;

    /** Sees every notification as it arrives; for benchmarks and diagnostics. */
    public interface NotificationObserver {
        void notified(Reading reading, long sourceTimeMs, long arrivalMs);
    }

    private enum State {
        NEW,
        CONNECTING,
        CONNECTED,
        CLOSED
    }

    private final OpcUaMeterConfig config;
    private final ClientPki pki;
    private final boolean ownsPki;
    private final Clock clock;
    private final List<Slot> slots = new ArrayList<>();
    private final ReadSplitter reads;
    private final AtomicLong badValues = new AtomicLong();
    private final SessionActivityListener sessionListener = new SessionListener();

    private volatile State state = State.NEW;
    private volatile boolean sessionActive;
    private volatile OpcUaClient client;
    private volatile OpcUaSubscription subscription;
    private volatile String lastError;
    private volatile NotificationObserver observer;
    private ScheduledExecutorService worker;
    private long backoffMs = 1_000;
    private String lastLoggedError;

    /** A client using a PKI folder shared with other devices; the caller closes {@code pki}. */
    public OpcUaMeterClient(OpcUaMeterConfig config, ClientPki pki, Clock clock) {
        this(config, pki, false, clock);
    }

    private OpcUaMeterClient(OpcUaMeterConfig config, ClientPki pki, boolean ownsPki, Clock clock) {
        this.config = config;
        this.pki = pki;
        this.ownsPki = ownsPki;
        this.clock = clock;
        this.reads = new ReadSplitter(config.device(), config.maxNodesPerRead());
        for (OpcUaMeterConfig.Item item : config.items()) {
            slots.add(new Slot(item));
        }
    }

    /** A client with its own PKI folder (the endpoint's {@code pki_dir}), closed with the client. */
    public static OpcUaMeterClient create(OpcUaMeterConfig config, Clock clock) throws IOException {
        return new OpcUaMeterClient(config, ClientPki.open(config.endpoint().pkiDir()), true, clock);
    }

    public OpcUaMeterConfig config() {
        return config;
    }

    public void setObserver(NotificationObserver observer) {
        this.observer = observer;
    }

    /** Starts connecting in the background; returns at once. */
    public synchronized void start() {
        if (state != State.NEW) {
            return;
        }
        state = State.CONNECTING;
        worker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "wattguard-opcua-" + config.device());
            t.setDaemon(true);
            return t;
        });
        worker.execute(this::connect);
    }

    /** True while a session is active and the items are set up. */
    public boolean isConnected() {
        return state == State.CONNECTED && sessionActive;
    }

    /** The last connection or read failure, in the operator's words, or null. */
    public String lastError() {
        return lastError;
    }

    /** How many Bad values the server sent (or a Read returned) that were not emitted. */
    public long badValues() {
        return badValues.get();
    }

    /**
     * Emits the meter's current values: in subscribe mode the latest each item delivered, in poll mode a Read
     * done now (blocking up to the request timeout per request). Returns the number of readings emitted; 0 while
     * not connected.
     */
    public int drain(Consumer<Reading> out) {
        if (!isConnected()) {
            return 0;
        }
        long now = clock.millis();
        int n = 0;
        if (config.mode() == OpcUaMeterConfig.Acquisition.Subscribe) {
            for (Slot s : slots) {
                DataValue v = s.latest;
                if (v != null) {
                    Reading r = s.counted(s.toReading(v, now, false));
                    if (r != null) {
                        out.accept(r);
                        n++;
                    }
                }
            }
            return n;
        }
        OpcUaClient c = client;
        List<Slot> resolved = new ArrayList<>();
        List<NodeId> ids = new ArrayList<>();
        for (Slot s : slots) {
            if (s.nodeId != null) {
                resolved.add(s);
                ids.add(s.nodeId);
            }
        }
        try {
            List<DataValue> values = reads.read(c, ids);
            for (int i = 0; i < resolved.size(); i++) {
                Slot s = resolved.get(i);
                Reading r = s.counted(s.toReading(values.get(i), now, true));
                if (r != null) {
                    out.accept(r);
                    n++;
                }
            }
            return n;
        } catch (UaException | RuntimeException e) {
            failed("polled read of OPC UA device " + config.device() + " failed: "
                    + OpcUaConnection.explain(e, config.endpoint(), pki).getMessage());
            return 0;
        }
    }

    @Override
    public void close() {
        ScheduledExecutorService w;
        synchronized (this) {
            if (state == State.CLOSED) {
                return;
            }
            state = State.CLOSED;
            w = worker;
        }
        if (w != null) {
            w.shutdownNow();
            try {
                w.awaitTermination(config.endpoint().requestTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        disposeClient();
        if (ownsPki) {
            pki.close();
        }
    }

    // --- background work, all on the worker thread ---

    private void connect() {
        if (state == State.CLOSED) {
            return;
        }
        OpcUaClient c = null;
        try {
            c = OpcUaConnection.create(config.endpoint(), pki);
            c.addSessionActivityListener(sessionListener);
            OpcUaConnection.connect(c, config.endpoint(), pki);
            client = c;
            sessionActive = true;
            setUpSession(c);
            state = State.CONNECTED;
            backoffMs = 1_000;
            lastError = null;
            lastLoggedError = null;
            log.info(
                    "OPC UA device {}: connected to {} ({}/{}, {}), {} items by {}",
                    config.device(),
                    config.endpoint().endpoint(),
                    config.endpoint().policy(),
                    config.endpoint().mode(),
                    config.endpoint().identity(),
                    slots.stream().filter(s -> s.nodeId != null).count(),
                    config.mode() == OpcUaMeterConfig.Acquisition.Subscribe ? "subscription" : "polled reads");
        } catch (OpcUaConnectException e) {
            retryLater(c, e.getMessage());
        } catch (UaException | RuntimeException e) {
            retryLater(c, OpcUaConnection.explain(e, config.endpoint(), pki).getMessage());
        }
    }

    private void retryLater(OpcUaClient c, String message) {
        failed(message);
        if (c != null) {
            c.removeSessionActivityListener(sessionListener);
            disconnectQuietly(c);
        }
        client = null;
        sessionActive = false;
        if (state == State.CLOSED) {
            return;
        }
        state = State.CONNECTING;
        long delay = backoffMs;
        backoffMs = Math.min(MAX_BACKOFF_MS, backoffMs * 2);
        try {
            worker.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // close() won the race; nothing to retry.
        }
    }

    private void failed(String message) {
        lastError = message;
        // The same failure every backoff step would flood the log: say it once, then again when it changes.
        if (!message.equals(lastLoggedError)) {
            log.warn("OPC UA device {}: {}", config.device(), message);
            lastLoggedError = message;
        } else {
            log.debug("OPC UA device {}: {}", config.device(), message);
        }
    }

    /** Per-session setup: limits, browse paths, and the subscription in subscribe mode. */
    private void setUpSession(OpcUaClient c) throws UaException {
        reads.serverLimit(OpcUaConnection.maxNodesPerRead(c));
        resolve(c);
        if (config.mode() == OpcUaMeterConfig.Acquisition.Subscribe) {
            subscribe(c);
        }
    }

    private void resolve(OpcUaClient c) throws UaException {
        List<Slot> byPath = new ArrayList<>();
        List<String> paths = new ArrayList<>();
        for (Slot s : slots) {
            if (s.item.nodeId() != null) {
                s.nodeId = NodeRefs.parseNodeId(s.item.nodeId());
            } else {
                byPath.add(s);
                paths.add(s.item.browsePath());
            }
        }
        if (paths.isEmpty()) {
            return;
        }
        List<NodeId> ids = OpcUaConnection.translate(c, paths);
        for (int i = 0; i < byPath.size(); i++) {
            Slot s = byPath.get(i);
            s.nodeId = ids.get(i);
            if (s.nodeId == null) {
                log.warn(
                        "OPC UA device {}: browse path '{}' ({} {}) matches no node on the server; that value is "
                                + "skipped until the next session",
                        config.device(),
                        s.item.browsePath(),
                        s.item.channel(),
                        s.item.field());
            }
        }
    }

    private void subscribe(OpcUaClient c) throws UaException {
        double interval = config.samplingInterval().toMillis();
        OpcUaSubscription sub = new OpcUaSubscription(c, interval);
        sub.setSubscriptionListener(new SubscriptionListener());
        sub.create();
        List<OpcUaMonitoredItem> items = new ArrayList<>();
        for (Slot s : slots) {
            s.latest = null;
            if (s.nodeId == null) {
                continue;
            }
            OpcUaMonitoredItem mi = OpcUaMonitoredItem.newDataItem(s.nodeId);
            mi.setSamplingInterval(interval);
            mi.setQueueSize(uint(config.queueSize()));
            mi.setDiscardOldest(true);
            if (config.deadband().isPresent()) {
                mi.setFilter(new DataChangeFilter(
                        DataChangeTrigger.StatusValue,
                        uint(DeadbandType.Absolute.getValue()),
                        config.deadband().getAsDouble()));
            }
            mi.setDataValueListener((item, value) -> s.notified(value));
            items.add(mi);
        }
        sub.addMonitoredItems(items);
        try {
            sub.synchronizeMonitoredItems();
        } catch (MonitoredItemSynchronizationException e) {
            for (var r : e.getCreateResults()) {
                StatusCode op = r.operationResult().orElse(r.serviceResult());
                if (!r.serviceResult().isGood() || !op.isGood()) {
                    log.warn(
                            "OPC UA device {}: the server refused to monitor {}: {}",
                            config.device(),
                            r.monitoredItem().getReadValueId().getNodeId().toParseableString(),
                            OpcUaConnection.statusName(op));
                }
            }
        }
        subscription = sub;
    }

    /**
     * A session Milo gave up on: Milo reactivates a session quickly when the channel comes back at once, so it
     * gets one second; after that its own waits grow to 16 s and the client is replaced by one that
     * connects with {@link #MAX_BACKOFF_MS}.
     */
    private void sessionLost() {
        if (state != State.CONNECTED || sessionActive) {
            return;
        }
        try {
            worker.schedule(
                    () -> {
                        if (state == State.CONNECTED && !sessionActive) {
                            OpcUaClient c = client;
                            client = null;
                            state = State.CONNECTING;
                            backoffMs = 1_000;
                            if (c != null) {
                                c.removeSessionActivityListener(sessionListener);
                                // Not waited for: the server is gone, and the new client must not queue behind it.
                                c.disconnectAsync();
                            }
                            connect();
                        }
                    },
                    1_000,
                    TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // Closed meanwhile.
        }
    }

    /** The server restarted (or dropped our subscription): set the session up again, as at connect. */
    private void resubscribe() {
        OpcUaClient c = client;
        if (state == State.CLOSED || c == null) {
            return;
        }
        try {
            setUpSession(c);
            log.info("OPC UA device {}: subscription created again after the server lost it", config.device());
        } catch (UaException | RuntimeException e) {
            failed("could not subscribe again: "
                    + OpcUaConnection.explain(e, config.endpoint(), pki).getMessage());
            try {
                worker.schedule(this::resubscribe, Math.min(MAX_BACKOFF_MS, backoffMs), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.RejectedExecutionException closing) {
                // Closed meanwhile.
            }
        }
    }

    private void onWorker(Runnable r) {
        try {
            worker.execute(r);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // Closed meanwhile.
        }
    }

    private void forgetValues() {
        for (Slot s : slots) {
            s.latest = null;
        }
    }

    private void disposeClient() {
        OpcUaClient c = client;
        client = null;
        sessionActive = false;
        if (c != null) {
            c.removeSessionActivityListener(sessionListener);
            disconnectQuietly(c);
        }
    }

    private static void disconnectQuietly(OpcUaClient c) {
        try {
            c.disconnectAsync().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // Best effort: an unreachable server forgets the session when it times out.
        }
    }

    private final class SessionListener implements SessionActivityListener {
        private volatile Object lastSessionId;

        @Override
        public void onSessionActive(UaSession session) {
            Object id = session.getSessionId();
            boolean changed = lastSessionId != null && !lastSessionId.equals(id);
            lastSessionId = id;
            sessionActive = true;
            if (changed && config.mode() == OpcUaMeterConfig.Acquisition.Poll && state == State.CONNECTED) {
                // A new session may see a restarted server whose NodeIds moved: translate browse paths again.
                onWorker(OpcUaMeterClient.this::resubscribe);
            }
            if (changed) {
                log.info("OPC UA device {}: session active again", config.device());
            }
        }

        @Override
        public void onSessionInactive(UaSession session) {
            sessionActive = false;
            forgetValues();
            if (state == State.CONNECTED) {
                log.warn(
                        "OPC UA device {}: lost the session with {}; reconnecting",
                        config.device(),
                        config.endpoint().endpoint());
                onWorker(OpcUaMeterClient.this::sessionLost);
            }
        }
    }

    private final class SubscriptionListener implements OpcUaSubscription.SubscriptionListener {
        @Override
        public void onTransferFailed(OpcUaSubscription sub, StatusCode status) {
            forgetValues();
            log.info(
                    "OPC UA device {}: the server no longer knows our subscription ({}); creating it again",
                    config.device(),
                    OpcUaConnection.statusName(status));
            onWorker(OpcUaMeterClient.this::resubscribe);
        }

        @Override
        public void onWatchdogTimerElapsed(OpcUaSubscription sub) {
            // No publish response or keep-alive for too long: what we hold may be stale.
            forgetValues();
        }

        @Override
        public void onStatusChanged(OpcUaSubscription sub, StatusCode status) {
            if (status.isBad()) {
                forgetValues();
            }
        }
    }

    /** One configured value and what the server last said about it. */
    private final class Slot {
        final OpcUaMeterConfig.Item item;
        /**
         * For a counter item: kept for the client's whole life, across sessions, so that a restarted or cleared
         * meter never steps the stored series back. Null for other items.
         */
        private final EnergyCounter counter;

        volatile NodeId nodeId;
        volatile DataValue latest;
        volatile boolean warnedType;

        Slot(OpcUaMeterConfig.Item item) {
            this.item = item;
            this.counter = item.counter() ? new EnergyCounter(0) : null;
        }

        /**
         * {@code r} as the stored series sees it: for a counter, the monotonic value, with any step back or
         * reset logged once. OPC UA values are numbers without a register width, so a counter never wraps here.
         */
        Reading counted(Reading r) {
            if (r == null || counter == null) {
                return r;
            }
            double value;
            String change;
            synchronized (counter) {
                value = counter.next(r.value());
                change = counter.lastChange();
            }
            if (change != null) {
                log.info(
                        "OPC UA device {}: {} {} {} {}",
                        config.device(),
                        item.kind(),
                        item.channel(),
                        item.field(),
                        change);
            }
            return new Reading(r.device(), r.channel(), r.kind(), r.field(), value, r.timestampMs(), r.uncertain());
        }

        void notified(DataValue v) {
            latest = v;
            if (v.getStatusCode() != null && v.getStatusCode().isBad()) {
                badValues.incrementAndGet();
            }
            NotificationObserver o = observer;
            if (o != null) {
                long arrival = clock.millis();
                Reading r = toReading(v, arrival, false);
                if (r != null) {
                    long source = v.getSourceTime() != null ? v.getSourceTime().getJavaTime() : arrival;
                    o.notified(r, source, arrival);
                }
            }
        }

        /** The reading for {@code v}, or null when it must not be stored (Bad status, not a number). */
        Reading toReading(DataValue v, long timestampMs, boolean countBad) {
            StatusCode st = v.getStatusCode() == null ? StatusCode.GOOD : v.getStatusCode();
            if (st.isBad()) {
                if (countBad) {
                    badValues.incrementAndGet();
                }
                return null;
            }
            Object o = v.getValue() == null ? null : v.getValue().getValue();
            double d;
            if (o instanceof Number num) {
                d = num.doubleValue();
            } else if (o instanceof Boolean b) {
                d = b ? 1 : 0;
            } else {
                if (!warnedType) {
                    warnedType = true;
                    log.warn(
                            "OPC UA device {}: {} ({} {}) holds {}, not a number; it is skipped",
                            config.device(),
                            item.where(),
                            item.channel(),
                            item.field(),
                            o == null ? "no value" : "a " + o.getClass().getSimpleName());
                }
                return null;
            }
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                return null;
            }
            return new Reading(
                    config.device(),
                    item.channel(),
                    item.kind(),
                    item.field(),
                    d * item.scale(),
                    timestampMs,
                    st.isUncertain());
        }
    }
}

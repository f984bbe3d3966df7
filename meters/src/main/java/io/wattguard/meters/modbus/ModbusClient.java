package io.wattguard.meters.modbus;

import io.wattguard.meters.EnergyCounter;
import io.wattguard.meters.Reading;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Polls one device: one connection, used from one thread at a time. The plan and the decoders are built
 * once here; a poll only does I/O and calls them.
 *
 * <p>Policy is ours, not j2mod's: each request gets {@code timeout} (connecting included); a failed request
 * is retried {@code retries} times on a fresh connection after {@code backoff}, doubled each time. When a
 * request still fails the device is taken as unreachable for this poll and its remaining reads are skipped,
 * so a dead device costs at most {@code (retries + 1) * timeout + backoffs} per poll. An exception answer is
 * reported with the names of the values it covered, and the other reads go on.
 */
public final class ModbusClient implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ModbusClient.class);

    /** How the client waits between retries; tests and simulations replace it. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    private static final java.util.Set<Integer> BUSY = java.util.Set.of(5, 6);

    private final ModbusDeviceConfig config;
    private final Clock clock;
    private final LongSupplier ticker;
    private final Sleeper sleeper;
    /** Mutable only by {@link #splitGaps}: a device that refuses gap-filled reads gets gapless ones. */
    private final List<RequestPlanner.Read> plan;

    private final List<SlotDecoder[]> decoders = new ArrayList<>();
    private final Map<RegisterDef, EnergyCounter> counters = new java.util.IdentityHashMap<>();
    private final ModbusLink link;
    private volatile boolean closed;

    /** Decodes one value of a read into the poll's output. */
    private interface SlotDecoder {
        void decode(Response r, long ts, List<Reading> out, Map<String, String> texts);
    }

    public ModbusClient(ModbusDeviceConfig config, Clock clock) {
        this(config, clock, System::nanoTime, Thread::sleep);
    }

    public ModbusClient(ModbusDeviceConfig config, Clock clock, LongSupplier ticker, Sleeper sleeper) {
        this.config = config;
        this.clock = clock;
        this.ticker = ticker;
        this.sleeper = sleeper;
        this.plan = new ArrayList<>(RequestPlanner.plan(config.map(), config.planner()));
        for (RequestPlanner.Read read : plan) {
            decoders.add(decoders(read));
        }
        this.link = ModbusLink.open(config.endpoint());
    }

    private SlotDecoder[] decoders(RequestPlanner.Read read) {
        SlotDecoder[] ds = new SlotDecoder[read.slots().size()];
        for (int i = 0; i < ds.length; i++) {
            ds[i] = decoderFor(read.slots().get(i));
        }
        return ds;
    }

    /**
     * Replaces read {@code i}, which spans unmapped registers, by gapless reads of the same values. Some
     * devices answer "illegal data address" to any read touching an undefined register; gap fill saves
     * requests on the others, so it stays on until a device proves picky, once.
     */
    private boolean splitGaps(int i) {
        RequestPlanner.Read read = plan.get(i);
        int used = read.slots().stream().mapToInt(sl -> sl.register().size()).sum();
        if (used >= read.count()) {
            return false;
        }
        List<RegisterDef> regs =
                read.slots().stream().map(RequestPlanner.Slot::register).toList();
        RequestPlanner.Options o = config.planner();
        List<RequestPlanner.Read> split = RequestPlanner.plan(
                new RegisterMap("split", "", regs), new RequestPlanner.Options(o.maxRegisters(), o.maxBits(), 0, 0));
        plan.remove(i);
        decoders.remove(i);
        for (int k = split.size() - 1; k >= 0; k--) {
            plan.add(i, split.get(k));
            decoders.add(i, decoders(split.get(k)));
        }
        log.info(
                "{}: device refused {} (it spans unmapped registers); reading it as {} from now on",
                config.name(),
                read,
                split);
        return true;
    }

    private SlotDecoder decoderFor(RequestPlanner.Slot slot) {
        String device = config.name();
        RegisterDef r = slot.register();
        int at = slot.offset();
        switch (r.type()) {
            case BIT -> {
                return (resp, ts, out, texts) -> out.add(
                        new Reading(device, r.channel(), r.kind(), r.field(), resp.bits()[at] ? 1 : 0, ts, false));
            }
            case STRING -> {
                String key = r.kind() + "/" + r.channel() + "/" + r.field();
                return (resp, ts, out, texts) ->
                        texts.put(key, RegisterCodec.text(resp.words(), at, r.length(), r.order()));
            }
            default -> {
                RegisterCodec.Decoder d = RegisterCodec.decoder(r);
                if (r.counter()) {
                    // Kept per register, so that a re-planned read carries on the same series.
                    EnergyCounter counter = counters.computeIfAbsent(r, RegisterDef::newCounter);
                    return (resp, ts, out, texts) -> {
                        double v = d.decode(resp.words(), at);
                        if (!Double.isNaN(v)) {
                            out.add(new Reading(device, r.channel(), r.kind(), r.field(), counter.next(v), ts, false));
                            if (counter.lastChange() != null) {
                                log.info("{}: {} {}", device, r.displayName(), counter.lastChange());
                            }
                        }
                    };
                }
                return (resp, ts, out, texts) -> {
                    double v = d.decode(resp.words(), at);
                    if (!Double.isNaN(v)) {
                        out.add(new Reading(device, r.channel(), r.kind(), r.field(), v, ts, false));
                    }
                };
            }
        }
    }

    public ModbusDeviceConfig config() {
        return config;
    }

    /** The reads one poll issues, computed at construction (and split if the device refuses gap fill). */
    public synchronized List<RequestPlanner.Read> plan() {
        return List.copyOf(plan);
    }

    /** Reads every value of the map once. Never throws for device trouble: it is in the result. */
    public synchronized PollResult poll() {
        if (closed) {
            throw new IllegalStateException("client for " + config.name() + " is closed");
        }
        long t0 = ticker.getAsLong();
        long ts = clock.millis();
        List<Reading> readings = new ArrayList<>();
        Map<String, String> texts = new HashMap<>();
        List<String> errors = new ArrayList<>();
        int requests = 0;
        boolean reachable = true;
        int timeoutMs = (int) config.timeout().toMillis();
        for (int i = 0; i < plan.size(); i++) {
            RequestPlanner.Read read = plan.get(i);
            Response resp = null;
            IOException last = null;
            for (int attempt = 0; attempt <= config.retries(); attempt++) {
                if (attempt > 0 && !backoff(attempt)) {
                    break;
                }
                requests++;
                try {
                    resp = link.read(config.unit(), read.function(), read.start(), read.count(), timeoutMs);
                    if (!resp.isException() || !BUSY.contains(resp.exceptionCode())) {
                        break;
                    }
                    // "Busy" and "acknowledge, try later" invite a retry; any other exception is final.
                } catch (IOException e) {
                    resp = null;
                    last = e;
                    log.debug("{}: {} failed (try {}): {}", config.name(), read, attempt + 1, e.toString());
                }
            }
            if (resp == null) {
                boolean down = unreachable(last);
                String msg = config.name() + " (" + config.endpoint() + " unit " + config.unit() + "): "
                        + (down ? "no answer to " : "no valid answer to ") + read + " after " + (config.retries() + 1)
                        + (config.retries() == 0 ? " try: " : " tries: ")
                        + describe(last);
                if (down) {
                    // Waiting out the timeout again for each remaining read would only make this poll later.
                    reachable = false;
                    errors.add(msg
                            + (i + 1 < plan.size()
                                    ? "; skipped the other " + (plan.size() - i - 1) + " reads of this poll"
                                    : ""));
                    break;
                }
                errors.add(msg + " [" + read.names() + "]");
                continue;
            }
            if (resp.isException() && resp.exceptionCode() == 2 && splitGaps(i)) {
                i--;
                continue;
            }
            if (resp.isException()) {
                errors.add(config.name() + ": exception " + resp.exceptionCode() + " ("
                        + Response.describe(resp.exceptionCode()) + ") reading " + read + " [" + read.names() + "]");
                continue;
            }
            for (SlotDecoder d : decoders.get(i)) {
                d.decode(resp, ts, readings, texts);
            }
        }
        return new PollResult(config.name(), ts, readings, texts, errors, requests, ticker.getAsLong() - t0, reachable);
    }

    /** A device that refuses connections or stays silent is down; a garbled answer is about one read. */
    private static boolean unreachable(IOException e) {
        return e == null
                || e instanceof java.net.ConnectException
                || e instanceof java.net.SocketTimeoutException
                || e instanceof java.net.NoRouteToHostException
                || e instanceof java.net.UnknownHostException
                || e instanceof java.io.EOFException
                || e instanceof java.net.SocketException;
    }

    private boolean backoff(int attempt) {
        long ms = config.backoff().toMillis() << Math.min(attempt - 1, 10);
        if (ms <= 0) {
            return true;
        }
        try {
            sleeper.sleep(ms);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String describe(IOException e) {
        if (e == null) {
            return "interrupted";
        }
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /**
     * Closes the connection. Safe twice and before any poll; not synchronized, so that closing from another
     * thread breaks a poll blocked on a dead device instead of waiting for its timeouts.
     */
    @Override
    public void close() {
        closed = true;
        link.close();
    }
}

package io.wattguard.source.modbus;

import io.wattguard.core.Emitter;
import io.wattguard.core.Sample;
import io.wattguard.core.Source;
import io.wattguard.core.SourceSpec;
import io.wattguard.meters.modbus.ModbusClient;
import io.wattguard.meters.modbus.PollResult;
import io.wattguard.source.meter.MeterPlace;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * Polls the devices of one {@code type: modbus} entry concurrently, each through its own {@link ModbusClient}
 * (one connection, one thread at a time), and turns what they read into {@code meter} points.
 *
 * <p>Why devices run on a pool of their own rather than one after the other in {@link #poll}: a dead device
 * costs its whole timeout and retries, and a room poller reads hundreds of PDUs; in sequence, one dead PDU
 * would make every PDU after it late. Each device has at most one poll in flight; a device still busy at a
 * tick skips that tick and says so as an error. Devices whose last poll could not reach them run in a second,
 * smaller lane, so a row of dead devices can never hold the threads the answering ones need.
 *
 * <p>Why the device polls are spread over the interval rather than all started at the tick: a room poller of a
 * thousand PDUs at 1 s sends some 4,000 requests in one burst, and the collector and the devices (or the
 * gateway, or a simulator) answer them on the same few cores, so the last devices of the burst start 150 ms
 * late although the machine is idle most of the second. Each device has a fixed phase: device {@code i} of
 * {@code n} starts {@code i * window / n} after the tick, where the window is the {@code spread} share of the
 * interval. A fixed phase keeps each device's polls exactly one interval apart, so rates computed from its
 * counters are as regular as before; the phase follows the device's place in the list, so it is the same on
 * every tick and after a restart with the same configuration.
 *
 * <p>Phases fall on a 5 ms grid, and {@link #poll}'s own thread, which waits for the answers anyway, hands
 * each device its tick at its phase, sleeping between the steps: no extra thread, and no wake-up per device
 * beyond the device's own I/O. After the last start it waits for the answers until shortly before the
 * source's timeout; an answer that comes later is emitted at the next poll, still stamped with the tick it
 * was read for. Spreading costs some CPU: requests that came in one burst kept the cores busy, spread out
 * each one wakes an idle core (ModbusScaleBench, 1,000 PDUs at 1 s on 2 cores: 13 to 15% of a core at the
 * tick, 19 to 20% spread; a timer thread per device start or 25 ms groups of devices changed that by a
 * point or two).
 *
 * <p>Every point carries the tick of the poll that started its device poll (neither the moment of its phase
 * nor the moment the device answered): the points of all devices and all sources share one timestamp per
 * tick, so rack and room sums, {@code GROUP BY time} and the dashboards line up, and a replay writes the same
 * points. A reading is taken a little after its stamp (at most the window plus the answer), a constant offset
 * per device.
 */
public final class ModbusSource implements Source {
    /** Sees every device poll; for benchmarks and operators' diagnostics, never needed for collecting. */
    public interface DeviceObserver {
        /**
         * @param tickMs the tick the poll was for (its points' timestamp)
         * @param scheduledMs when the device's poll was due: the tick plus the device's phase
         * @param startedMs when the device poll began (its lateness is {@code startedMs - scheduledMs})
         * @param finishedMs when its answer was complete
         */
        void polled(String device, long tickMs, long scheduledMs, long startedMs, long finishedMs, boolean ok);
    }

    private static final DeviceObserver NO_OBSERVER = (d, t, at, s, f, ok) -> {};

    private final SourceSpec.Common common;
    private final List<ModbusFactory.Device> devices;
    private final int concurrency;
    /** Share of the interval over which the device polls start; 0 starts every device at the tick. */
    private final double spread;

    private final Clock clock;
    private final LongSupplier ticker;
    private final LinkedBlockingQueue<Done> finished = new LinkedBlockingQueue<>();
    private final List<Poller> pollers = new ArrayList<>();
    private ExecutorService answering;
    private ExecutorService failing;
    private volatile DeviceObserver observer = NO_OBSERVER;
    private volatile boolean closed;

    /** One device poll's outcome, for the tick it was started at. */
    private record Done(Poller poller, long tickMs, PollResult result, String failure) {}

    /** A device and its state between polls. */
    private final class Poller {
        final ModbusFactory.Device device;
        /** Milliseconds after the tick at which this device's poll starts. */
        final long phaseMs;
        /**
         * Made at the device's first poll, on its own thread: building the plans and decoders of a thousand
         * devices in {@link #start} would cost the first poll its whole timeout.
         */
        volatile ModbusClient client;

        final AtomicBoolean busy = new AtomicBoolean();
        /** Set by the device's own poll thread, read by {@link #poll}: which lane its next poll goes to. */
        volatile boolean reachable = true;

        volatile long busySinceMs;

        Poller(ModbusFactory.Device device, long phaseMs) {
            this.device = device;
            this.phaseMs = phaseMs;
        }

        String name() {
            return device.config().name();
        }

        void run(long tickMs, long scheduledMs) {
            long started = clock.millis();
            PollResult r = null;
            String failure = null;
            try {
                if (client == null) {
                    client = new ModbusClient(device.config(), clock);
                }
                if (closed) {
                    client.close(); // close() may have run while the client was being made
                    busy.set(false);
                    return;
                }
                r = client.poll();
                reachable = r.reachable();
            } catch (RuntimeException e) {
                // A closed client or a decoder bug: reported for this device only, the others go on.
                failure = e.getMessage() == null ? e.toString() : e.getMessage();
            } finally {
                busy.set(false);
            }
            long end = clock.millis();
            observer.polled(name(), tickMs, scheduledMs, started, end, r != null && r.ok());
            finished.add(new Done(this, tickMs, r, failure));
        }
    }

    ModbusSource(
            SourceSpec.Common common, List<ModbusFactory.Device> devices, int concurrency, double spread, Clock clock) {
        this(common, devices, concurrency, spread, clock, System::nanoTime);
    }

    ModbusSource(
            SourceSpec.Common common,
            List<ModbusFactory.Device> devices,
            int concurrency,
            double spread,
            Clock clock,
            LongSupplier ticker) {
        this.common = common;
        this.devices = devices;
        this.concurrency = concurrency;
        this.spread = spread;
        this.clock = clock;
        this.ticker = ticker;
    }

    @Override
    public String name() {
        return common.name();
    }

    @Override
    public String type() {
        return "modbus";
    }

    @Override
    public Duration interval() {
        return common.interval();
    }

    @Override
    public Duration timeout() {
        return common.timeout();
    }

    public void observe(DeviceObserver o) {
        this.observer = o == null ? NO_OBSERVER : o;
    }

    /** Number of devices this source polls. */
    public int devices() {
        return devices.size();
    }

    /** The share of the interval over which the device polls start (0: all at the tick). */
    public double spread() {
        return spread;
    }

    /** The grid of the phases: devices due within one step start together, so the poll thread wakes per step. */
    static final long STEP_MS = 5;

    /**
     * Milliseconds after the tick at which device {@code index} of {@code count} starts: evenly over the window,
     * on the {@link #STEP_MS} grid, so 4 devices at 1 s with a spread of 50% start 0, 125, 250 and 375 ms after
     * the tick, and 1,000 start ten every 5 ms.
     */
    static long phaseMs(int index, int count, long intervalMs, double spread) {
        long windowMs = Math.round(intervalMs * spread);
        return count <= 1 ? 0 : (index * windowMs / count) / STEP_MS * STEP_MS;
    }

    @Override
    public synchronized void start() {
        if (closed || answering != null) {
            return;
        }
        answering = pool(concurrency, common.name());
        failing = pool(Math.max(2, concurrency / 4), common.name() + "-failing");
        long intervalMs = common.interval().toMillis();
        for (int i = 0; i < devices.size(); i++) {
            pollers.add(new Poller(devices.get(i), phaseMs(i, devices.size(), intervalMs, spread)));
        }
    }

    private static ExecutorService pool(int threads, String name) {
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor p =
                new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "wattguard-modbus-" + name + "-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        p.allowCoreThreadTimeOut(true);
        return p;
    }

    @Override
    public void poll(Emitter out) {
        if (answering == null) {
            start();
        }
        long tick = out.tickMs();
        // Every device of this tick answers through finished: with its reading, its failure, or the note that
        // it was skipped because its previous poll still runs. So the wait below counts to the number of devices.
        int expected = pollers.size();
        // Wait for this tick's answers until a fifth of the timeout before the scheduler would give up on the
        // whole poll, leaving time to turn the answers into points on a busy machine. The scheduler's clock runs
        // from when it handed the poll over, the tick or a little after: count from the tick, so that a poll that
        // started late still returns in time.
        long timeoutMs = common.timeout().toMillis();
        long budgetMs = tick + timeoutMs - Math.max(timeoutMs / 5, 20) - clock.millis();
        long deadline = ticker.getAsLong() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, budgetMs));
        int mine = 0;
        int next = 0; // the first device not yet started; pollers are in the order of their phases
        boolean interrupted = false;
        List<Done> done = new ArrayList<>();
        while (mine < expected) {
            long now = clock.millis();
            // Out of time with devices not started (a poll handed over very late, or a clock that stands still):
            // start them all now, so that they skip no tick; their answers are written at the next poll.
            boolean outOfTime = deadline - ticker.getAsLong() <= 0;
            while (next < pollers.size() && (tick + pollers.get(next).phaseMs <= now || outOfTime)) {
                Poller p = pollers.get(next++);
                if (!launch(p, tick, tick + p.phaseMs)) {
                    return; // closing
                }
            }
            // Answers are turned into points as they come (those of earlier ticks among them), so that work
            // overlaps the devices' I/O instead of following it.
            finished.drainTo(done);
            for (Done d : done) {
                mine += d.tickMs() == tick ? 1 : 0;
                emit(d, out);
            }
            done.clear();
            if (mine >= expected) {
                break;
            }
            long left = deadline - ticker.getAsLong();
            try {
                if (next < pollers.size()) {
                    // Devices still to start: sleep to the next one's phase (not past the deadline, which a valid
                    // spread never reaches), taking the answers that came meanwhile when it is due.
                    long toNext = TimeUnit.MILLISECONDS.toNanos(tick + pollers.get(next).phaseMs - clock.millis());
                    long sleep = Math.min(toNext, left);
                    if (sleep > 0) {
                        TimeUnit.NANOSECONDS.sleep(sleep);
                    }
                    continue;
                }
                if (left <= 0) {
                    break;
                }
                Done d = finished.poll(left, TimeUnit.NANOSECONDS);
                if (d == null) {
                    break;
                }
                mine += d.tickMs() == tick ? 1 : 0;
                emit(d, out);
            } catch (InterruptedException e) {
                interrupted = true; // closing or abandoned: what was read so far is delivered
                break;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * At the device's scheduled start: its poll goes to its lane, or it skips this tick if still busy.
     * False when the source is closing.
     */
    private boolean launch(Poller p, long tick, long scheduledMs) {
        if (closed) {
            return false;
        }
        if (!p.busy.compareAndSet(false, true)) {
            long since = clock.millis() - p.busySinceMs;
            finished.add(new Done(
                    p,
                    tick,
                    null,
                    "previous poll still running after " + since + " ms (the device is "
                            + "slow or not answering: see its timeout and retries); skipped this tick"));
            return true;
        }
        p.busySinceMs = clock.millis();
        try {
            (p.reachable ? answering : failing).execute(() -> p.run(tick, scheduledMs));
            return true;
        } catch (RejectedExecutionException e) {
            p.busy.set(false);
            return false;
        }
    }

    private void emit(Done d, Emitter out) {
        String name = d.poller().name();
        if (d.failure() != null) {
            out.error(name, d.failure());
            return;
        }
        PollResult r = d.result();
        for (Sample s : points(d.poller().device, r, d.tickMs())) {
            out.emit(s);
        }
        if (!r.errors().isEmpty()) {
            List<String> msgs = new ArrayList<>();
            for (String e : r.errors()) {
                msgs.add(withoutName(name, e));
            }
            out.error(name, String.join("; ", msgs));
        }
    }

    /** A point's identity within one device poll. A record, not a joined string: this runs for every reading. */
    /** Readings of one channel become one point; string registers join it as text fields. */
    List<Sample> points(ModbusFactory.Device device, PollResult r, long tickMs) {
        MeterPlace.Points points = device.placement()
                .points(device.config().name(), common.tags(), tickMs)
                .add(r.readings());
        for (Map.Entry<String, String> t : r.texts().entrySet()) {
            String k = t.getKey(); // kind/channel/field
            int first = k.indexOf('/');
            int last = k.lastIndexOf('/');
            if (first > 0 && last > first) {
                points.addText(
                        k.substring(0, first), k.substring(first + 1, last), k.substring(last + 1), t.getValue());
            }
        }
        return points.build();
    }

    /**
     * The meters client starts its messages with the device name, which {@link Emitter#error} adds again:
     * {@code pdu-a (tcp://10.0.0.5:502 unit 1): no answer ...} becomes {@code tcp://10.0.0.5:502 unit 1: no answer ...}.
     */
    static String withoutName(String name, String message) {
        if (message.startsWith(name + ": ")) {
            return message.substring(name.length() + 2);
        }
        if (message.startsWith(name + " (")) {
            int close = message.indexOf("): ", name.length());
            if (close > 0) {
                return message.substring(name.length() + 2, close) + ": " + message.substring(close + 3);
            }
        }
        return message;
    }

    /** Stops the device threads and closes every connection, which also breaks a poll stuck on a silent device. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (answering != null) {
            answering.shutdownNow();
            failing.shutdownNow();
        }
        for (Poller p : pollers) {
            ModbusClient c = p.client;
            if (c != null) {
                c.close();
            }
        }
        finished.clear();
    }
}

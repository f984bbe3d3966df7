package io.wattguard.meters.modbus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Devices that refuse, stall, vanish, answer exceptions or garbage: the client reports and carries on. */
class FaultTest {
    private static final int TIMEOUT_MS = 300;
    /** Room for a loaded 2-core machine on top of the configured budget; a hang would be far beyond it. */
    private static final long SLACK_NANOS = TimeUnit.SECONDS.toNanos(2);

    private static ModbusDeviceConfig device(int port, int retries) {
        return Maps.device("""
                name: d
                host: 127.0.0.1
                port: %d
                timeout: %dms
                retries: %d
                backoff: 10ms
                registers:
                  - {field: power_w, function: holding, address: 0, type: float32}
                """.formatted(port, TIMEOUT_MS, retries));
    }

    private static long budgetNanos(int retries) {
        return TimeUnit.MILLISECONDS.toNanos((long) (retries + 1) * TIMEOUT_MS + 10L * ((1L << retries) - 1));
    }

    @Test
    void aClosedPortIsReportedAtOnce() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        try (ModbusClient c = new ModbusClient(device(port, 1), Clock.systemUTC())) {
            PollResult r = c.poll();
            assertFalse(r.reachable());
            assertEquals(2, r.requests());
            assertEquals(1, r.errors().size());
            assertTrue(
                    r.errors()
                            .get(0)
                            .startsWith("d (tcp://127.0.0.1:" + port + " unit 1): no answer to holding 0..1"
                                    + " after 2 tries: ConnectException"),
                    r.errors().get(0));
            assertTrue(r.readings().isEmpty());
        }
    }

    @Test
    void aDeviceThatAcceptsButNeverAnswersCostsOnlyItsTimeoutBudget() throws IOException {
        try (RawServer silent = new RawServer(false, (s, n) -> {})) {
            try (ModbusClient c = new ModbusClient(device(silent.port(), 1), Clock.systemUTC())) {
                PollResult r = c.poll();
                assertFalse(r.reachable());
                assertTrue(
                        r.errors().get(0).contains("SocketTimeoutException"),
                        r.errors().get(0));
                assertTrue(
                        r.elapsedNanos() >= TimeUnit.MILLISECONDS.toNanos(2L * TIMEOUT_MS), "waited the timeout twice");
                assertTrue(r.elapsedNanos() < budgetNanos(1) + SLACK_NANOS, "elapsed " + r.elapsedNanos());
            }
        }
    }

    @Test
    void aHalfOpenConnectionIsDroppedAndTheRetryReconnects() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        // Connection 1 answers once, then goes silent without closing, like a peer that lost power behind a
        // switch; later connections answer every request.
        try (RawServer server = new RawServer(true, (s, n) -> {
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            for (int i = 0; ; i++) {
                RawServer.Request q = RawServer.readRequest(in);
                if (n == 1 && i == 1) {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    return;
                }
                out.write(RawServer.registers(q, 0x4366, 0x8000));
            }
        })) {
            try (ModbusClient c = new ModbusClient(device(server.port(), 1), Clock.systemUTC())) {
                PollResult first = c.poll();
                assertTrue(first.ok(), first.errors().toString());
                PollResult second = c.poll();
                assertTrue(second.ok(), second.errors().toString());
                assertEquals(2, second.requests(), "one timed out on the dead connection, one on a new one");
                assertEquals(230.5, second.readings().get(0).value());
                assertEquals(2, server.connections.get());
            } finally {
                release.countDown();
            }
        }
    }

    @Test
    void aConnectionClosedBetweenPollsIsReopenedWithinThePoll() throws Exception {
        try (RawServer server = new RawServer(true, (s, n) -> {
            DataInputStream in = new DataInputStream(s.getInputStream());
            RawServer.Request q = RawServer.readRequest(in);
            s.getOutputStream().write(RawServer.registers(q, 0x4366, 0x8000));
            // and close: one answer per connection
        })) {
            try (ModbusClient c = new ModbusClient(device(server.port(), 1), Clock.systemUTC())) {
                for (int i = 0; i < 3; i++) {
                    PollResult r = c.poll();
                    assertTrue(r.ok(), r.errors().toString());
                    assertEquals(230.5, r.readings().get(0).value());
                }
            }
        }
    }

    @Test
    void exceptionAnswersAreReportedWithTheRegistersTheyCovered() throws Exception {
        for (int code : new int[] {1, 2, 3, 4, 6, 11}) {
            try (RawServer server = new RawServer(true, (s, n) -> {
                DataInputStream in = new DataInputStream(s.getInputStream());
                while (true) {
                    RawServer.Request q = RawServer.readRequest(in);
                    s.getOutputStream().write(RawServer.frame(q.transactionId(), q.unit(), new byte[] {
                        (byte) (q.function() | 0x80), (byte) code
                    }));
                }
            })) {
                try (ModbusClient c = new ModbusClient(device(server.port(), 1), Clock.systemUTC())) {
                    PollResult r = c.poll();
                    assertEquals(
                            List.of("d: exception " + code + " (" + Response.describe(code)
                                    + ") reading holding 0..1 [meter total power_w]"),
                            r.errors());
                    assertTrue(r.reachable());
                    assertEquals(code == 6 ? 2 : 1, r.requests(), "only busy invites a retry");
                }
            }
        }
    }

    @Test
    void aGarbledAnswerCostsOnlyItsOwnRead() throws Exception {
        try (RawServer server = new RawServer(true, (s, n) -> {
            DataInputStream in = new DataInputStream(s.getInputStream());
            while (true) {
                RawServer.Request q = RawServer.readRequest(in);
                // The first block is answered with twice the registers asked for; the second correctly.
                s.getOutputStream()
                        .write(
                                q.start() == 0
                                        ? RawServer.registers(q, 1, 2, 3, 4)
                                        : RawServer.registers(q, 0x4366, 0x8000));
            }
        })) {
            ModbusDeviceConfig cfg = Maps.device("""
                    name: d
                    host: 127.0.0.1
                    port: %d
                    timeout: 1s
                    backoff: 10ms
                    registers:
                      - {field: power_w, channel: "1", kind: outlet, function: holding, address: 0, type: float32}
                      - {field: power_w, channel: "2", kind: outlet, function: holding, address: 100, type: float32}
                    """.formatted(server.port()));
            try (ModbusClient c = new ModbusClient(cfg, Clock.systemUTC())) {
                PollResult r = c.poll();
                assertTrue(r.reachable());
                assertEquals(3, r.requests());
                assertEquals(
                        List.of(
                                "d (tcp://127.0.0.1:" + server.port() + " unit 1): no valid answer to holding 0..1"
                                        + " after 2 tries: IOException: asked for 2 registers, answer carries 4 [outlet 1 power_w]"),
                        r.errors());
                assertEquals(1, r.readings().size());
                assertEquals("2", r.readings().get(0).channel());
                assertEquals(230.5, r.readings().get(0).value());
            }
        }
    }

    @Test
    void aDeviceThatRefusesGapFilledReadsGetsGaplessOnesFromThenOn() throws Exception {
        try (RawServer server = new RawServer(true, (s, n) -> {
            DataInputStream in = new DataInputStream(s.getInputStream());
            while (true) {
                RawServer.Request q = RawServer.readRequest(in);
                // Registers 2 and 3 do not exist on this device.
                boolean touchesHole = q.start() <= 3 && q.start() + q.count() > 2;
                s.getOutputStream()
                        .write(
                                touchesHole
                                        ? RawServer.frame(
                                                q.transactionId(), q.unit(), new byte[] {(byte) (q.function() | 0x80), 2
                                                })
                                        : RawServer.registers(
                                                q, q.start() == 0 ? new int[] {0x4366, 0x8000} : new int[] {7}));
            }
        })) {
            ModbusDeviceConfig cfg = Maps.device("""
                    name: picky
                    host: 127.0.0.1
                    port: %d
                    registers:
                      - {field: power_w, function: holding, address: 0, type: float32}
                      - {field: pulses, function: holding, address: 4, type: uint16, counter: true}
                    """.formatted(server.port()));
            try (ModbusClient c = new ModbusClient(cfg, Clock.systemUTC())) {
                assertEquals("[holding 0..4]", c.plan().toString());
                PollResult first = c.poll();
                assertTrue(first.ok(), first.errors().toString());
                assertEquals(3, first.requests(), "the refused read, then its two gapless halves");
                assertEquals(
                        List.of(230.5, 7.0),
                        first.readings().stream().map(x -> x.value()).toList());
                assertEquals("[holding 0..1, holding 4..4]", c.plan().toString());
                PollResult second = c.poll();
                assertTrue(second.ok(), second.errors().toString());
                assertEquals(2, second.requests());
            }
        }
    }

    private enum Kind {
        VALID,
        WRONG_TID,
        RANDOM_PDU,
        TRUNCATED,
        GARBAGE
    }

    @Test
    void tenThousandRandomFramesNeverCrashOrHang() throws Exception {
        int frames = 10_000;
        List<Kind> sent = java.util.Collections.synchronizedList(new ArrayList<>());
        Random rnd = new Random(20260301);
        try (RawServer server = new RawServer(true, (s, n) -> {
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            while (true) {
                RawServer.Request q = RawServer.readRequest(in);
                Kind k;
                byte[] frame;
                synchronized (rnd) {
                    k = Kind.values()[rnd.nextInt(Kind.values().length)];
                    switch (k) {
                        case VALID -> frame = RawServer.registers(q, 0x4366, 0x8000);
                        case WRONG_TID ->
                            frame = RawServer.registers(
                                    new RawServer.Request(
                                            q.transactionId() + 1, q.unit(), q.function(), q.start(), q.count()),
                                    0x4366,
                                    0x8000);
                        case RANDOM_PDU -> {
                            byte[] pdu = new byte[1 + rnd.nextInt(300)];
                            rnd.nextBytes(pdu);
                            frame = RawServer.frame(q.transactionId(), q.unit(), pdu);
                        }
                        case TRUNCATED -> {
                            byte[] whole = RawServer.registers(q, 0x4366, 0x8000);
                            frame = java.util.Arrays.copyOf(whole, rnd.nextInt(whole.length));
                        }
                        default -> {
                            frame = new byte[rnd.nextInt(40)];
                            rnd.nextBytes(frame);
                        }
                    }
                }
                sent.add(k);
                out.write(frame);
                out.flush();
                if (k == Kind.TRUNCATED || k == Kind.GARBAGE) {
                    return; // close, so the client sees the end instead of waiting out its timeout
                }
            }
        })) {
            try (ModbusClient c = new ModbusClient(device(server.port(), 0), Clock.systemUTC())) {
                int ok = 0;
                long worst = 0;
                for (int i = 0; i < frames; i++) {
                    PollResult r = c.poll();
                    worst = Math.max(worst, r.elapsedNanos());
                    assertEquals(1, r.requests());
                    // On a loaded machine the client's timeout can end a poll before the server thread even
                    // recorded what it sends for it; wait for the record instead of reading past the list.
                    long until = System.nanoTime() + 5_000_000_000L;
                    while (sent.size() <= i && System.nanoTime() < until) {
                        Thread.sleep(1);
                    }
                    Kind k = sent.get(i);
                    if (k == Kind.VALID) {
                        assertTrue(r.ok(), "frame " + i + ": " + r.errors());
                        assertEquals(230.5, r.readings().get(0).value());
                    } else if (k != Kind.RANDOM_PDU) {
                        assertFalse(r.ok(), "frame " + i + " (" + k + ") must not be taken as an answer");
                    }
                    if (r.ok()) {
                        ok++;
                    }
                }
                assertEquals(frames, sent.size());
                assertTrue(worst < budgetNanos(0) + SLACK_NANOS, "slowest poll " + worst / 1_000_000 + " ms");
                long valid = sent.stream().filter(k -> k == Kind.VALID).count();
                assertTrue(ok >= valid && valid > frames / 10, ok + " ok, " + valid + " valid");
            }
        }
    }

    private enum RtuKind {
        VALID,
        BAD_CRC,
        WRONG_UNIT,
        TRUNCATED,
        GARBAGE
    }

    @Test
    void randomRtuFramesOverTcpAreCheckedByCrc() throws Exception {
        int frames = 3_000;
        List<RtuKind> sent = java.util.Collections.synchronizedList(new ArrayList<>());
        Random rnd = new Random(7);
        try (RawServer server = new RawServer(true, (s, n) -> {
            DataInputStream in = new DataInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            while (true) {
                byte[] req = new byte[8];
                in.readFully(req);
                byte[] valid = {req[0], 3, 4, 0x43, 0x66, (byte) 0x80, 0, 0, 0};
                int crc = Rtu.crc(valid, 0, 7);
                valid[7] = (byte) crc;
                valid[8] = (byte) (crc >>> 8);
                RtuKind k;
                byte[] frame;
                synchronized (rnd) {
                    k = RtuKind.values()[rnd.nextInt(RtuKind.values().length)];
                    frame = valid.clone();
                    switch (k) {
                        case BAD_CRC -> frame[3 + rnd.nextInt(4)] ^= (byte) (1 + rnd.nextInt(255));
                        case WRONG_UNIT -> {
                            frame[0] = (byte) (req[0] + 1);
                            int c2 = Rtu.crc(frame, 0, 7);
                            frame[7] = (byte) c2;
                            frame[8] = (byte) (c2 >>> 8);
                        }
                        case TRUNCATED -> frame = java.util.Arrays.copyOf(valid, rnd.nextInt(valid.length));
                        case GARBAGE -> {
                            frame = new byte[rnd.nextInt(40)];
                            rnd.nextBytes(frame);
                        }
                        default -> {}
                    }
                }
                sent.add(k);
                out.write(frame);
                out.flush();
                if (k == RtuKind.TRUNCATED || k == RtuKind.GARBAGE) {
                    return;
                }
            }
        })) {
            ModbusDeviceConfig tcp = device(server.port(), 0);
            ModbusDeviceConfig rtu = new ModbusDeviceConfig(
                    "d",
                    Endpoint.rtuOverTcp("127.0.0.1", server.port()),
                    1,
                    tcp.timeout(),
                    0,
                    tcp.backoff(),
                    tcp.planner(),
                    tcp.map());
            try (ModbusClient c = new ModbusClient(rtu, Clock.systemUTC())) {
                long worst = 0;
                for (int i = 0; i < frames; i++) {
                    PollResult r = c.poll();
                    worst = Math.max(worst, r.elapsedNanos());
                    RtuKind k = sent.get(i);
                    if (k == RtuKind.VALID) {
                        assertTrue(r.ok(), "frame " + i + ": " + r.errors());
                        assertEquals(230.5, r.readings().get(0).value());
                    } else if (k != RtuKind.GARBAGE) {
                        assertFalse(r.ok(), "frame " + i + " (" + k + ") must not be taken as an answer");
                    }
                }
                assertTrue(worst < budgetNanos(0) + SLACK_NANOS, "slowest poll " + worst / 1_000_000 + " ms");
            }
        }
    }
}

package io.wattguard.simulator.modbus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.meters.modbus.ModbusClient;
import io.wattguard.meters.modbus.PollResult;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * One dead device among 50 adds no lateness to the others: 49 simulated PDUs and one that accepts TCP
 * connections but never answers, all polled at once, each client on its own thread with its own
 * connection. Asserted on behaviour: every good device answers every request within its own timeout on
 * the first try, while the dead one uses up its whole budget.
 */
class FiftyDevicesTest {
    @Test
    void oneDeadDeviceAmongFiftyDelaysNoOther() throws Exception {
        List<ModbusDeviceSimulator> sims = new ArrayList<>();
        List<ModbusClient> clients = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(50);
        try (ServerSocket dead = new ServerSocket()) {
            dead.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 10); // never accept()ed
            for (int i = 0; i < 49; i++) {
                int n = i;
                ModbusDeviceSimulator sim = ModbusPduSimulator.start(8, () -> ModbusPduSimulatorTest.state(8, n), 0);
                sims.add(sim);
                clients.add(new ModbusClient(
                        ModbusPduSimulatorTest.config("pdu-" + i, sim.port(), 8, "1s"), Clock.systemUTC()));
            }
            clients.add(new ModbusClient(
                    ModbusPduSimulatorTest.config("dead", dead.getLocalPort(), 8, "1s"), Clock.systemUTC()));
            for (int round = 0; round < 3; round++) {
                List<Future<PollResult>> futures = new ArrayList<>();
                for (ModbusClient c : clients) {
                    futures.add(pool.submit(c::poll));
                }
                for (int i = 0; i < 49; i++) {
                    PollResult r = futures.get(i).get();
                    assertTrue(r.ok(), "round " + round + " " + r.device() + ": " + r.errors());
                    assertEquals(
                            clients.get(i).plan().size(),
                            r.requests(),
                            r.device() + " needed a retry: a request ran past its 1 s timeout");
                    assertEquals(6 + 8 * 5, r.readings().size());
                }
                PollResult d = futures.get(49).get();
                assertFalse(d.reachable());
                assertEquals(2, d.requests(), "the dead device used its timeout and its one retry");
            }
        } finally {
            pool.shutdownNow();
            clients.forEach(ModbusClient::close);
            sims.forEach(ModbusDeviceSimulator::close);
        }
    }
}

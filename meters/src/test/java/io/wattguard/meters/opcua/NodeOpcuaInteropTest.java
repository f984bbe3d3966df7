package io.wattguard.meters.opcua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.config.Secret;
import io.wattguard.meters.Reading;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Interop with an OPC UA server nobody here wrote: node-opcua-server 2.186.4 (interop/node-opcua/meter-server.js)
 * with Basic256Sha256 SignAndEncrypt and a user name login. The server is killed and started again mid-run.
 */
class NodeOpcuaInteropTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final List<String> CHANNELS = List.of("L1", "L2", "L3");
    private static final List<String> FIELDS = List.of("power_w", "energy_kwh", "voltage_v");

    @TempDir
    Path tmp;

    private int port;
    private NodeOpcuaServer server;
    private ClientPki pki;
    private OpcUaMeterClient client;

    @BeforeEach
    void setUp() throws Exception {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            port = s.getLocalPort();
        }
        startServer();
        pki = ClientPki.open(tmp.resolve("client-pki"));
    }

    @AfterEach
    void tearDown() throws Exception {
        if (client != null) {
            client.close();
        }
        if (pki != null) {
            pki.close();
        }
        stopServer();
    }

    private void startServer() throws InterruptedException {
        server = NodeOpcuaServer.start(port, tmp.resolve("server-pki"), "meter", "s3cret", WAIT);
    }

    private void killServer() throws InterruptedException {
        server.kill();
    }

    private void stopServer() throws InterruptedException {
        if (server != null) {
            server.close();
        }
    }

    private void command(String line) throws IOException {
        String key = line.split(" ")[1];
        int before = (int) server.output().stream()
                .filter(l -> l.startsWith("STATUS " + key))
                .count();
        server.send(line);
        await(
                "the server to apply '" + line + "'",
                () -> server.output().stream()
                                .filter(l -> l.startsWith("STATUS " + key))
                                .count()
                        > before,
                server::outputText);
    }

    private static void await(String what, BooleanSupplier condition, Supplier<String> state) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "; last seen: " + state.get());
            }
            LockSupport.parkNanos(Duration.ofMillis(25).toNanos());
        }
    }

    private Map<String, Reading> drain() {
        List<Reading> out = new ArrayList<>();
        client.drain(out::add);
        return out.stream().collect(Collectors.toMap(r -> r.channel() + "/" + r.field(), r -> r));
    }

    private Map<String, Reading> drainWhen(String what, java.util.function.Predicate<Map<String, Reading>> ok) {
        List<Map<String, Reading>> last = new ArrayList<>(List.of(Map.of()));
        await(
                what,
                () -> {
                    last.set(0, drain());
                    return ok.test(last.get(0));
                },
                () -> last.get(0).keySet() + ", connected=" + client.isConnected() + ", error: " + client.lastError());
        return last.get(0);
    }

    @Test
    void secureUserSessionDeliversDataKeepsBadValuesOutAndResumesAfterTheServerIsKilled() throws Exception {
        List<OpcUaMeterConfig.Item> items = new ArrayList<>();
        for (String c : CHANNELS) {
            for (String f : FIELDS) {
                items.add(
                        c.equals("L2") && f.equals("voltage_v")
                                ? OpcUaMeterConfig.Item.path("Objects/1:Meter/1:L2/1:voltage_v", c, f)
                                : OpcUaMeterConfig.Item.node("ns=1;s=Meter." + c + "." + f, c, f));
            }
        }
        OpcUaEndpointConfig endpoint = OpcUaEndpointConfig.of(
                "opc.tcp://127.0.0.1:" + port + "/meter",
                OpcUaEndpointConfig.Policy.Basic256Sha256,
                OpcUaEndpointConfig.Mode.SignAndEncrypt,
                pki.dir(),
                OpcUaEndpointConfig.Identity.username("meter", new Secret("s3cret")));
        client = new OpcUaMeterClient(
                OpcUaMeterConfig.of("node-meter", endpoint, items).withSamplingInterval(Duration.ofMillis(250)),
                pki,
                Clock.systemUTC());
        client.start();

        // Nobody trusted node-opcua's certificate yet: refused, saved, then trusted as an operator would.
        await(
                "node-opcua's certificate to be refused",
                () -> client.lastError() != null && client.lastError().contains("not trusted"),
                () -> String.valueOf(client.lastError()));
        try (Stream<Path> rejected = Files.list(pki.rejectedDir())) {
            Path file = rejected.findFirst().orElseThrow();
            Files.move(file, pki.trustedDir().resolve(file.getFileName()));
        }

        Map<String, Reading> first = drainWhen("all 9 values", m -> m.size() == 9);
        assertEquals(1500, first.get("L1/power_w").value(), 10);
        assertEquals(230, first.get("L2/voltage_v").value(), 10);
        assertTrue(first.values().stream().noneMatch(Reading::uncertain));

        command("status L1.power_w bad");
        command("status L3.voltage_v uncertain");
        Map<String, Reading> marked = drainWhen(
                "L1 power_w withheld and L3 voltage_v flagged",
                m -> m.size() == 8
                        && !m.containsKey("L1/power_w")
                        && m.get("L3/voltage_v").uncertain());
        assertEquals(7, marked.values().stream().filter(r -> !r.uncertain()).count());
        for (int i = 0; i < 5; i++) {
            assertFalse(drain().containsKey("L1/power_w"), "a Bad value is never emitted");
        }

        killServer();
        drainWhen("nothing to be emitted while the server is down", Map::isEmpty);
        startServer();
        Map<String, Reading> resumed = drainWhen("data to resume after the restart", m -> m.size() == 9);
        assertTrue(resumed.values().stream().noneMatch(Reading::uncertain));

        command("status L3.energy_kwh bad");
        drainWhen(
                "L3 energy_kwh withheld by the restarted server's subscription",
                m -> m.size() == 8 && !m.containsKey("L3/energy_kwh"));
    }
}

package io.wattguard.simulator.opcua;

import io.wattguard.meters.Reading;
import io.wattguard.meters.opcua.ClientPki;
import io.wattguard.meters.opcua.OpcUaEndpointConfig;
import io.wattguard.meters.opcua.OpcUaMeterClient;
import io.wattguard.meters.opcua.OpcUaMeterConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.util.CertificateUtil;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starts a real OPC UA server (the Milo meter simulator) on a free loopback port before each test and stops it
 * after, with a private PKI folder for the client. Subclasses shape the server in {@link #configure} and make
 * clients with {@link #client}; everything made is closed after the test.
 */
abstract class OpcUaServerTestBase {
    static final String USER = "meter";
    static final String PASSWORD = "s3cret";
    static final Clock CLOCK = Clock.fixed(Instant.parse("2026-03-01T12:00:00Z"), ZoneOffset.UTC);
    static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    OpcUaMeterSimulator sim;
    ClientPki pki;
    final OpcUaMeterSimulator.ServerIdentity serverIdentity = OpcUaMeterSimulator.ServerIdentity.generate();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    /** The server these tests talk to: by default Basic256Sha256 (and None) with a user name login. */
    OpcUaMeterSimulator.Builder configure(OpcUaMeterSimulator.Builder b) {
        return b.policies(SecurityPolicy.None, SecurityPolicy.Basic256Sha256)
                .user(USER, PASSWORD, false)
                .values((channel, field, t) -> expected(channel, field))
                .updateInterval(Duration.ofMillis(200));
    }

    /** The value the simulator serves for a channel and field (constant, so tests can compare exactly). */
    static double expected(String channel, String field) {
        return (channel.charAt(channel.length() - 1) - '0') * 1000 + field.length();
    }

    @BeforeEach
    void startServer() throws Exception {
        sim = configure(OpcUaMeterSimulator.builder().identity(serverIdentity)).start();
        pki = ClientPki.open(tmp.resolve("pki"));
    }

    @AfterEach
    void stopAll() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
        if (sim != null) {
            sim.close();
        }
        if (pki != null) {
            pki.close();
        }
    }

    /** Restarts the server on the same port with the same certificate, as after a power cycle. */
    void restartServer() throws Exception {
        int port = sim.port();
        sim.close();
        sim = configure(OpcUaMeterSimulator.builder().identity(serverIdentity))
                .port(port)
                .start();
    }

    /** What an operator does once: put the server's certificate into trusted/certs. */
    void trustServer() throws Exception {
        // Written aside and moved in, as an operator's mv does: the trust list reloads on the rename.
        String name = java.util.HexFormat.of()
                .formatHex(CertificateUtil.thumbprint(sim.certificate()).bytesOrEmpty());
        Path aside = Files.write(tmp.resolve(name + ".der"), sim.certificate().getEncoded());
        Files.move(aside, pki.trustedDir().resolve(name + ".der"));
    }

    OpcUaEndpointConfig endpoint(OpcUaEndpointConfig.Policy policy, OpcUaEndpointConfig.Mode mode) {
        return OpcUaEndpointConfig.of(
                sim.endpointUrl(),
                policy,
                mode,
                pki.dir(),
                OpcUaEndpointConfig.Identity.username(USER, new io.wattguard.config.Secret(PASSWORD)));
    }

    OpcUaEndpointConfig secureEndpoint() {
        return endpoint(OpcUaEndpointConfig.Policy.Basic256Sha256, OpcUaEndpointConfig.Mode.SignAndEncrypt);
    }

    List<OpcUaMeterConfig.Item> itemsByNodeId(List<String> channels, List<String> fields) {
        List<OpcUaMeterConfig.Item> items = new ArrayList<>();
        for (String c : channels) {
            for (String f : fields) {
                items.add(OpcUaMeterConfig.Item.node(sim.nodeId(c, f), c, f));
            }
        }
        return items;
    }

    OpcUaMeterClient client(OpcUaMeterConfig config) {
        OpcUaMeterClient c = new OpcUaMeterClient(config, pki, CLOCK);
        closeables.add(c);
        return c;
    }

    <T extends AutoCloseable> T closeLater(T c) {
        closeables.add(c);
        return c;
    }

    static List<Reading> drain(OpcUaMeterClient c) {
        List<Reading> out = new ArrayList<>();
        c.drain(out::add);
        return out;
    }

    /** Drains until a drain returns {@code n} readings (subscriptions fill in as notifications arrive). */
    static List<Reading> drainWhenComplete(OpcUaMeterClient c, int n) {
        List<List<Reading>> last = new ArrayList<>(List.of(List.of()));
        Await.until(
                n + " readings from " + c.config().device(),
                WAIT,
                () -> {
                    last.set(0, drain(c));
                    return last.get(0).size() == n;
                },
                () -> last.get(0).size() + " readings, connected=" + c.isConnected() + ", last error: "
                        + c.lastError());
        return last.get(0);
    }
}

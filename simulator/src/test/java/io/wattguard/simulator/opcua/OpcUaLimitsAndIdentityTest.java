package io.wattguard.simulator.opcua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.wattguard.meters.opcua.ClientPki;
import io.wattguard.meters.opcua.OpcUaConnection;
import io.wattguard.meters.opcua.OpcUaEndpointConfig;
import io.wattguard.meters.opcua.OpcUaMeterClient;
import io.wattguard.meters.opcua.OpcUaMeterConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateBuilder;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateGenerator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Advertised operation limits, deadbands, X.509 user identities and lifecycle of the simulator and PKI. */
class OpcUaLimitsAndIdentityTest extends OpcUaServerTestBase {
    private static final List<String> CHANNELS = List.of("L1", "L2", "L3");
    private static final List<String> FIELDS = List.of("power_w", "energy_kwh", "voltage_v", "current_a");
    private static KeyPair userKeys;
    private static X509Certificate userCert;

    @Override
    OpcUaMeterSimulator.Builder configure(OpcUaMeterSimulator.Builder b) {
        try {
            if (userCert == null) {
                userKeys = SelfSignedCertificateGenerator.generateRsaKeyPair(2048);
                userCert = new SelfSignedCertificateBuilder(userKeys)
                        .setCommonName("facilities")
                        .setApplicationUri("urn:wattguard:test:user")
                        .build();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        // MaxNodesPerRead 4, advertised: a client that reads it never needs BadTooManyOperations.
        return super.configure(b)
                .policies(SecurityPolicy.Basic256Sha256)
                .maxNodesPerRead(4)
                .x509User(userCert);
    }

    @BeforeEach
    void trust() throws Exception {
        trustServer();
    }

    @Test
    void pollingHonoursTheAdvertisedMaxNodesPerReadWithoutBeingRefused() {
        Logger splitLog = (Logger) LoggerFactory.getLogger("io.wattguard.meters.opcua.ReadSplitter");
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        splitLog.addAppender(logged);
        try {
            OpcUaMeterClient c = client(OpcUaMeterConfig.of("limits", secureEndpoint(), itemsByNodeId(CHANNELS, FIELDS))
                    .withMode(OpcUaMeterConfig.Acquisition.Poll));
            c.start();
            Await.until("connected", WAIT, c::isConnected, c::lastError);
            assertEquals(12, drain(c).size());
            assertTrue(logged.list.isEmpty(), "no Read was refused: " + logged.list);
        } finally {
            splitLog.detachAppender(logged);
        }
    }

    @Test
    void anAbsoluteDeadbandIsAcceptedByTheServerAndValuesStillArrive() {
        OpcUaMeterClient c = client(OpcUaMeterConfig.of("deadband", secureEndpoint(), itemsByNodeId(CHANNELS, FIELDS))
                .withDeadband(0.5));
        c.start();
        assertEquals(12, drainWhenComplete(c, 12).size());
    }

    @Test
    void anX509UserCertificateLogsIn() throws Exception {
        Path cert = Files.write(tmp.resolve("user.der"), userCert.getEncoded());
        Path key = Files.writeString(
                tmp.resolve("user.key"),
                "-----BEGIN PRIVATE KEY-----\n"
                        + Base64.getMimeEncoder()
                                .encodeToString(userKeys.getPrivate().getEncoded())
                        + "\n-----END PRIVATE KEY-----\n",
                StandardCharsets.US_ASCII);
        OpcUaEndpointConfig x509 = secureEndpoint().withIdentity(OpcUaEndpointConfig.Identity.x509(cert, key));
        try (OpcUaConnection conn = OpcUaConnection.open(x509, pki)) {
            assertEquals(
                    expected("L3", "voltage_v"),
                    conn.read(List.of(sim.nodeId("L3", "voltage_v"))).get(0).value());
        }
    }

    @Test
    void simulatorAndPkiCloseTwice() throws Exception {
        OpcUaMeterSimulator other = OpcUaMeterSimulator.builder().start();
        other.close();
        other.close();
        ClientPki again = ClientPki.open(pki.dir());
        again.close();
        again.close();
    }
}

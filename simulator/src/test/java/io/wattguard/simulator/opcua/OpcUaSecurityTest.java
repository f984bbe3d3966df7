package io.wattguard.simulator.opcua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.wattguard.config.Secret;
import io.wattguard.meters.opcua.ClientPki;
import io.wattguard.meters.opcua.OpcUaConnectException;
import io.wattguard.meters.opcua.OpcUaConnection;
import io.wattguard.meters.opcua.OpcUaEndpointConfig;
import io.wattguard.meters.opcua.OpcUaEndpointConfig.Mode;
import io.wattguard.meters.opcua.OpcUaEndpointConfig.Policy;
import io.wattguard.meters.opcua.OpcUaMeterClient;
import io.wattguard.meters.opcua.OpcUaMeterConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

/** Trust, login and message security, as an operator meets them. */
class OpcUaSecurityTest extends OpcUaServerTestBase {

    @Override
    OpcUaMeterSimulator.Builder configure(OpcUaMeterSimulator.Builder b) {
        return super.configure(b)
                .policies(
                        SecurityPolicy.Basic256Sha256,
                        SecurityPolicy.Aes128_Sha256_RsaOaep,
                        SecurityPolicy.Aes256_Sha256_RsaPss);
    }

    private OpcUaMeterConfig meter(OpcUaEndpointConfig endpoint) {
        return OpcUaMeterConfig.of("secure", endpoint, itemsByNodeId(List.of("L1"), List.of("power_w", "voltage_v")));
    }

    @Test
    void anUnknownServerCertificateIsRejectedSavedAndTrustedOnceTheOperatorMovesIt() throws Exception {
        Logger pkiLog = (Logger) LoggerFactory.getLogger(ClientPki.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        pkiLog.addAppender(logged);
        try {
            OpcUaMeterClient c = client(meter(secureEndpoint()));
            c.start();
            Await.until(
                    "the server certificate to be rejected",
                    WAIT,
                    () -> c.lastError() != null && c.lastError().contains("not trusted"),
                    c::lastError);
            assertEquals(0, drain(c).size(), "nothing is read from an untrusted server");

            List<Path> rejected;
            try (Stream<Path> files = Files.list(pki.rejectedDir())) {
                rejected = files.toList();
            }
            assertEquals(1, rejected.size(), rejected.toString());
            Path file = rejected.get(0);
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            assertTrue(c.lastError().contains("mv " + file + " " + pki.trustedDir()), c.lastError());
            assertTrue(
                    logged.list.stream()
                            .anyMatch(e -> e.getFormattedMessage().contains("is not trusted")
                                    && e.getFormattedMessage().contains("mv " + file + " " + pki.trustedDir() + "/")),
                    "a log line tells the operator how to trust it");

            Files.move(file, pki.trustedDir().resolve(file.getFileName()));
            assertEquals(2, drainWhenComplete(c, 2).size());
        } finally {
            pkiLog.detachAppender(logged);
        }
    }

    @Test
    void theClientKeyIsGeneratedOnceAndOnlyItsOwnerCanReadIt() throws Exception {
        Path key = pki.dir().resolve("own/client.key");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(pki.dir())));
        try (ClientPki again = ClientPki.open(pki.dir())) {
            assertEquals(pki.certificate(), again.certificate());
            assertTrue(again.applicationUri().startsWith("urn:wattguard:opcua-client:"));
        }
    }

    @Test
    void aWrongPasswordFailsWithAMessageNamingTheUserAndWhereThePasswordComesFrom() throws Exception {
        trustServer();
        OpcUaEndpointConfig wrong =
                secureEndpoint().withIdentity(OpcUaEndpointConfig.Identity.username(USER, new Secret("not-it")));
        OpcUaConnectException e = assertThrows(OpcUaConnectException.class, () -> OpcUaConnection.open(wrong, pki));
        assertTrue(e.getMessage().contains("refused the login of user 'meter'"), e.getMessage());
        assertTrue(e.getMessage().contains("password_env or password_file"), e.getMessage());
        assertTrue(
                e.statusCode() == StatusCodes.Bad_UserAccessDenied
                        || e.statusCode() == StatusCodes.Bad_IdentityTokenRejected,
                e.getMessage());
        assertTrue(!e.getMessage().contains("not-it"), "the password never appears in messages");

        OpcUaMeterClient c = client(meter(wrong));
        c.start();
        Await.until(
                "the login failure to be reported",
                WAIT,
                () -> c.lastError() != null && c.lastError().contains("refused the login"),
                c::lastError);
    }

    @Test
    void anEndpointTheServerDoesNotOfferIsNamedWithWhatItOffers() throws Exception {
        trustServer();
        OpcUaConnectException e = assertThrows(
                OpcUaConnectException.class, () -> OpcUaConnection.open(endpoint(Policy.None, Mode.None), pki));
        assertTrue(
                e.getMessage().contains("offers no endpoint with security policy None and mode None"), e.getMessage());
        assertTrue(e.getMessage().contains("Basic256Sha256/SignAndEncrypt"), e.getMessage());
    }

    @ParameterizedTest
    @EnumSource(
            value = Policy.class,
            names = {"Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss"})
    void everySecurityPolicyWorksSignedAndEncrypted(Policy policy) throws Exception {
        trustServer();
        for (Mode mode : List.of(Mode.Sign, Mode.SignAndEncrypt)) {
            try (OpcUaConnection conn = OpcUaConnection.open(endpoint(policy, mode), pki)) {
                assertEquals(
                        expected("L2", "power_w"),
                        conn.read(List.of(sim.nodeId("L2", "power_w"))).get(0).value(),
                        policy + "/" + mode);
            }
        }
    }
}

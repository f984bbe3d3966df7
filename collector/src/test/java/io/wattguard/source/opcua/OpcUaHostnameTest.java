package io.wattguard.source.opcua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.core.Emitter;
import io.wattguard.core.Sample;
import io.wattguard.core.SourceSpec;
import io.wattguard.core.Topology;
import io.wattguard.daemon.Settings;
import io.wattguard.simulator.opcua.OpcUaMeterSimulator;
import io.wattguard.testing.Cli;
import io.wattguard.testing.Configs;
import io.wattguard.testing.InfluxdTest;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A server whose certificate is trusted but was issued for another machine ({@code meter-b.example},
 * 10.9.8.7), reached on loopback: refused by default, read with {@code verify_hostname: false}, which
 * check-config warns about.
 */
class OpcUaHostnameTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    private OpcUaMeterSimulator sim;

    @BeforeEach
    void start() throws Exception {
        sim = OpcUaMeterSimulator.builder()
                .identity(OpcUaMeterSimulator.ServerIdentity.forHost("meter-b.example", "10.9.8.7"))
                .policies(SecurityPolicy.Basic256Sha256)
                .channels(List.of("L1"))
                .fields(List.of("power_w"))
                .values((c, f, t) -> 1234)
                .updateInterval(Duration.ofMillis(100))
                .start();
        io.wattguard.testing.OpcUaTrust.trust(tmp.resolve("pki"), sim.certificate());
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private Path config(String extraSecurity) {
        Configs.load(tmp, """
                sources:
                  - name: meters
                    type: opcua
                    interval: 1s
                    pki_dir: pki
                    devices:
                      - name: meter-b
                        endpoint: %s
                        security: {policy: basic256sha256, mode: signandencrypt%s}
                        request_timeout: 2s
                        items: [{node: "%s", channel: L1, field: power_w}]
                """.formatted(sim.endpointUrl(), extraSecurity, sim.nodeId("L1", "power_w")));
        return tmp.resolve("wattguard.yaml");
    }

    /** Polls like the scheduler until a poll emits points or reports an error; returns what the last poll said. */
    private static List<String> pollUntilSomething(OpcUaSource source) {
        List<String> said = new CopyOnWriteArrayList<>();
        Emitter out = new Emitter() {
            public long tickMs() {
                return 1000;
            }

            public void emit(Sample s) {
                said.add("point " + s);
            }

            public void error(String device, String message) {
                said.add(device + ": " + message);
            }
        };
        InfluxdTest.await(WAIT, "the device to be read or refused", () -> {
            said.clear();
            source.poll(out);
            return !said.isEmpty();
        });
        return List.copyOf(said);
    }

    private static OpcUaSource source(Path file) throws Exception {
        Settings s = Settings.load(file, name -> null);
        return (OpcUaSource)
                s.sources().get(0).create(new SourceSpec.Context(Clock.systemUTC(), Topology.empty(), "i"));
    }

    @Test
    void aTrustedCertificateForAnotherHostIsRefusedNamingTheEndpointTheHostAndTheCertificatesNames() throws Exception {
        try (OpcUaSource source = source(config(""))) {
            source.start();
            List<String> said = pollUntilSomething(source);
            assertEquals(
                    List.of("meter-b: OPC UA server " + sim.endpointUrl() + " presented a trusted certificate that "
                            + "was not issued for host 127.0.0.1: it names meter-b.example, 10.9.8.7 "
                            + "(Bad_CertificateHostNameInvalid). Refused, since a trusted certificate of another machine would "
                            + "let that machine pose as this server; use one of those names in endpoint, or set "
                            + "security.verify_hostname: false for this device"),
                    said);
        }
        Cli.Result check = Cli.run("check-config", "--config", config("").toString());
        assertEquals(0, check.code(), check.err());
        assertFalse(check.out().contains("verify_hostname"), check.out());
    }

    @Test
    void withVerifyHostnameFalseItIsReadAndCheckConfigWarns() throws Exception {
        Path file = config(", verify_hostname: false");
        try (OpcUaSource source = source(file)) {
            source.start();
            List<String> said = pollUntilSomething(source);
            assertEquals(1, said.size(), said.toString());
            assertTrue(said.get(0).startsWith("point ") && said.get(0).contains("power_w=1234.0"), said.get(0));
        }
        Cli.Result check = Cli.run("check-config", "--config", file.toString());
        assertEquals(0, check.code(), check.err());
        assertTrue(
                check.out()
                        .contains("meters               opcua        every 1s; WARNING: verify_hostname: false "
                                + "for meter-b: a trusted server certificate issued for another host is accepted"),
                check.out());
    }
}

package io.wattguard.meters.opcua;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.config.ConfigNode;
import io.wattguard.config.Problem;
import io.wattguard.config.Problems;
import io.wattguard.config.Section;
import java.io.StringReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.milo.opcua.stack.core.types.builtin.QualifiedName;
import org.junit.jupiter.api.Test;

class OpcUaMeterConfigTest {
    private final Problems problems = new Problems();

    private Section parse(String yaml, Map<String, String> env) {
        ConfigNode root = ConfigNode.parse("meters.yaml", new StringReader(yaml), problems);
        return new Section(root, "", new Section.Context(problems, env::get, Path.of("/etc/wattguard")));
    }

    private List<String> messages() {
        return problems.all().stream().map(Problem::toString).toList();
    }

    @Test
    void aCompleteDeviceReadsAsWritten() {
        OpcUaMeterConfig c = OpcUaMeterConfig.read(parse("""
                name: room-a-main
                endpoint: opc.tcp://10.0.4.20:4840/meter
                security: {policy: Basic256Sha256, mode: SignAndEncrypt}
                pki_dir: pki
                identity: {type: username, user: meter, password_env: METER_PASSWORD}
                mode: poll
                sampling_interval: 500ms
                queue_size: 4
                deadband: 0.5
                request_timeout: 2s
                items:
                  - node: "ns=2;s=Meter.L1.power_w"
                    channel: L1
                    field: power_w
                  - browse_path: Objects/2:Meter/2:L1/2:energy_kwh
                    channel: L1
                    kind: inlet
                    field: energy_kwh
                    scale: 0.001
                """, Map.of("METER_PASSWORD", "pw")));
        assertTrue(problems.isEmpty(), problems.toString());
        assertNotNull(c);
        assertEquals("room-a-main", c.device());
        assertEquals(OpcUaEndpointConfig.Policy.Basic256Sha256, c.endpoint().policy());
        assertEquals(OpcUaEndpointConfig.Mode.SignAndEncrypt, c.endpoint().mode());
        assertEquals(Path.of("/etc/wattguard/pki"), c.endpoint().pkiDir());
        assertEquals("pw", c.endpoint().identity().password().reveal());
        assertEquals("user 'meter'", c.endpoint().identity().toString());
        assertEquals(Duration.ofSeconds(2), c.endpoint().requestTimeout());
        assertEquals(OpcUaMeterConfig.Acquisition.Poll, c.mode());
        assertEquals(Duration.ofMillis(500), c.samplingInterval());
        assertEquals(4, c.queueSize());
        assertEquals(0.5, c.deadband().getAsDouble());
        assertEquals(2, c.items().size());
        assertEquals("ns=2;s=Meter.L1.power_w", c.items().get(0).nodeId());
        assertEquals("meter", c.items().get(0).kind());
        assertEquals("inlet", c.items().get(1).kind());
        assertEquals(0.001, c.items().get(1).scale());
    }

    @Test
    void defaultsAreAnonymousWithoutSecurityAndSubscriptionsAtOneSecond() {
        OpcUaMeterConfig c = OpcUaMeterConfig.read(parse("""
                name: m
                endpoint: opc.tcp://127.0.0.1:4840
                items: [{node: "i=2258", field: clock}]
                """, Map.of()));
        assertTrue(problems.isEmpty(), problems.toString());
        assertEquals(OpcUaEndpointConfig.Policy.None, c.endpoint().policy());
        assertEquals(OpcUaEndpointConfig.Mode.None, c.endpoint().mode());
        assertEquals(
                OpcUaEndpointConfig.IdentityType.Anonymous,
                c.endpoint().identity().type());
        assertEquals(OpcUaMeterConfig.Acquisition.Subscribe, c.mode());
        assertEquals(Duration.ofSeconds(1), c.samplingInterval());
        assertTrue(c.deadband().isEmpty());
        assertEquals("total", c.items().get(0).channel());
    }

    @Test
    void everyProblemIsReportedAtOnceWithItsPlace() {
        OpcUaMeterConfig c = OpcUaMeterConfig.read(parse("""
                name: m
                endpoint: http://10.0.4.20:4840
                security: {policy: basic256, mode: sign}
                identity: {type: username, user: meter, password: hunter2}
                mode: push
                items:
                  - node: "not a node id"
                    field: power_w
                  - node: "i=1"
                    browse_path: Objects/Server
                    field: voltage_v
                  - browse_path: Objects//x
                    kind: socket
                    field: current_a
                  - node: "i=2"
                    fiel: pf
                """, Map.of()));
        assertNull(c);
        assertEquals(
                List.of(
                        "meters.yaml:2:11: endpoint: expected a URL such as opc.tcp://127.0.0.1:8086 (scheme opc.tcp), found 'http://10.0.4.20:4840'",
                        "meters.yaml:3:20: security.policy: expected one of none, basic256sha256, aes128_sha256_rsaoaep, aes256_sha256_rsapss, found 'basic256'",
                        "meters.yaml:3:36: security.mode: security mode sign needs a security policy other than none",
                        "meters.yaml:4:51: identity.password: secrets are not written in the file: use password_env (an environment variable) or password_file (a file readable only by the service user)",
                        "meters.yaml:5:7: mode: expected one of subscribe, poll, found 'push'",
                        "meters.yaml:7:11: items[0].node: expected a NodeId such as ns=2;s=Meter.L1.power_w or i=2258, found 'not a node id'",
                        "meters.yaml:9:5: items[1]: set exactly one of 'node' (a NodeId such as ns=2;s=Meter.L1.power_w) and 'browse_path' (such as Objects/2:Meter/2:L1/2:power_w)",
                        "meters.yaml:12:18: items[2].browse_path: browse path 'Objects//x' has an empty segment",
                        "meters.yaml:13:11: items[2].kind: expected one of outlet, inlet, branch, meter, found 'socket'",
                        "meters.yaml:15:5: items[3].field: missing required key 'field' (the field name, such as power_w or energy_kwh)",
                        "meters.yaml:16:11: items[3].fiel: unknown key (did you mean 'field'?); known keys here: node, browse_path, channel, kind, field, scale, counter"),
                messages());
    }

    @Test
    void theShippedExampleIsValid() throws Exception {
        try (var in = OpcUaMeterConfig.class.getResourceAsStream("opcua-meter.example.yaml")) {
            String yaml = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            OpcUaMeterConfig c = OpcUaMeterConfig.read(parse(yaml, Map.of("METER_PASSWORD", "x")));
            assertTrue(problems.isEmpty(), problems.toString());
            assertEquals(3, c.items().size());
        }
    }

    @Test
    void browsePathsReadAsNamespaceIndexAndName() {
        assertEquals(
                List.of(new QualifiedName(0, "Objects"), new QualifiedName(2, "Meter"), new QualifiedName(2, "L1")),
                NodeRefs.segments("/Objects/2:Meter/2:L1"));
        assertEquals(new QualifiedName(0, "a:b"), NodeRefs.segments("a:b").get(0));
        assertNull(NodeRefs.checkBrowsePath("Objects/2:Meter"));
        assertEquals(
                "namespace index 70000 in browse path 'Objects/70000:x' is above 65535",
                NodeRefs.checkBrowsePath("Objects/70000:x"));
    }
}

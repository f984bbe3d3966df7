package io.wattguard.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.simulator.opcua.OpcUaMeterSimulator;
import io.wattguard.testing.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code wattguard opcua browse|read} against the Milo meter simulator, as an operator runs them. */
class OpcUaCommandTest {
    @TempDir
    Path tmp;

    private OpcUaMeterSimulator sim;
    private Path pki;
    private Path password;

    @BeforeEach
    void start() throws Exception {
        sim = OpcUaMeterSimulator.builder()
                .policies(SecurityPolicy.None, SecurityPolicy.Basic256Sha256)
                .user("meter", "s3cret", true)
                .values((c, f, t) -> (c.charAt(1) - '0') * 1000 + f.length())
                .updateInterval(Duration.ofMillis(200))
                .start();
        pki = tmp.resolve("pki");
        password = Files.writeString(tmp.resolve("meter.password"), "s3cret\n");
    }

    @AfterEach
    void stop() {
        sim.close();
    }

    private String[] args(String command, String... more) {
        List<String> a = new java.util.ArrayList<>(
                List.of("opcua", command, "--endpoint", sim.endpointUrl(), "--pki", pki.toString()));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    private String[] secure(String command, String passwordFile, String... more) {
        List<String> a = new java.util.ArrayList<>(List.of(args(
                command, "--security-policy", "basic256sha256", "--user", "meter", "--password-file", passwordFile)));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    void browseListsTheMeterAsATreeWithNodeIdsBrowsePathsTypesAndValues() {
        Cli.Result r = Cli.run(args("browse"));
        assertEquals(0, r.code(), r.err());
        int ns = sim.namespaceIndex();
        List<String> lines = r.out().lines().toList();
        assertEquals(
                List.of("NODE", "ID", "CLASS", "TYPE", "VALUE", "BROWSE", "PATH"),
                List.of(lines.get(0).trim().split("\\s+")),
                lines.get(0));
        assertEquals(
                List.of("ns=" + ns + ";s=Meter", "Object", "Objects/" + ns + ":Meter"),
                List.of(lines.get(1).trim().split("\\s+")),
                "the meter folder first: " + r.out());
        assertTrue(lines.get(2).startsWith("  ns=" + ns + ";s=Meter.L1 "), "children indented: " + r.out());
        assertEquals(
                List.of(
                        "ns=" + ns + ";s=Meter.L1.power_w",
                        "Variable",
                        "Double",
                        "1007.0",
                        "Objects/" + ns + ":Meter/" + ns + ":L1/" + ns + ":power_w"),
                List.of(lines.get(3).trim().split("\\s+")));
        assertTrue(lines.get(3).startsWith("    "), lines.get(3));
        assertEquals(
                List.of(
                        "ns=" + ns + ";s=Meter.L3.current_a",
                        "Variable",
                        "Double",
                        "3009.0",
                        "Objects/" + ns + ":Meter/" + ns + ":L3/" + ns + ":current_a"),
                List.of(lines.get(16).trim().split("\\s+")),
                r.out());
        assertFalse(r.out().contains("Objects/Server"), "the standard's own nodes are left out by default");
        assertTrue(lines.get(lines.size() - 1).startsWith("16 nodes;"), lines.get(lines.size() - 1));
    }

    @Test
    void readPrintsValueTypeStatusAndTimestampsForNodeIdsAndBrowsePaths() {
        sim.setStatus("L2", "voltage_v", new StatusCode(StatusCodes.Bad_SensorFailure));
        Cli.Result r = Cli.run(args(
                "read",
                "--node",
                sim.nodeId("L1", "power_w"),
                "--node",
                sim.browsePath("L3", "energy_kwh"),
                "--node",
                sim.nodeId("L2", "voltage_v")));
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(
                List.of("NODE", "VALUE", "TYPE", "STATUS", "SOURCE", "TIME", "SERVER", "TIME"),
                List.of(lines.get(0).trim().split("\\s+")));
        Pattern time = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z");
        List<String> power = List.of(lines.get(1).trim().split("\\s+"));
        assertEquals(List.of(sim.nodeId("L1", "power_w"), "1007.0", "Double", "Good"), power.subList(0, 4));
        assertTrue(
                time.matcher(power.get(4)).matches()
                        && time.matcher(power.get(5)).matches(),
                lines.get(1));
        assertEquals(
                List.of(sim.browsePath("L3", "energy_kwh"), "3010.0", "Double", "Good"),
                List.of(lines.get(2).trim().split("\\s+")).subList(0, 4));
        List<String> bad = List.of(lines.get(3).trim().split("\\s+"));
        assertEquals(
                List.of(sim.nodeId("L2", "voltage_v"), "Double", "Bad_SensorFailure"),
                bad.subList(0, 3),
                "a Bad value shows its status and no value: " + lines.get(3));
    }

    @Test
    void anUntrustedServerIsRefusedWithTheFileAndTheMvCommandThenTrustedByRunningIt() throws Exception {
        Cli.Result refused = Cli.run(secure("read", password.toString(), "--node", sim.nodeId("L2", "power_w")));
        assertEquals(2, refused.code(), refused.out() + refused.err());
        assertEquals("", refused.out());
        Matcher m = Pattern.compile(
                        "It was saved as (\\S+\\.der); if this is the right server, trust it with: mv (\\S+) (\\S+)/\n")
                .matcher(refused.err());
        assertTrue(m.find(), refused.err());
        Path saved = Path.of(m.group(1));
        assertEquals(pki.resolve("rejected"), saved.getParent());
        assertTrue(Files.isRegularFile(saved));
        assertEquals(saved.toString(), m.group(2));
        assertEquals(pki.resolve("trusted").resolve("certs").toString(), m.group(3));
        assertFalse(refused.err().contains("\tat "), "no stack trace");

        Files.move(saved, Path.of(m.group(3)).resolve(saved.getFileName())); // the printed mv

        Cli.Result read = Cli.run(secure("read", password.toString(), "--node", sim.nodeId("L2", "power_w")));
        assertEquals(0, read.code(), read.err());
        assertEquals(
                List.of(sim.nodeId("L2", "power_w"), "2007.0", "Double", "Good"),
                List.of(read.out().lines().toList().get(1).trim().split("\\s+")).subList(0, 4));
    }

    /**
     * All an operator sees of one refused server, log lines included (they go to the process's stderr, not to
     * the command's writers): the advice once, not once per connection attempt.
     */
    @Test
    void anUntrustedServerIsSaidOnceForReadAndForBrowse() throws Exception {
        for (String command : List.of("read", "browse")) {
            java.io.PrintStream realErr = System.err;
            java.io.PrintStream realOut = System.out;
            java.io.ByteArrayOutputStream console = new java.io.ByteArrayOutputStream();
            Cli.Result r;
            try (java.io.PrintStream capture =
                    new java.io.PrintStream(console, true, java.nio.charset.StandardCharsets.UTF_8)) {
                System.setErr(capture);
                System.setOut(capture);
                r = Cli.run(
                        command.equals("read")
                                ? secure("read", password.toString(), "--node", "i=2258")
                                : secure("browse", password.toString()));
            } finally {
                System.setErr(realErr);
                System.setOut(realOut);
            }
            String all = console.toString(java.nio.charset.StandardCharsets.UTF_8) + r.out() + r.err();
            assertEquals(2, r.code(), all);
            assertEquals(
                    1, Pattern.compile("not trusted").matcher(all).results().count(), command + ": " + all);
            assertEquals(
                    1,
                    Pattern.compile("trust it with: mv ").matcher(all).results().count(),
                    command + ": " + all);
            assertTrue(r.err().contains("trust it with: mv "), "the one message is the command's own: " + all);
        }
    }

    @Test
    void aCertificateForAnotherHostIsRefusedUnlessNoVerifyHostname() throws Exception {
        sim.close();
        sim = OpcUaMeterSimulator.builder()
                .policies(SecurityPolicy.Basic256Sha256)
                .identity(OpcUaMeterSimulator.ServerIdentity.forHost("meter-b.example", "10.9.8.7"))
                .values((c, f, t) -> 42)
                .start();
        io.wattguard.testing.OpcUaTrust.trust(pki, sim.certificate());
        String[] read = args("read", "--security-policy", "basic256sha256", "--node", sim.nodeId("L1", "power_w"));
        Cli.Result refused = Cli.run(read);
        assertEquals(2, refused.code(), refused.out() + refused.err());
        assertEquals(
                "OPC UA server " + sim.endpointUrl() + " presented a trusted certificate that was not issued for "
                        + "host 127.0.0.1: it names meter-b.example, 10.9.8.7 (Bad_CertificateHostNameInvalid). Refused, since "
                        + "a trusted certificate of another machine would let that machine pose as this server; use one of "
                        + "those names in endpoint, or use --no-verify-hostname\n",
                refused.err());

        List<String> more = new java.util.ArrayList<>(List.of(read));
        more.add("--no-verify-hostname");
        Cli.Result ok = Cli.run(more.toArray(String[]::new));
        assertEquals(0, ok.code(), ok.err());
        assertEquals(
                List.of(sim.nodeId("L1", "power_w"), "42.0", "Double", "Good"),
                List.of(ok.out().lines().toList().get(1).trim().split("\\s+")).subList(0, 4));
    }

    @Test
    void aWrongPasswordIsBadInputNamingTheUserNotThePassword() throws Exception {
        Cli.run(secure("read", password.toString(), "--node", "i=2258")); // refused: saves the certificate
        try (var files = Files.list(pki.resolve("rejected"))) {
            Path cert = files.findFirst().orElseThrow();
            Files.move(cert, pki.resolve("trusted/certs").resolve(cert.getFileName()));
        }
        Path wrong = Files.writeString(tmp.resolve("wrong.password"), "not-it\n");
        Cli.Result r = Cli.run(secure("read", wrong.toString(), "--node", "i=2258"));
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals(
                "OPC UA server " + sim.endpointUrl() + " refused the login of user 'meter' (Bad_UserAccessDenied): "
                        + "check the user name and the password in --password-env or --password-file\n",
                r.err());
        assertFalse(r.err().contains("not-it"));
    }

    @Test
    void anUnreachableServerIsARuntimeFailureWithAClearMessage() throws Exception {
        int port = OpcUaMeterSimulator.freePort();
        Cli.Result r = Cli.run("opcua", "browse", "--endpoint", "opc.tcp://127.0.0.1:" + port, "--pki", pki.toString());
        assertEquals(1, r.code(), r.err());
        assertEquals("cannot reach OPC UA server opc.tcp://127.0.0.1:" + port + ": connection refused\n", r.err());
    }

    @Test
    void passwordsAreNeverOptionsAndBadInputIsNamed() {
        Cli.Result noPassword = Cli.run(args("read", "--user", "meter", "--node", "i=2258"));
        assertEquals(2, noPassword.code());
        assertTrue(
                noPassword.err().startsWith("--user meter needs --password-env VAR or --password-file FILE"),
                noPassword.err());
        Cli.Result literal = Cli.run(args("read", "--user", "meter", "--password", "s3cret", "--node", "i=2258"));
        assertEquals(2, literal.code());
        assertTrue(literal.err().startsWith("Unknown options: '--password', 's3cret'"), literal.err());
        Cli.Result policy = Cli.run(args("browse", "--security-policy", "basic128"));
        assertEquals(2, policy.code());
        assertEquals(
                "--security-policy: expected one of none, basic256sha256, aes128_sha256_rsaoaep, "
                        + "aes256_sha256_rsapss, found 'basic128'\n",
                policy.err());
        Cli.Result node = Cli.run(args("read", "--node", "Meter.L1"));
        assertEquals(2, node.code());
        assertTrue(node.err().startsWith("--node: expected a NodeId such as"), node.err());
        // One duration syntax for every --timeout, as in modbus read and the configuration.
        Cli.Result bare = Cli.run(args("read", "--node", "i=2258", "--timeout", "5"));
        assertEquals(2, bare.code());
        assertEquals("--timeout: expected a duration such as 500ms or 2s, found '5'\n", bare.err());
    }

    @Test
    void helpShowsExamples() {
        for (String cmd : List.of("browse", "read")) {
            Cli.Result r = Cli.run("opcua", cmd, "--help");
            assertEquals(0, r.code());
            assertTrue(
                    r.out().contains("Examples:") && r.out().contains("wattguard opcua " + cmd + " --endpoint"),
                    r.out());
            assertTrue(r.out().contains("--password-env") && r.out().contains("--pki"), r.out());
        }
        Cli.Result top = Cli.run("opcua", "--help");
        assertTrue(top.out().contains("browse") && top.out().contains("read"), top.out());
    }
}

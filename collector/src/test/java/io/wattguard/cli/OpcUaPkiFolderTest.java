package io.wattguard.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.simulator.opcua.OpcUaMeterSimulator;
import io.wattguard.source.opcua.OpcUaFactory;
import io.wattguard.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where {@code opcua browse} and {@code opcua read} keep certificates when not given {@code --pki}: a look at a
 * server creates no folder unless a certificate must be kept, and never the daemon's.
 */
class OpcUaPkiFolderTest {
    private static final Path DAEMONS = Path.of(OpcUaFactory.DEFAULT_PKI_DIR);

    @TempDir
    Path home;

    private static List<Path> scratchFolders() throws IOException {
        try (Stream<Path> s = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return s.filter(p -> p.getFileName().toString().startsWith("wattguard-pki"))
                    .toList();
        }
    }

    @Test
    void withoutSecurityNothingIsCreated() throws IOException {
        boolean daemonsExisted = Files.exists(DAEMONS);
        List<Path> scratchBefore = scratchFolders();
        String endpoint = "opc.tcp://127.0.0.1:" + OpcUaMeterSimulator.freePort();
        for (String command : List.of("browse", "read")) {
            List<String> args = new java.util.ArrayList<>(List.of("opcua", command, "--endpoint", endpoint));
            if (command.equals("read")) {
                args.addAll(List.of("--node", "i=2258"));
            }
            Cli.Result r = CliEnv.run(Map.of("HOME", home.toString()), args.toArray(String[]::new));
            assertEquals(1, r.code(), r.err());
            assertEquals("cannot reach OPC UA server " + endpoint + ": connection refused\n", r.err());
        }
        try (Stream<Path> s = Files.list(home)) {
            assertEquals(List.of(), s.toList(), "nothing in the home folder");
        }
        assertEquals(daemonsExisted, Files.exists(DAEMONS), "the daemon's folder is not created");
        assertEquals(scratchBefore, scratchFolders(), "the scratch folder is removed");
    }

    @Test
    void aSecurityPolicyKeepsTheClientCertificateInTheUsersFolder() {
        // The daemon's folder, where it exists and is writable, would rightly be used instead: say so, do not skip.
        assertFalse(
                Files.isDirectory(DAEMONS) && Files.isWritable(DAEMONS),
                DAEMONS + " exists and is writable by "
                        + "this user, so browse would keep its certificate there: run the tests as a user who cannot write it");
        String endpoint = "opc.tcp://127.0.0.1:" + OpcUaMeterSimulator.freePort();
        Cli.Result r = CliEnv.run(
                Map.of("HOME", home.toString()),
                "opcua",
                "browse",
                "--endpoint",
                endpoint,
                "--security-policy",
                "basic256sha256");
        assertEquals(1, r.code(), r.err());
        assertTrue(
                Files.isRegularFile(home.resolve(".local/share/wattguard/pki/own/client.der")),
                "the certificate a server must trust is kept");

        Path data = home.resolve("data");
        r = CliEnv.run(
                Map.of("HOME", home.toString(), "XDG_DATA_HOME", data.toString()),
                "opcua",
                "browse",
                "--endpoint",
                endpoint,
                "--security-policy",
                "basic256sha256");
        assertEquals(1, r.code(), r.err());
        assertTrue(Files.isRegularFile(data.resolve("wattguard/pki/own/client.der")), "XDG_DATA_HOME is followed");
    }
}

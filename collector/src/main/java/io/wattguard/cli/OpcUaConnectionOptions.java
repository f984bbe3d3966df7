package io.wattguard.cli;

import io.wattguard.config.Secret;
import io.wattguard.meters.opcua.ClientPki;
import io.wattguard.meters.opcua.OpcUaConnectException;
import io.wattguard.meters.opcua.OpcUaConnection;
import io.wattguard.meters.opcua.OpcUaEndpointConfig;
import io.wattguard.meters.opcua.OpcUaEndpointConfig.Identity;
import io.wattguard.meters.opcua.OpcUaEndpointConfig.Mode;
import io.wattguard.meters.opcua.OpcUaEndpointConfig.Policy;
import io.wattguard.source.opcua.OpcUaFactory;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.UaException;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The connection options both subcommands share; the same words as the config keys. */
final class OpcUaConnectionOptions {
    @Option(
            names = "--endpoint",
            required = true,
            paramLabel = "URL",
            description = {"the server, such as", "opc.tcp://10.0.4.20:4840/meter"})
    String endpoint;

    @Option(
            names = "--security-policy",
            defaultValue = "none",
            paramLabel = "POLICY",
            description = "none (default), basic256sha256, aes128_sha256_rsaoaep, aes256_sha256_rsapss")
    String policy;

    @Option(
            names = "--security-mode",
            paramLabel = "MODE",
            description = "none, sign, signandencrypt (default: signandencrypt with a policy, none without)")
    String mode;

    @Option(names = "--user", paramLabel = "NAME", description = "log in with this user name (default: anonymous)")
    String user;

    @Option(
            names = "--password-env",
            paramLabel = "VAR",
            description = "the environment variable holding the password (passwords are never options)")
    String passwordEnv;

    @Option(names = "--password-file", paramLabel = "FILE", description = "a file whose first line is the password")
    Path passwordFile;

    @Option(
            names = "--pki",
            paramLabel = "DIR",
            description = {
                "wattguard's client certificate, and the server",
                "certificates in trusted/certs/ and rejected/",
                "(default: see PKI folder below)"
            })
    Path pki;

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            defaultValue = "5s",
            description = "per request, e.g. 500ms, 10s (default: ${DEFAULT-VALUE})")
    String timeout;

    @Option(
            names = "--no-verify-hostname",
            description = {"accept a trusted server certificate issued for", "another host (as verify_hostname: false)"
            })
    boolean noVerifyHostname;

    @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
    CommandLine.Model.CommandSpec command;

    /** Every option checked, nothing opened or created yet. */
    OpcUaEndpointConfig config(Map<String, String> env) {
        URI url;
        try {
            url = new URI(endpoint.trim());
        } catch (URISyntaxException e) {
            throw new UserError(
                    "--endpoint: expected a URL such as opc.tcp://10.0.4.20:4840, found '" + endpoint + "'");
        }
        if (!"opc.tcp".equalsIgnoreCase(url.getScheme()) || url.getHost() == null) {
            throw new UserError("--endpoint: expected a URL such as opc.tcp://10.0.4.20:4840 (scheme opc.tcp, "
                    + "with a host), found '" + endpoint + "'");
        }
        Policy p = word("--security-policy", policy, Policy.class);
        Mode m = mode == null
                ? (p == Policy.None ? Mode.None : Mode.SignAndEncrypt)
                : word("--security-mode", mode, Mode.class);
        if ((p == Policy.None) != (m == Mode.None)) {
            throw new UserError("--security-mode " + m.name().toLowerCase(Locale.ROOT) + " does not go with "
                    + "--security-policy " + p.name().toLowerCase(Locale.ROOT) + ": use none with none, sign or "
                    + "signandencrypt with any other policy");
        }
        Duration t = DurationOption.parse("--timeout", timeout, Duration.ofMillis(100), Duration.ofMinutes(5));
        return new OpcUaEndpointConfig(
                url, p, m, pki != null ? pki : defaultPki(env), identity(env), t, !noVerifyHostname);
    }

    private Identity identity(Map<String, String> env) {
        if (user == null) {
            if (passwordEnv != null || passwordFile != null) {
                throw new UserError("a password was given without --user NAME");
            }
            return Identity.anonymous();
        }
        if (passwordEnv != null && passwordFile != null) {
            throw new UserError("set either --password-env or --password-file, not both");
        }
        if (passwordEnv != null) {
            String v = env.get(passwordEnv);
            if (v == null || v.isEmpty()) {
                throw new UserError("--password-env: environment variable " + passwordEnv + " is not set or empty");
            }
            return Identity.username(user, new Secret(v));
        }
        if (passwordFile != null) {
            try {
                String v =
                        Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
                if (v.isEmpty()) {
                    throw new UserError("--password-file: " + passwordFile + " is empty");
                }
                return Identity.username(user, new Secret(v.lines().findFirst().orElse("")));
            } catch (IOException e) {
                throw new UserError("--password-file: cannot read " + passwordFile + ": "
                        + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()));
            }
        }
        java.io.Console console = System.console();
        if (console == null) {
            throw new UserError("--user " + user + " needs --password-env VAR or --password-file FILE "
                    + "(passwords are never given as options, so they stay out of shell history and ps)");
        }
        char[] pw = console.readPassword("Password for %s: ", user);
        return Identity.username(user, new Secret(pw == null ? "" : new String(pw)));
    }

    private static <E extends Enum<E>> E word(String option, String value, Class<E> type) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(value.replace('-', '_'))) {
                return e;
            }
        }
        List<String> names = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            names.add(e.name().toLowerCase(Locale.ROOT));
        }
        throw new UserError(option + ": expected one of " + String.join(", ", names) + ", found '" + value + "'");
    }

    /**
     * Opens the PKI folder and a session and runs {@code body}: a failure an operator can fix is a
     * {@link UserError} (exit 2), a server that cannot be reached or fails a request a {@link Failure} (exit 1).
     */
    <T> T withConnection(Session<T> body) throws Exception {
        OpcUaEndpointConfig cfg = config(Main.env(command));
        // Without certificates to exchange (policy none, anonymous) there is nothing worth keeping: unless
        // asked for with --pki or there already, no folder is created; the client certificate Milo wants
        // anyway lives in a scratch folder until the command ends.
        boolean keep = pki != null
                || Files.isDirectory(cfg.pkiDir())
                || cfg.policy() != Policy.None
                || cfg.identity().type() != OpcUaEndpointConfig.IdentityType.Anonymous;
        Path dir = keep ? cfg.pkiDir() : Files.createTempDirectory("wattguard-pki");
        if (!keep) {
            OpcUaCommand.quiet(ClientPki.class.getName()); // "created the client certificate" in a folder about to go
        }
        try {
            return withConnection(cfg, dir, body);
        } finally {
            if (!keep) {
                deleteTree(dir);
            }
        }
    }

    private static <T> T withConnection(OpcUaEndpointConfig cfg, Path pkiDir, Session<T> body) throws Exception {
        OpcUaCommand.quiet("org.eclipse.milo");
        // A refused certificate is this command's error message, with the same mv advice: said once, not twice.
        OpcUaCommand.quiet(ClientPki.REJECTED_LOGGER);
        ClientPki clientPki;
        try {
            clientPki = ClientPki.open(pkiDir);
        } catch (IOException e) {
            throw new UserError("cannot open the OPC UA PKI folder " + pkiDir + ": " + e.getMessage()
                    + " (choose a folder you can write with --pki DIR)");
        }
        try (clientPki;
                OpcUaConnection c = OpcUaConnection.open(cfg, clientPki)) {
            return body.run(c);
        } catch (OpcUaConnectException e) {
            if (isOperatorFixable(e.statusCode())) {
                // The same advice as for the daemon, in the words of this command's options.
                throw new UserError(e.getMessage()
                        .replace("password_env or password_file", "--password-env or --password-file")
                        .replace(
                                "set security.verify_hostname: false for this " + "device",
                                "use --no-verify-hostname"));
            }
            throw new Failure(e.getMessage());
        } catch (UaException e) {
            throw new Failure("OPC UA request failed: " + OpcUaCommand.statusName(e.getStatusCode())
                    + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"));
        }
    }

    /**
     * Where certificates are kept without --pki: the daemon's folder when it exists and this user may write
     * it, so that a server trusted here is trusted by the daemon too; otherwise this user's own folder.
     * Neither is a system folder created by a read-only command.
     */
    static Path defaultPki(Map<String, String> env) {
        Path daemons = Path.of(OpcUaFactory.DEFAULT_PKI_DIR);
        if (Files.isDirectory(daemons) && Files.isWritable(daemons)) {
            return daemons;
        }
        String data = env.get("XDG_DATA_HOME");
        if (data == null || !Path.of(data).isAbsolute()) {
            data = Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".local", "share")
                    .toString();
        }
        return Path.of(data, "wattguard", "pki");
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Trust, login and endpoint choice are the operator's to fix (exit 2); an unreachable server is not. */
    private static boolean isOperatorFixable(long code) {
        return code == StatusCodes.Bad_UserAccessDenied
                || code == StatusCodes.Bad_IdentityTokenRejected
                || code == StatusCodes.Bad_IdentityTokenInvalid
                || code == StatusCodes.Bad_ConfigurationError
                || code == StatusCodes.Bad_SecurityChecksFailed
                || code == StatusCodes.Bad_CertificateUntrusted
                || code == StatusCodes.Bad_CertificateInvalid
                || code == StatusCodes.Bad_CertificateUriInvalid
                || code == StatusCodes.Bad_CertificateHostNameInvalid
                || code == StatusCodes.Bad_CertificateChainIncomplete
                || code == StatusCodes.Bad_CertificateTimeInvalid
                || code == StatusCodes.Bad_CertificateUseNotAllowed
                || code == StatusCodes.Bad_SecurityPolicyRejected
                || code == StatusCodes.Bad_SecurityModeRejected;
    }

    interface Session<T> {
        T run(OpcUaConnection c) throws Exception;
    }
}

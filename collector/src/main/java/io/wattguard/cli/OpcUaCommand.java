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
import java.io.PrintWriter;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.eclipse.milo.opcua.stack.core.AttributeId;
import org.eclipse.milo.opcua.stack.core.OpcUaDataType;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.UaException;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.DateTime;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.QualifiedName;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.enumerated.TimestampsToReturn;
import org.eclipse.milo.opcua.stack.core.types.structured.ReadValueId;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code wattguard opcua browse|read}: the field tools for writing an {@code opcua} source. They speak to a
 * server with the same security options and identity as the daemon, so a node found here is read the same way
 * there; with the daemon's PKI folder (the default where it exists and may be written), a server certificate
 * trusted here is trusted by the daemon too.
 */
@Command(name = "opcua", mixinStandardHelpOptions = true,
        description = {"Discover and read the values of an OPC UA server.",
                "",
                "Both commands take the security options of an opcua source."},
        subcommands = {OpcUaCommand.Browse.class, OpcUaCommand.Read.class, CommandLine.HelpCommand.class},
        footer = {"", "Examples:",
                "  wattguard opcua browse --endpoint opc.tcp://10.0.4.20:4840/meter",
                "  wattguard opcua read --endpoint opc.tcp://10.0.4.20:4840/meter \\",
                "      --node 'ns=2;s=Meter.L1.power_w'",
                "", "Run 'wattguard opcua browse --help' or 'wattguard opcua read --help' for their",
                "options."})
public final class OpcUaCommand {
    // No call(): run without a subcommand, picocli reports it missing, which Main answers with usage and exit 2.

    // Where browse and read keep certificates without --pki (Connection.withConnection), in both footers.
    static final String PKI_HELP_1 = "PKI folder: without --pki, the daemon's " + OpcUaFactory.DEFAULT_PKI_DIR
            + " if it exists and";
    static final String PKI_HELP_2 = "you may write it (a server trusted here is then trusted by the daemon too), else";
    static final String PKI_HELP_3 = "$XDG_DATA_HOME/wattguard/pki (~/.local/share/wattguard/pki). It is created only";
    static final String PKI_HELP_4 = "when a certificate must be kept: with a security policy or --user.";

    /** The connection options both subcommands share; the same words as the config keys. */
    static final class Connection {
        @Option(names = "--endpoint", required = true, paramLabel = "URL",
                description = {"the server, such as",
                        "opc.tcp://10.0.4.20:4840/meter"})
        String endpoint;

        @Option(names = "--security-policy", defaultValue = "none", paramLabel = "POLICY",
                description = "none (default), basic256sha256, aes128_sha256_rsaoaep, aes256_sha256_rsapss")
        String policy;

        @Option(names = "--security-mode", paramLabel = "MODE",
                description = "none, sign, signandencrypt (default: signandencrypt with a policy, none without)")
        String mode;

        @Option(names = "--user", paramLabel = "NAME", description = "log in with this user name (default: anonymous)")
        String user;

        @Option(names = "--password-env", paramLabel = "VAR",
                description = "the environment variable holding the password (passwords are never options)")
        String passwordEnv;

        @Option(names = "--password-file", paramLabel = "FILE", description = "a file whose first line is the password")
        Path passwordFile;

        @Option(names = "--pki", paramLabel = "DIR",
                description = {"wattguard's client certificate, and the server",
                        "certificates in trusted/certs/ and rejected/",
                        "(default: see PKI folder below)"})
        Path pki;

        @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "5",
                description = "request timeout in seconds (default: ${DEFAULT-VALUE})")
        double timeoutS;

        @CommandLine.Spec(CommandLine.Spec.Target.MIXEE)
        CommandLine.Model.CommandSpec command;

        /** Every option checked, nothing opened or created yet. */
        OpcUaEndpointConfig config(Map<String, String> env) {
            URI url;
            try {
                url = new URI(endpoint.trim());
            } catch (URISyntaxException e) {
                throw new UserError("--endpoint: expected a URL such as opc.tcp://10.0.4.20:4840, found '" + endpoint + "'");
            }
            if (!"opc.tcp".equalsIgnoreCase(url.getScheme()) || url.getHost() == null) {
                throw new UserError("--endpoint: expected a URL such as opc.tcp://10.0.4.20:4840 (scheme opc.tcp, "
                        + "with a host), found '" + endpoint + "'");
            }
            Policy p = word("--security-policy", policy, Policy.class);
            Mode m = mode == null ? (p == Policy.None ? Mode.None : Mode.SignAndEncrypt)
                    : word("--security-mode", mode, Mode.class);
            if ((p == Policy.None) != (m == Mode.None)) {
                throw new UserError("--security-mode " + m.name().toLowerCase(Locale.ROOT) + " does not go with "
                        + "--security-policy " + p.name().toLowerCase(Locale.ROOT) + ": use none with none, sign or "
                        + "signandencrypt with any other policy");
            }
            if (!(timeoutS >= 0.1 && timeoutS <= 300)) {
                throw new UserError("--timeout: expected seconds from 0.1 to 300, found " + timeoutS);
            }
            return new OpcUaEndpointConfig(url, p, m, pki != null ? pki : defaultPki(env), identity(env),
                    Duration.ofMillis(Math.round(timeoutS * 1000)));
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
                    String v = Files.readString(passwordFile, StandardCharsets.UTF_8).strip();
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
            boolean keep = pki != null || Files.isDirectory(cfg.pkiDir()) || cfg.policy() != Policy.None
                    || cfg.identity().type() != OpcUaEndpointConfig.IdentityType.Anonymous;
            Path dir = keep ? cfg.pkiDir() : Files.createTempDirectory("wattguard-pki");
            if (!keep) {
                quiet(ClientPki.class.getName()); // "created the client certificate" in a folder about to go
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
            quiet("org.eclipse.milo");
            ClientPki clientPki;
            try {
                clientPki = ClientPki.open(pkiDir);
            } catch (IOException e) {
                throw new UserError("cannot open the OPC UA PKI folder " + pkiDir + ": " + e.getMessage()
                        + " (choose a folder you can write with --pki DIR)");
            }
            try (clientPki; OpcUaConnection c = OpcUaConnection.open(cfg, clientPki)) {
                return body.run(c);
            } catch (OpcUaConnectException e) {
                if (isOperatorFixable(e.statusCode())) {
                    // The same advice as for the daemon, in the words of this command's options.
                    throw new UserError(e.getMessage().replace("password_env or password_file",
                            "--password-env or --password-file"));
                }
                throw new Failure(e.getMessage());
            } catch (UaException e) {
                throw new Failure("OPC UA request failed: " + statusName(e.getStatusCode())
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
                data = Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".local", "share").toString();
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
            return code == StatusCodes.Bad_UserAccessDenied || code == StatusCodes.Bad_IdentityTokenRejected
                    || code == StatusCodes.Bad_IdentityTokenInvalid || code == StatusCodes.Bad_ConfigurationError
                    || code == StatusCodes.Bad_SecurityChecksFailed || code == StatusCodes.Bad_CertificateUntrusted
                    || code == StatusCodes.Bad_CertificateInvalid || code == StatusCodes.Bad_CertificateUriInvalid
                    || code == StatusCodes.Bad_CertificateHostNameInvalid
                    || code == StatusCodes.Bad_CertificateChainIncomplete
                    || code == StatusCodes.Bad_CertificateTimeInvalid || code == StatusCodes.Bad_CertificateUseNotAllowed
                    || code == StatusCodes.Bad_SecurityPolicyRejected || code == StatusCodes.Bad_SecurityModeRejected;
        }
    }

    /**
     * Turns a logger off. Milo logs a refused certificate as an ERROR with a stack trace from its network thread;
     * this command says what happened and what to do in one message, so Milo's own lines would only bury it.
     * Only this process is affected: a field tool runs one command and exits.
     */
    static void quiet(String logger) {
        if (org.slf4j.LoggerFactory.getLogger(logger) instanceof ch.qos.logback.classic.Logger l) {
            l.setLevel(ch.qos.logback.classic.Level.OFF);
        }
    }

    interface Session<T> {
        T run(OpcUaConnection c) throws Exception;
    }

    static String statusName(StatusCode s) {
        if (s == null) {
            return "Good";
        }
        return StatusCodes.lookup(s.getValue()).map(n -> n[0]).orElse(s.toString());
    }

    @Command(name = "browse", mixinStandardHelpOptions = true,
            description = {"List the nodes under a folder of an OPC UA server.",
                    "",
                    "Each node with its node id, the browse path to write in the config",
                    "(browse_path:), node class, data type and current value.",
                    "",
                    "A server whose certificate is not trusted yet is refused: its certificate is",
                    "saved under PKI/rejected/ and the mv command that trusts it is printed."},
            footer = {"", "Examples:",
                    "  wattguard opcua browse --endpoint opc.tcp://127.0.0.1:4840",
                    "  wattguard opcua browse --endpoint opc.tcp://10.0.4.20:4840/meter \\",
                    "      --security-policy basic256sha256 \\",
                    "      --user wattguard --password-env METER_PASSWORD \\",
                    "      --start 'Objects/2:Meter' --depth 2",
                    "", PKI_HELP_1, PKI_HELP_2, PKI_HELP_3, PKI_HELP_4,
                    "", "Exit codes: 0 listed, 1 server unreachable, 2 bad input, untrusted certificate",
                    "or refused login."})
    static final class Browse implements Callable<Integer> {
        @Mixin
        Connection conn = new Connection();

        @Option(names = "--start", paramLabel = "NODE",
                description = {"a NodeId such as ns=2;s=Meter, or a browse path",
                        "such as Objects/2:Meter (default: Objects)"})
        String start;

        @Option(names = "--depth", defaultValue = "3", paramLabel = "N", description = "levels to descend (default: ${DEFAULT-VALUE})")
        int depth;

        @Option(names = "--max", defaultValue = "2000", paramLabel = "N", description = "at most N nodes (default: ${DEFAULT-VALUE})")
        int max;

        @Option(names = "--all", description = "from Objects, also list the standard nodes of namespace 0 (Server, "
                + "Aliases, ...), hidden by default")
        boolean all;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            if (depth < 1 || depth > 20) {
                throw new UserError("--depth: expected 1 to 20, found " + depth);
            }
            if (max < 1) {
                throw new UserError("--max: expected at least 1, found " + max);
            }
            PrintWriter out = spec.commandLine().getOut();
            return conn.withConnection(c -> {
                List<OpcUaConnection.BrowsedNode> nodes;
                try {
                    nodes = c.browse(start, depth, max);
                } catch (UaException e) {
                    if (e.getStatusCode().getValue() == StatusCodes.Bad_NoMatch
                            || e.getStatusCode().getValue() == StatusCodes.Bad_NodeIdUnknown) {
                        throw new UserError("--start: " + (e.getMessage() == null ? "'" + start + "' matches no node"
                                : e.getMessage()));
                    }
                    throw e;
                }
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"NODE ID", "CLASS", "TYPE", "VALUE", "BROWSE PATH"});
                for (OpcUaConnection.BrowsedNode n : treeOrder(nodes)) {
                    if (!all && start == null && n.nodeId().startsWith("i=")) {
                        continue; // the standard's own nodes, never a meter's
                    }
                    String value = n.value();
                    if (!n.status().isEmpty() && !n.status().equals("Good")) {
                        value = value.isEmpty() ? n.status() : value + " (" + n.status() + ")";
                    }
                    String indent = "  ".repeat(Math.max(0, n.depth() - 1));
                    rows.add(new String[] {indent + n.nodeId(), n.nodeClass(), n.dataType(), value,
                            n.browsePath() == null ? n.browseName() : n.browsePath()});
                }
                table(out, rows);
                int listed = rows.size() - 1;
                out.println(listed + (listed == 1 ? " node" : " nodes") + (nodes.size() >= max ? " (stopped at --max "
                        + max + ")" : "") + "; write a Variable into an opcua source as node: NODE ID or browse_path: "
                        + "BROWSE PATH");
                return 0;
            });
        }
    }

    /**
     * Browsing is breadth first; a listing reads better depth first, each node followed by its children. Nodes
     * are placed by browse path (absent when browsing from a NodeId: then the server's order is kept).
     */
    static List<OpcUaConnection.BrowsedNode> treeOrder(List<OpcUaConnection.BrowsedNode> nodes) {
        if (nodes.stream().anyMatch(n -> n.browsePath() == null)) {
            return nodes;
        }
        java.util.Map<String, List<OpcUaConnection.BrowsedNode>> children = new java.util.LinkedHashMap<>();
        java.util.Set<String> paths = new java.util.HashSet<>();
        nodes.forEach(n -> paths.add(n.browsePath()));
        List<OpcUaConnection.BrowsedNode> roots = new ArrayList<>();
        for (OpcUaConnection.BrowsedNode n : nodes) {
            String parent = n.browsePath().contains("/") ? n.browsePath().substring(0, n.browsePath().lastIndexOf('/')) : "";
            if (paths.contains(parent)) {
                children.computeIfAbsent(parent, k -> new ArrayList<>()).add(n);
            } else {
                roots.add(n);
            }
        }
        List<OpcUaConnection.BrowsedNode> out = new ArrayList<>();
        java.util.Deque<OpcUaConnection.BrowsedNode> stack = new java.util.ArrayDeque<>();
        for (int i = roots.size() - 1; i >= 0; i--) {
            stack.push(roots.get(i));
        }
        while (!stack.isEmpty()) {
            OpcUaConnection.BrowsedNode n = stack.pop();
            out.add(n);
            List<OpcUaConnection.BrowsedNode> kids = children.getOrDefault(n.browsePath(), List.of());
            for (int i = kids.size() - 1; i >= 0; i--) {
                stack.push(kids.get(i));
            }
        }
        return out.size() == nodes.size() ? out : nodes;
    }

    @Command(name = "read", mixinStandardHelpOptions = true,
            description = {"Read the current value of OPC UA nodes.",
                    "",
                    "Each with its value, data type, status, source time and server time."},
            footer = {"", "Examples:",
                    "  wattguard opcua read --endpoint opc.tcp://127.0.0.1:4840 \\",
                    "      --node 'ns=2;s=Meter.L1.power_w'",
                    "  wattguard opcua read --endpoint opc.tcp://10.0.4.20:4840/meter \\",
                    "      --security-policy basic256sha256 \\",
                    "      --user wattguard --password-file /etc/wattguard/meter.password \\",
                    "      --node 'ns=2;s=Meter.L1.power_w' --node Objects/2:Meter/2:Total/2:EnergyWh",
                    "", PKI_HELP_1, PKI_HELP_2, PKI_HELP_3, PKI_HELP_4,
                    "", "Exit codes: 0 read (even when a value's status is Bad), 1 server unreachable,",
                    "2 bad input, untrusted certificate or refused login."})
    static final class Read implements Callable<Integer> {
        @Mixin
        Connection conn = new Connection();

        @Option(names = "--node", required = true, paramLabel = "NODE",
                description = {"a NodeId such as ns=2;s=Meter.L1.power_w or",
                        "i=2258, or a browse path such as",
                        "Objects/2:Meter/2:L1/2:power_w; repeat for more"})
        List<String> nodes;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            return conn.withConnection(c -> {
                List<NodeId> ids = resolve(c);
                List<ReadValueId> reads = new ArrayList<>();
                for (NodeId id : ids) {
                    reads.add(new ReadValueId(id, AttributeId.Value.uid(), null, QualifiedName.NULL_VALUE));
                    reads.add(new ReadValueId(id, AttributeId.DataType.uid(), null, QualifiedName.NULL_VALUE));
                }
                DataValue[] results = c.client().read(0.0, TimestampsToReturn.Both, reads).getResults();
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"NODE", "VALUE", "TYPE", "STATUS", "SOURCE TIME", "SERVER TIME"});
                for (int i = 0; i < ids.size(); i++) {
                    DataValue v = results[2 * i];
                    DataValue t = results[2 * i + 1];
                    // A Bad status means the value is not to be used, whatever the server put beside it.
                    boolean bad = v.getStatusCode() != null && v.getStatusCode().isBad();
                    Object value = bad || v.getValue() == null ? null : v.getValue().getValue();
                    rows.add(new String[] {nodes.get(i), value == null ? "" : text(value), typeName(t),
                            statusName(v.getStatusCode()), time(v.getSourceTime()), time(v.getServerTime())});
                }
                table(out, rows);
                return 0;
            });
        }

        private List<NodeId> resolve(OpcUaConnection c) throws UaException {
            List<NodeId> out = new ArrayList<>();
            for (String n : nodes) {
                NodeId id = io.wattguard.meters.opcua.NodeRefs.parseNodeId(n);
                if (id == null) {
                    if (!n.contains("/")) {
                        throw new UserError("--node: expected a NodeId such as ns=2;s=Meter.L1.power_w or i=2258, or a "
                                + "browse path such as Objects/2:Meter/2:L1/2:power_w, found '" + n + "'");
                    }
                    id = c.translate(List.of(n)).get(0);
                    if (id == null) {
                        throw new UserError("--node: browse path '" + n + "' matches no node on " + conn.endpoint
                                + " (list what is there with 'wattguard opcua browse')");
                    }
                }
                out.add(id);
            }
            return out;
        }

        private static String typeName(DataValue t) {
            Object o = t.getValue() == null ? null : t.getValue().getValue();
            if (o instanceof NodeId id) {
                OpcUaDataType builtin = OpcUaDataType.isBuiltin(id) ? OpcUaDataType.fromNodeId(id) : null;
                return builtin != null ? builtin.name() : id.toParseableString();
            }
            return "";
        }

        private static String time(DateTime t) {
            return t == null || t.isNull() ? "" : Instant.ofEpochMilli(t.getJavaTime()).toString();
        }

        private static String text(Object o) {
            if (o instanceof DateTime d) {
                return time(d);
            }
            if (o instanceof org.eclipse.milo.opcua.stack.core.types.builtin.ExtensionObject x) {
                return "structure (encoding " + x.getEncodingOrTypeId().toParseableString() + ")";
            }
            return o.getClass().isArray() ? java.util.Arrays.deepToString(new Object[] {o}) : String.valueOf(o);
        }
    }

    /** Left-aligned columns, two spaces apart; the last column is not padded. */
    static void table(PrintWriter out, List<String[]> rows) {
        int cols = rows.get(0).length;
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < cols; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < cols; i++) {
                sb.append(i == cols - 1 ? r[i] : String.format("%-" + width[i] + "s  ", r[i]));
            }
            out.println(sb.toString().stripTrailing());
        }
        out.flush();
    }
}

package io.wattguard.meters.opcua;

import static org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned.uint;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.eclipse.milo.opcua.sdk.client.OpcUaClient;
import org.eclipse.milo.opcua.sdk.client.identity.AnonymousProvider;
import org.eclipse.milo.opcua.sdk.client.identity.IdentityProvider;
import org.eclipse.milo.opcua.sdk.client.identity.UsernameProvider;
import org.eclipse.milo.opcua.sdk.client.identity.X509IdentityProvider;
import org.eclipse.milo.opcua.stack.core.AttributeId;
import org.eclipse.milo.opcua.stack.core.NodeIds;
import org.eclipse.milo.opcua.stack.core.OpcUaDataType;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.UaException;
import org.eclipse.milo.opcua.stack.core.types.builtin.ByteString;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.QualifiedName;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.enumerated.BrowseDirection;
import org.eclipse.milo.opcua.stack.core.types.enumerated.BrowseResultMask;
import org.eclipse.milo.opcua.stack.core.types.enumerated.NodeClass;
import org.eclipse.milo.opcua.stack.core.types.structured.BrowseDescription;
import org.eclipse.milo.opcua.stack.core.types.structured.BrowsePath;
import org.eclipse.milo.opcua.stack.core.types.structured.BrowsePathResult;
import org.eclipse.milo.opcua.stack.core.types.structured.BrowseResult;
import org.eclipse.milo.opcua.stack.core.types.structured.EndpointDescription;
import org.eclipse.milo.opcua.stack.core.types.structured.ReadValueId;
import org.eclipse.milo.opcua.stack.core.types.structured.ReferenceDescription;
import org.eclipse.milo.opcua.stack.core.util.EndpointUtil;

/**
 * One connected OPC UA session, opened with wattguard's security options. The meter client uses it for its
 * sessions; the field tools ({@code wattguard opcua browse/read}) use its blocking {@link #browse} and
 * {@link #read}. Closing disconnects and is safe twice.
 */
public final class OpcUaConnection implements AutoCloseable {
    private final OpcUaClient client;
    private final OpcUaEndpointConfig config;
    private final ReadSplitter reads;
    private volatile boolean closed;

    private OpcUaConnection(OpcUaClient client, OpcUaEndpointConfig config) {
        this.client = client;
        this.config = config;
        this.reads = new ReadSplitter(config.endpoint().toString(), 0);
    }

    /** Discovers the endpoint, connects and activates a session; blocks up to a few request timeouts. */
    public static OpcUaConnection open(OpcUaEndpointConfig config, ClientPki pki) throws OpcUaConnectException {
        OpcUaClient client = create(config, pki);
        connect(client, config, pki);
        OpcUaConnection c = new OpcUaConnection(client, config);
        c.reads.serverLimit(maxNodesPerRead(client));
        return c;
    }

    public OpcUaClient client() {
        return client;
    }

    /**
     * Builds a Milo client for {@code config}: asks the server for its endpoints (over an unsecured discovery
     * channel, as OPC UA intends) and picks the one with the configured policy and mode. Does not connect.
     */
    static OpcUaClient create(OpcUaEndpointConfig config, ClientPki pki) throws OpcUaConnectException {
        if (config.policy() == OpcUaEndpointConfig.Policy.Aes256_Sha256_RsaPss) {
            ensureRsaPss();
        }
        String url = config.endpoint().toString();
        String host = config.endpoint().getHost();
        int port = config.endpoint().getPort() > 0 ? config.endpoint().getPort() : 4840;
        AtomicReference<List<EndpointDescription>> offered = new AtomicReference<>(List.of());
        IdentityProvider identity = identityProvider(config, pki);
        try {
            return OpcUaClient.create(
                    url,
                    endpoints -> {
                        offered.set(endpoints);
                        return endpoints.stream()
                                .filter(e -> config.policy().milo().getUri().equals(e.getSecurityPolicyUri()))
                                .filter(e ->
                                        e.getSecurityMode() == config.mode().milo())
                                // Servers often advertise a host name we cannot resolve (or 0.0.0.0): we use the
                                // host and port the operator configured, the rest of the endpoint as offered.
                                .map(e -> EndpointUtil.updateUrl(e, host, port))
                                .findFirst();
                    },
                    transport -> transport.setConnectTimeout(
                            uint(config.requestTimeout().toMillis())),
                    b -> b.setApplicationName(LocalizedText.english("wattguard"))
                            .setApplicationUri(pki.applicationUri())
                            .setProductUri("urn:wattguard")
                            .setCertificate(pki.certificate())
                            .setCertificateChain(new X509Certificate[] {pki.certificate()})
                            .setKeyPair(pki.keyPair())
                            .setCertificateValidator(pki.validator(config.verifyHostname()))
                            .setIdentityProvider(identity)
                            .setRequestTimeout(uint(config.requestTimeout().toMillis())));
        } catch (UaException e) {
            if (e.getStatusCode().getValue() == StatusCodes.Bad_ConfigurationError
                    && !offered.get().isEmpty()) {
                throw new OpcUaConnectException(
                        "OPC UA server " + url + " offers no endpoint with security policy " + config.policy()
                                + " and mode " + config.mode() + "; it offers: " + describe(offered.get()),
                        e.getStatusCode().getValue(),
                        e);
            }
            throw explain(e, config, pki);
        }
    }

    /**
     * Aes256_Sha256_RsaPss signs with RSA-PSS, which the JDK's default providers do not offer under the name Milo
     * asks for; Bouncy Castle (already on the classpath through Milo) does. Registered once per JVM, only when
     * that policy is used, as Milo's own examples do.
     */
    public static synchronized void ensureRsaPss() {
        if (java.security.Security.getProvider("BC") == null) {
            java.security.Security.addProvider(new org.bouncycastle.jce.provider.BouncyCastleProvider());
        }
    }

    static void connect(OpcUaClient client, OpcUaEndpointConfig config, ClientPki pki) throws OpcUaConnectException {
        try {
            client.connect();
        } catch (UaException e) {
            try {
                client.disconnect();
            } catch (UaException ignored) {
                // The session never came up; there is nothing more to close.
            }
            throw explain(e, config, pki, rejectedFileOf(client, pki));
        }
    }

    /**
     * Where the certificate of the server {@code client} talks to would have been saved if refused. The PKI
     * folder may be shared by many devices, so a failure names this server's file, not the last one refused.
     */
    private static java.nio.file.Path rejectedFileOf(OpcUaClient client, ClientPki pki) {
        try {
            ByteString der = client.getConfig().getEndpoint().getServerCertificate();
            if (der == null || der.isNull()) {
                return null;
            }
            X509Certificate cert =
                    org.eclipse.milo.opcua.stack.core.util.CertificateUtil.decodeCertificate(der.bytesOrEmpty());
            java.nio.file.Path file = pki.rejectedDir().resolve(ClientPki.thumbprint(cert) + ".der");
            return Files.exists(file) ? file : null;
        } catch (UaException | RuntimeException e) {
            return null;
        }
    }

    private static String describe(List<EndpointDescription> endpoints) {
        List<String> out = new ArrayList<>();
        for (EndpointDescription e : endpoints) {
            String policy = e.getSecurityPolicyUri();
            out.add(policy.substring(policy.indexOf('#') + 1) + "/" + e.getSecurityMode());
        }
        return String.join(", ", out);
    }

    /** Turns a Milo failure into what the operator should do about it. */
    static OpcUaConnectException explain(Throwable t, OpcUaEndpointConfig config, ClientPki pki) {
        return explain(t, config, pki, null);
    }

    static OpcUaConnectException explain(
            Throwable t, OpcUaEndpointConfig config, ClientPki pki, java.nio.file.Path rejected) {
        String url = config.endpoint().toString();
        Optional<StatusCode> status = UaException.extractStatusCode(t);
        long code = status.map(StatusCode::getValue).orElse(0L);
        String name = status.map(OpcUaConnection::statusName).orElse("");
        String msg;
        if (code == StatusCodes.Bad_UserAccessDenied
                || code == StatusCodes.Bad_IdentityTokenRejected
                || code == StatusCodes.Bad_IdentityTokenInvalid) {
            msg = "OPC UA server " + url + " refused the login of " + config.identity() + " (" + name + "): check the "
                    + "user name and the password in password_env or password_file";
        } else if (cause(t, ServerCertificateCheck.HostnameMismatch.class) != null) {
            ServerCertificateCheck.HostnameMismatch m = cause(t, ServerCertificateCheck.HostnameMismatch.class);
            msg = "OPC UA server " + url + " presented a trusted certificate that was not issued for host " + m.host()
                    + ": it names " + ServerCertificateCheck.HostnameMismatch.describe(m.names()) + " (" + name + "). "
                    + "Refused, since a trusted certificate of another machine would let that machine pose as this "
                    + "server; use one of those names in endpoint, or set security.verify_hostname: false for this "
                    + "device";
        } else if (isCertificateProblem(code) && rejected != null) {
            msg = "OPC UA server " + url + " presented a certificate that is not trusted (" + name + "). It was saved "
                    + "as " + rejected + "; if this is the right server, trust it with: mv " + rejected + " "
                    + pki.trustedDir() + "/";
        } else if (isCertificateProblem(code)) {
            msg = "OPC UA server " + url + " and wattguard could not agree on certificates (" + name + "); if the "
                    + "server refused ours, add " + pki.dir().resolve("own/client.der") + " to the server's trusted "
                    + "certificates";
        } else if (hasCause(t, ConnectException.class)) {
            msg = "cannot reach OPC UA server " + url + ": connection refused";
        } else if (hasCause(t, TimeoutException.class) || code == StatusCodes.Bad_Timeout) {
            msg = "OPC UA server " + url + " did not answer within "
                    + config.requestTimeout().toMillis() + " ms";
        } else {
            msg = "cannot connect to OPC UA server " + url + ": "
                    + (name.isEmpty()
                            ? String.valueOf(rootMessage(t))
                            : name + (rootMessage(t) == null ? "" : " (" + rootMessage(t) + ")"));
        }
        return new OpcUaConnectException(msg, code, t);
    }

    private static boolean isCertificateProblem(long code) {
        return code == StatusCodes.Bad_SecurityChecksFailed
                || code == StatusCodes.Bad_CertificateUntrusted
                || code == StatusCodes.Bad_CertificateInvalid
                || code == StatusCodes.Bad_CertificateUriInvalid
                || code == StatusCodes.Bad_CertificateHostNameInvalid
                || code == StatusCodes.Bad_CertificateChainIncomplete
                || code == StatusCodes.Bad_CertificateTimeInvalid
                || code == StatusCodes.Bad_CertificateUseNotAllowed;
    }

    static String statusName(StatusCode s) {
        return StatusCodes.lookup(s.getValue()).map(n -> n[0]).orElse(s.toString());
    }

    private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
        return cause(t, type) != null;
    }

    private static <T extends Throwable> T cause(Throwable t, Class<T> type) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (type.isInstance(c)) {
                return type.cast(c);
            }
        }
        return null;
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c.getMessage();
    }

    static IdentityProvider identityProvider(OpcUaEndpointConfig config, ClientPki pki) throws OpcUaConnectException {
        OpcUaEndpointConfig.Identity id = config.identity();
        return switch (id.type()) {
            case Anonymous -> AnonymousProvider.INSTANCE;
            case Username -> new UsernameProvider(id.user(), id.password().reveal(), pki.validator());
            case X509 -> {
                try {
                    X509Certificate cert;
                    try (InputStream in = Files.newInputStream(id.certificate())) {
                        cert = org.eclipse.milo.opcua.stack.core.util.CertificateUtil.decodeCertificate(in);
                    }
                    yield new X509IdentityProvider(cert, readPrivateKey(id.privateKey(), cert));
                } catch (IOException | UaException | java.security.GeneralSecurityException e) {
                    throw new OpcUaConnectException(
                            "cannot load the X.509 identity " + id.certificate() + " / " + id.privateKey() + ": "
                                    + e.getMessage(),
                            0,
                            e);
                }
            }
        };
    }

    /** A PKCS#8 private key, DER or PEM ({@code -----BEGIN PRIVATE KEY-----}). */
    static PrivateKey readPrivateKey(java.nio.file.Path file, X509Certificate cert)
            throws IOException, java.security.GeneralSecurityException {
        byte[] bytes = Files.readAllBytes(file);
        String text = new String(bytes, StandardCharsets.US_ASCII);
        if (text.contains("-----BEGIN PRIVATE KEY-----")) {
            String b64 = text.substring(text.indexOf("-----BEGIN PRIVATE KEY-----") + 27, text.indexOf("-----END"));
            bytes = Base64.getMimeDecoder().decode(b64);
        } else if (text.contains("-----BEGIN")) {
            throw new IOException("only PKCS#8 keys (BEGIN PRIVATE KEY) are read; convert with: openssl pkcs8 "
                    + "-topk8 -nocrypt -in " + file);
        }
        return KeyFactory.getInstance(cert.getPublicKey().getAlgorithm())
                .generatePrivate(new PKCS8EncodedKeySpec(bytes));
    }

    static long maxNodesPerRead(OpcUaClient client) {
        try {
            return client.readOperationLimits()
                    .maxNodesPerRead()
                    .map(u -> u.longValue())
                    .orElse(0L);
        } catch (UaException | RuntimeException e) {
            // Not every server publishes its operation limits; BadTooManyOperations will tell us instead.
            return 0;
        }
    }

    /** One node found by {@link #browse}: what an operator needs to write an item into the config. */
    public record BrowsedNode(
            String nodeId,
            String browsePath,
            String browseName,
            String displayName,
            String nodeClass,
            String dataType,
            String value,
            String status,
            int depth) {}

    /** A value read by {@link #read}. {@code value} is null when the status is Bad. */
    public record ReadResult(String nodeId, Object value, String status, long sourceTimeMs) {}

    /**
     * Browses the subtree under {@code start} (a NodeId, a browse path, or null for the Objects folder) through
     * hierarchical references, breadth first, down to {@code maxDepth} levels and at most {@code maxNodes} nodes.
     * Variables come with their data type and current value.
     */
    public List<BrowsedNode> browse(String start, int maxDepth, int maxNodes) throws UaException {
        NodeId root;
        String rootPath;
        if (start == null || start.isBlank()) {
            root = NodeIds.ObjectsFolder;
            rootPath = "Objects";
        } else if (NodeRefs.parseNodeId(start) != null) {
            root = NodeRefs.parseNodeId(start);
            rootPath = null;
        } else {
            root = translate(List.of(start)).get(0);
            if (root == null) {
                throw new UaException(StatusCodes.Bad_NoMatch, "browse path '" + start + "' matches no node");
            }
            rootPath = start.startsWith("/") ? start.substring(1) : start;
        }
        record Pending(NodeId node, String path, int depth) {}
        List<BrowsedNode> out = new ArrayList<>();
        List<NodeId> variables = new ArrayList<>();
        List<Integer> variableRows = new ArrayList<>();
        Deque<Pending> queue = new ArrayDeque<>();
        queue.add(new Pending(root, rootPath, 0));
        while (!queue.isEmpty() && out.size() < maxNodes) {
            Pending p = queue.poll();
            for (ReferenceDescription r : browseAll(p.node())) {
                Optional<NodeId> id = r.getNodeId().toNodeId(client.getNamespaceTable());
                if (id.isEmpty() || out.size() >= maxNodes) {
                    continue;
                }
                QualifiedName bn = r.getBrowseName();
                String name = bn.getNamespaceIndex().intValue() == 0
                        ? bn.getName()
                        : bn.getNamespaceIndex() + ":" + bn.getName();
                String path = p.path() == null ? null : p.path() + "/" + name;
                if (r.getNodeClass() == NodeClass.Variable) {
                    variables.add(id.get());
                    variableRows.add(out.size());
                }
                out.add(new BrowsedNode(
                        id.get().toParseableString(),
                        path,
                        name,
                        r.getDisplayName() == null
                                ? ""
                                : String.valueOf(r.getDisplayName().getText()),
                        String.valueOf(r.getNodeClass()),
                        "",
                        "",
                        "",
                        p.depth() + 1));
                if (p.depth() + 1 < maxDepth && r.getNodeClass() == NodeClass.Object) {
                    queue.add(new Pending(id.get(), path, p.depth() + 1));
                }
            }
        }
        fillVariables(out, variables, variableRows);
        return out;
    }

    private void fillVariables(List<BrowsedNode> out, List<NodeId> variables, List<Integer> rows) throws UaException {
        if (variables.isEmpty()) {
            return;
        }
        List<ReadValueId> types = new ArrayList<>();
        for (NodeId n : variables) {
            types.add(new ReadValueId(n, AttributeId.DataType.uid(), null, QualifiedName.NULL_VALUE));
        }
        List<DataValue> typeValues = reads.readAttributes(client, types);
        List<DataValue> values = reads.read(client, variables);
        for (int i = 0; i < variables.size(); i++) {
            BrowsedNode b = out.get(rows.get(i));
            DataValue v = values.get(i);
            Object typeId = i < typeValues.size() && typeValues.get(i).getValue() != null
                    ? typeValues.get(i).getValue().getValue()
                    : null;
            String type = "";
            if (typeId instanceof NodeId t) {
                OpcUaDataType builtin = OpcUaDataType.isBuiltin(t) ? OpcUaDataType.fromNodeId(t) : null;
                type = builtin != null ? builtin.name() : t.toParseableString();
            }
            out.set(
                    rows.get(i),
                    new BrowsedNode(
                            b.nodeId(),
                            b.browsePath(),
                            b.browseName(),
                            b.displayName(),
                            b.nodeClass(),
                            type,
                            valueText(v),
                            statusName(v.getStatusCode()),
                            b.depth()));
        }
    }

    private static String valueText(DataValue v) {
        if (v.getStatusCode().isBad() || v.getValue() == null || v.getValue().getValue() == null) {
            return "";
        }
        Object o = v.getValue().getValue();
        return o.getClass().isArray() ? java.util.Arrays.deepToString(new Object[] {o}) : String.valueOf(o);
    }

    private List<ReferenceDescription> browseAll(NodeId node) throws UaException {
        BrowseDescription d = new BrowseDescription(
                node,
                BrowseDirection.Forward,
                NodeIds.HierarchicalReferences,
                true,
                uint(0),
                uint(BrowseResultMask.All.getValue()));
        BrowseResult r = client.browse(d);
        List<ReferenceDescription> refs = new ArrayList<>(List.of(orEmpty(r.getReferences())));
        ByteString cp = r.getContinuationPoint();
        while (cp != null && cp.isNotNull()) {
            BrowseResult[] next = client.browseNext(false, List.of(cp)).getResults();
            if (next == null || next.length == 0) {
                break;
            }
            refs.addAll(List.of(orEmpty(next[0].getReferences())));
            cp = next[0].getContinuationPoint();
        }
        return refs;
    }

    private static ReferenceDescription[] orEmpty(ReferenceDescription[] r) {
        return r == null ? new ReferenceDescription[0] : r;
    }

    /** Reads the current value of each NodeId (OPC UA text form), split to the server's limits. */
    public List<ReadResult> read(List<String> nodeIds) throws UaException {
        List<NodeId> ids = new ArrayList<>();
        for (String s : nodeIds) {
            NodeId id = NodeRefs.parseNodeId(s);
            if (id == null) {
                throw new UaException(StatusCodes.Bad_NodeIdInvalid, "not a NodeId: '" + s + "'");
            }
            ids.add(id);
        }
        List<DataValue> values = reads.read(client, ids);
        List<ReadResult> out = new ArrayList<>();
        for (int i = 0; i < ids.size(); i++) {
            DataValue v = values.get(i);
            Object value = v.getStatusCode().isBad() || v.getValue() == null
                    ? null
                    : v.getValue().getValue();
            long ts = v.getSourceTime() != null
                    ? v.getSourceTime().getJavaTime()
                    : v.getServerTime() != null ? v.getServerTime().getJavaTime() : 0;
            out.add(new ReadResult(ids.get(i).toParseableString(), value, statusName(v.getStatusCode()), ts));
        }
        return out;
    }

    /** Translates browse paths to NodeIds in one request per server limit; null where a path matches nothing. */
    public List<NodeId> translate(List<String> browsePaths) throws UaException {
        return translate(client, browsePaths);
    }

    static List<NodeId> translate(OpcUaClient client, List<String> browsePaths) throws UaException {
        List<BrowsePath> paths = new ArrayList<>();
        for (String p : browsePaths) {
            paths.add(NodeRefs.toBrowsePath(p));
        }
        List<NodeId> out = new ArrayList<>();
        int batch = 1000;
        for (int i = 0; i < paths.size(); i += batch) {
            BrowsePathResult[] results = client.translateBrowsePaths(
                            paths.subList(i, Math.min(paths.size(), i + batch)))
                    .getResults();
            for (BrowsePathResult r : results == null ? new BrowsePathResult[0] : results) {
                NodeId id = null;
                if (r.getStatusCode().isGood() && r.getTargets() != null) {
                    for (var t : r.getTargets()) {
                        // A target with a remaining path index points into another server; only local ones count.
                        if (t.getRemainingPathIndex().longValue() == 0xFFFF_FFFFL) {
                            id = t.getTargetId()
                                    .toNodeId(client.getNamespaceTable())
                                    .orElse(null);
                            if (id != null) {
                                break;
                            }
                        }
                    }
                }
                out.add(id);
            }
        }
        return out;
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            client.disconnect();
        } catch (UaException e) {
            // Closing is best effort: the server forgets the session when it times out.
        }
    }
}

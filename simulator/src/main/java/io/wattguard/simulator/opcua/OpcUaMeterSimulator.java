package io.wattguard.simulator.opcua;

import static org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.Unsigned.uint;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Period;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.milo.opcua.sdk.server.EndpointConfig;
import org.eclipse.milo.opcua.sdk.server.OpcUaServer;
import org.eclipse.milo.opcua.sdk.server.OpcUaServerConfig;
import org.eclipse.milo.opcua.sdk.server.OpcUaServerConfigLimits;
import org.eclipse.milo.opcua.sdk.server.identity.AnonymousIdentityValidator;
import org.eclipse.milo.opcua.sdk.server.identity.CompositeValidator;
import org.eclipse.milo.opcua.sdk.server.identity.IdentityValidator;
import org.eclipse.milo.opcua.sdk.server.identity.UsernameIdentityValidator;
import org.eclipse.milo.opcua.sdk.server.nodes.UaNode;
import org.eclipse.milo.opcua.sdk.server.nodes.UaVariableNode;
import org.eclipse.milo.opcua.stack.core.NodeIds;
import org.eclipse.milo.opcua.stack.core.security.CertificateStore;
import org.eclipse.milo.opcua.stack.core.security.CertificateValidator;
import org.eclipse.milo.opcua.stack.core.security.DefaultApplicationGroup;
import org.eclipse.milo.opcua.stack.core.security.DefaultCertificateManager;
import org.eclipse.milo.opcua.stack.core.security.MemoryCertificateQuarantine;
import org.eclipse.milo.opcua.stack.core.security.MemoryCertificateStore;
import org.eclipse.milo.opcua.stack.core.security.MemoryTrustListManager;
import org.eclipse.milo.opcua.stack.core.security.RsaSha256CertificateFactory;
import org.eclipse.milo.opcua.stack.core.security.SecurityPolicy;
import org.eclipse.milo.opcua.stack.core.transport.TransportProfile;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.DateTime;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import org.eclipse.milo.opcua.stack.core.types.builtin.Variant;
import org.eclipse.milo.opcua.stack.core.types.builtin.unsigned.UInteger;
import org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode;
import org.eclipse.milo.opcua.stack.core.types.structured.BuildInfo;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateBuilder;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateGenerator;
import org.eclipse.milo.opcua.stack.transport.server.tcp.OpcTcpServerTransport;
import org.eclipse.milo.opcua.stack.transport.server.tcp.OpcTcpServerTransportConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OPC UA power meter served by Milo on a loopback port, for tests, the demo and benchmarks: address space
 * {@code Objects/Meter/<channel>/<field>} (NodeIds {@code ns=<meter ns>;s=Meter.<channel>.<field>}), values
 * from a {@link MeterValues} refreshed every update interval with source timestamps from the injected clock.
 * Security policies, a user name login and the per-request operation limits are configurable, so clients can
 * be tested against each; a status can be forced per value to make it Bad or Uncertain.
 *
 * <p>Client certificates are accepted without checking: this is a simulator for testing clients, never a
 * production server.
 */
public final class OpcUaMeterSimulator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(OpcUaMeterSimulator.class);
    public static final String PATH = "/wattguard-meter";
    public static final String APPLICATION_URI = "urn:wattguard:simulator:opcua-meter";

    /** The server's certificate and key; reuse one across restarts so a client that trusts it keeps trusting it. */
    public record ServerIdentity(KeyPair keyPair, X509Certificate certificate) {
        /** A certificate for this machine's loopback: {@code localhost} and {@code 127.0.0.1}. */
        public static ServerIdentity generate() {
            return forHost("localhost", "127.0.0.1");
        }

        /** A certificate issued for another machine: a client checking host names refuses it on loopback. */
        public static ServerIdentity forHost(String dnsName, String ipAddress) {
            try {
                KeyPair pair = SelfSignedCertificateGenerator.generateRsaKeyPair(2048);
                X509Certificate cert = new SelfSignedCertificateBuilder(pair)
                        .setCommonName("wattguard OPC UA meter simulator")
                        .setOrganization("wattguard")
                        .setApplicationUri(APPLICATION_URI)
                        .addDnsName(dnsName)
                        .addIpAddress(ipAddress)
                        .setValidityPeriod(Period.ofYears(1))
                        .build();
                return new ServerIdentity(pair, cert);
            } catch (Exception e) {
                throw new IllegalStateException("cannot create the simulator's certificate", e);
            }
        }
    }

    private final Builder b;
    private final int port;
    private final Map<String, StatusCode> forced = new ConcurrentHashMap<>();
    private OpcUaServer server;
    private MeterNamespace namespace;
    private ScheduledExecutorService updater;
    private volatile boolean closed;

    private OpcUaMeterSimulator(Builder b, int port) {
        this.b = b;
        this.port = port;
    }

    public static Builder builder() {
        return new Builder();
    }

    public int port() {
        return port;
    }

    public String endpointUrl() {
        return "opc.tcp://127.0.0.1:" + port + PATH;
    }

    public X509Certificate certificate() {
        return b.identity.certificate();
    }

    public int namespaceIndex() {
        return namespace.getNamespaceIndex().intValue();
    }

    /** The NodeId of a value in OPC UA text form, as a client config would write it. */
    public String nodeId(String channel, String field) {
        return namespace.nodeId(channel, field).toParseableString();
    }

    /** The browse path of a value from the Root folder, as a client config would write it. */
    public String browsePath(String channel, String field) {
        int ns = namespaceIndex();
        return "Objects/" + ns + ":Meter/" + ns + ":" + channel + "/" + ns + ":" + field;
    }

    /** Forces the status of one value from the next update on (Good to go back to normal). */
    public void setStatus(String channel, String field, StatusCode status) {
        if (status.isGood()) {
            forced.remove(MeterNamespace.key(channel, field));
        } else {
            forced.put(MeterNamespace.key(channel, field), status);
        }
        update();
    }

    /** The number of monitored items the server holds now (benchmarks check all were created). */
    public long monitoredItems() {
        return server.getMonitoredItemCount().get();
    }

    private OpcUaMeterSimulator start() throws Exception {
        if (b.policies.contains(SecurityPolicy.Aes256_Sha256_RsaPss)) {
            io.wattguard.meters.opcua.OpcUaConnection.ensureRsaPss();
        }
        MemoryCertificateStore store = new MemoryCertificateStore();
        store.set(
                NodeIds.RsaSha256ApplicationCertificateType,
                new CertificateStore.Entry(
                        b.identity.keyPair().getPrivate(), new X509Certificate[] {b.identity.certificate()}));
        CertificateValidator acceptAnyClient = (chain, uri, hosts) -> {};
        DefaultApplicationGroup group = DefaultApplicationGroup.createAndInitialize(
                new MemoryTrustListManager(),
                store,
                new RsaSha256CertificateFactory() {
                    @Override
                    protected X509Certificate[] createRsaSha256CertificateChain(KeyPair keyPair) {
                        return new X509Certificate[] {b.identity.certificate()};
                    }
                },
                acceptAnyClient);
        var certificates = new DefaultCertificateManager(new MemoryCertificateQuarantine(), group);

        OpcUaServerConfig config = OpcUaServerConfig.builder()
                .setApplicationUri(APPLICATION_URI)
                .setApplicationName(LocalizedText.english("wattguard OPC UA meter simulator"))
                .setProductUri("urn:wattguard:simulator")
                .setBuildInfo(new BuildInfo(
                        "urn:wattguard:simulator",
                        "wattguard",
                        "wattguard meter simulator",
                        OpcUaServer.SDK_VERSION,
                        "",
                        DateTime.now()))
                .setEndpoints(endpoints())
                .setCertificateManager(certificates)
                .setIdentityValidator(identityValidator())
                .setLimits(limits())
                .build();
        server = new OpcUaServer(
                config,
                profile -> new OpcTcpServerTransport(
                        OpcTcpServerTransportConfig.newBuilder().build()));
        namespace = new MeterNamespace(server, b.channels, b.fields);
        namespace.startup();
        server.startup().get(30, TimeUnit.SECONDS);
        if (!b.advertiseOperationLimits) {
            hideOperationLimits();
        }
        update();
        updater = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "opcua-meter-simulator-" + port);
            t.setDaemon(true);
            return t;
        });
        long every = b.updateInterval.toMillis();
        updater.scheduleAtFixedRate(this::update, every - b.clock.millis() % every, every, TimeUnit.MILLISECONDS);
        log.info(
                "OPC UA meter simulator on {} ({} channels x {} fields, policies {})",
                endpointUrl(),
                b.channels.size(),
                b.fields.size(),
                b.policies);
        return this;
    }

    private Set<EndpointConfig> endpoints() {
        Set<EndpointConfig> out = new LinkedHashSet<>();
        EndpointConfig.Builder base = EndpointConfig.newBuilder()
                .setBindAddress("127.0.0.1")
                .setHostname("127.0.0.1")
                .setBindPort(port)
                .setPath(PATH)
                .setCertificate(b.identity.certificate())
                .setTransportProfile(TransportProfile.TCP_UASC_UABINARY);
        if (b.allowAnonymous) {
            base.addTokenPolicies(OpcUaServerConfig.USER_TOKEN_POLICY_ANONYMOUS);
        }
        if (b.user != null) {
            base.addTokenPolicies(OpcUaServerConfig.USER_TOKEN_POLICY_USERNAME);
        }
        if (b.x509User != null) {
            base.addTokenPolicies(OpcUaServerConfig.USER_TOKEN_POLICY_X509);
        }
        for (SecurityPolicy p : b.policies) {
            if (p == SecurityPolicy.None) {
                out.add(base.copy()
                        .setSecurityPolicy(p)
                        .setSecurityMode(MessageSecurityMode.None)
                        .build());
            } else {
                out.add(base.copy()
                        .setSecurityPolicy(p)
                        .setSecurityMode(MessageSecurityMode.Sign)
                        .build());
                out.add(base.copy()
                        .setSecurityPolicy(p)
                        .setSecurityMode(MessageSecurityMode.SignAndEncrypt)
                        .build());
            }
        }
        if (!b.policies.contains(SecurityPolicy.None)) {
            // Discovery (GetEndpoints) always runs over an unsecured channel; it needs a None endpoint to land on.
            out.add(base.copy()
                    .setPath(PATH + "/discovery")
                    .setSecurityPolicy(SecurityPolicy.None)
                    .setSecurityMode(MessageSecurityMode.None)
                    .build());
        }
        return out;
    }

    private IdentityValidator identityValidator() {
        List<IdentityValidator> validators = new ArrayList<>();
        if (b.allowAnonymous) {
            validators.add(AnonymousIdentityValidator.INSTANCE);
        }
        if (b.user != null) {
            validators.add(new UsernameIdentityValidator(
                    c -> b.user.equals(c.getUsername()) && b.password.equals(c.getPassword())));
        }
        if (b.x509User != null) {
            validators.add(new org.eclipse.milo.opcua.sdk.server.identity.X509IdentityValidator(
                    cert -> cert.equals(b.x509User)));
        }
        return new CompositeValidator(validators);
    }

    private OpcUaServerConfigLimits limits() {
        UInteger perRead = uint(b.maxNodesPerRead);
        UInteger perCall = uint(b.maxMonitoredItemsPerCall);
        return new OpcUaServerConfigLimits() {
            @Override
            public UInteger getMaxNodesPerRead() {
                return perRead;
            }

            @Override
            public UInteger getMaxMonitoredItemsPerCall() {
                return perCall;
            }

            @Override
            public UInteger getMaxMonitoredItems() {
                return uint(1_000_000);
            }

            @Override
            public UInteger getMaxMonitoredItemsPerSession() {
                return uint(1_000_000);
            }
        };
    }

    /** Makes the server publish MaxNodesPerRead as 0 ("no limit") while still enforcing it, as many devices do. */
    private void hideOperationLimits() {
        UaNode node = server.getAddressSpaceManager()
                .getManagedNode(NodeIds.Server_ServerCapabilities_OperationLimits_MaxNodesPerRead)
                .orElse(null);
        if (node instanceof UaVariableNode v) {
            // First in the chain, so it wins over whatever filter serves the configured limit.
            v.getFilterChain()
                    .addFirst(org.eclipse.milo.opcua.sdk.server.nodes.filters.AttributeFilters.getValue(
                            ctx -> new DataValue(new Variant(uint(0)))));
        } else {
            throw new IllegalStateException("the server has no MaxNodesPerRead node to hide");
        }
    }

    private void update() {
        if (closed || namespace == null) {
            return;
        }
        try {
            long now = b.clock.millis();
            DateTime ts = new DateTime(java.time.Instant.ofEpochMilli(now));
            for (var e : namespace.variables().entrySet()) {
                String key = e.getKey();
                int dot = key.indexOf('.');
                StatusCode status = forced.getOrDefault(key, StatusCode.GOOD);
                double v = b.values.value(key.substring(0, dot), key.substring(dot + 1), now);
                e.getValue().setValue(new DataValue(new Variant(v), status, ts, ts));
            }
        } catch (RuntimeException e) {
            log.warn("simulator update failed: {}", e.toString());
        }
    }

    /** Stops the server; safe twice. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (updater != null) {
            updater.shutdownNow();
        }
        try {
            if (namespace != null) {
                namespace.shutdown();
            }
            if (server != null) {
                server.shutdown().get(30, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            log.warn("simulator shutdown: {}", e.toString());
        }
    }

    /** A free TCP port on loopback, for servers that must be told their port before they bind. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port on loopback", e);
        }
    }

    public static final class Builder {
        private int port;
        private List<String> channels = List.of("L1", "L2", "L3");
        private List<String> fields = List.of("power_w", "energy_kwh", "voltage_v", "current_a");
        private MeterValues values = MeterValues.plausible();
        private Duration updateInterval = Duration.ofSeconds(1);
        private Clock clock = Clock.systemUTC();
        private Set<SecurityPolicy> policies = EnumSet.of(SecurityPolicy.None, SecurityPolicy.Basic256Sha256);
        private String user;
        private String password;
        private boolean allowAnonymous = true;
        private int maxNodesPerRead = 10_000;
        private int maxMonitoredItemsPerCall = 10_000;
        private boolean advertiseOperationLimits = true;
        private ServerIdentity identity;
        private X509Certificate x509User;

        /** 0 (the default) picks a free loopback port. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public Builder channels(List<String> c) {
            this.channels = List.copyOf(c);
            return this;
        }

        public Builder fields(List<String> f) {
            this.fields = List.copyOf(f);
            return this;
        }

        public Builder values(MeterValues v) {
            this.values = Objects.requireNonNull(v);
            return this;
        }

        public Builder updateInterval(Duration d) {
            this.updateInterval = d;
            return this;
        }

        public Builder clock(Clock c) {
            this.clock = c;
            return this;
        }

        /** The security policies offered; Sign and SignAndEncrypt for each one but None. */
        public Builder policies(SecurityPolicy... p) {
            this.policies = EnumSet.copyOf(List.of(p));
            return this;
        }

        /** Accepts this user name and password; with {@code anonymousToo} false, nobody else gets in. */
        public Builder user(String user, String password, boolean anonymousToo) {
            this.user = user;
            this.password = password;
            this.allowAnonymous = anonymousToo;
            return this;
        }

        /** Also accepts a login with this X.509 user certificate (and, unless a user name is set, anonymous). */
        public Builder x509User(X509Certificate cert) {
            this.x509User = cert;
            return this;
        }

        public Builder maxNodesPerRead(int n) {
            this.maxNodesPerRead = n;
            return this;
        }

        public Builder maxMonitoredItemsPerCall(int n) {
            this.maxMonitoredItemsPerCall = n;
            return this;
        }

        /** False: enforce the limits but publish MaxNodesPerRead as 0, so clients learn it from BadTooManyOperations. */
        public Builder advertiseOperationLimits(boolean a) {
            this.advertiseOperationLimits = a;
            return this;
        }

        public Builder identity(ServerIdentity id) {
            this.identity = id;
            return this;
        }

        public OpcUaMeterSimulator start() throws Exception {
            if (identity == null) {
                identity = ServerIdentity.generate();
            }
            OpcUaMeterSimulator sim = new OpcUaMeterSimulator(this, port == 0 ? freePort() : port);
            try {
                return sim.start();
            } catch (Exception e) {
                sim.close();
                throw e;
            }
        }
    }
}

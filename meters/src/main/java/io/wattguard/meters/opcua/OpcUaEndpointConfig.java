package io.wattguard.meters.opcua;

import io.wattguard.config.Secret;
import io.wattguard.config.Section;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How to reach one OPC UA server and prove who we are: endpoint, message security, identity and the private PKI
 * folder. Shared by the meter client and the field tools ({@code wattguard opcua browse/read}), so both speak
 * to a server with the same security options.
 *
 * <pre>
 * endpoint: opc.tcp://10.0.4.20:4840/meter
 * security:
 *   policy: basic256sha256        # none, basic256sha256, aes128_sha256_rsaoaep, aes256_sha256_rsapss
 *   mode: signandencrypt          # none, sign, signandencrypt
 *   verify_hostname: true         # the server certificate must name the endpoint's host (false: any host)
 * pki_dir: /var/lib/wattguard/pki # client certificate, trust list, rejected/ (default: pki next to the config)
 * identity:
 *   type: username                # anonymous, username, x509
 *   user: meter
 *   password_env: METER_PASSWORD  # or password_file: /etc/wattguard/meter.password
 *   # x509: certificate: user.der (DER or PEM), private_key: user.key (PKCS#8, DER or PEM)
 * request_timeout: 5s
 * </pre>
 */
public record OpcUaEndpointConfig(
        URI endpoint,
        Policy policy,
        Mode mode,
        Path pkiDir,
        Identity identity,
        Duration requestTimeout,
        boolean verifyHostname) {

    /** With the server certificate's host name checked, as it is unless a device says otherwise. */
    public OpcUaEndpointConfig(
            URI endpoint, Policy policy, Mode mode, Path pkiDir, Identity identity, Duration requestTimeout) {
        this(endpoint, policy, mode, pkiDir, identity, requestTimeout, true);
    }

    /** The security policies wattguard offers; the deprecated SHA-1 ones are left out on purpose. */
    public enum Policy {
        None,
        Basic256Sha256,
        Aes128_Sha256_RsaOaep,
        Aes256_Sha256_RsaPss;

        public org.eclipse.milo.opcua.stack.core.security.SecurityPolicy milo() {
            return org.eclipse.milo.opcua.stack.core.security.SecurityPolicy.valueOf(name());
        }
    }

    public enum Mode {
        None,
        Sign,
        SignAndEncrypt;

        public org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode milo() {
            return org.eclipse.milo.opcua.stack.core.types.enumerated.MessageSecurityMode.valueOf(name());
        }
    }

    public enum IdentityType {
        Anonymous,
        Username,
        X509
    }

    /** Who we log in as. {@code password} is set for user names; certificate and key paths for X.509. */
    public record Identity(IdentityType type, String user, Secret password, Path certificate, Path privateKey) {
        public static Identity anonymous() {
            return new Identity(IdentityType.Anonymous, null, null, null, null);
        }

        public static Identity username(String user, Secret password) {
            return new Identity(IdentityType.Username, user, password, null, null);
        }

        public static Identity x509(Path certificate, Path privateKey) {
            return new Identity(IdentityType.X509, null, null, certificate, privateKey);
        }

        @Override
        public String toString() {
            return switch (type) {
                case Anonymous -> "anonymous";
                case Username -> "user '" + user + "'";
                case X509 -> "X.509 certificate " + certificate;
            };
        }
    }

    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(5);

    public OpcUaEndpointConfig {
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(pkiDir, "pkiDir");
        Objects.requireNonNull(identity, "identity");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
    }

    /** Plain settings for tests and tools: security and identity as given, default timeout. */
    public static OpcUaEndpointConfig of(String endpoint, Policy policy, Mode mode, Path pkiDir, Identity identity) {
        return new OpcUaEndpointConfig(URI.create(endpoint), policy, mode, pkiDir, identity, DEFAULT_REQUEST_TIMEOUT);
    }

    public OpcUaEndpointConfig withIdentity(Identity other) {
        return new OpcUaEndpointConfig(endpoint, policy, mode, pkiDir, other, requestTimeout, verifyHostname);
    }

    public OpcUaEndpointConfig withPkiDir(Path other) {
        return new OpcUaEndpointConfig(endpoint, policy, mode, other, identity, requestTimeout, verifyHostname);
    }

    public OpcUaEndpointConfig withVerifyHostname(boolean verify) {
        return new OpcUaEndpointConfig(endpoint, policy, mode, pkiDir, identity, requestTimeout, verify);
    }

    /**
     * Reads the endpoint keys of {@code s} (the device section itself, so a device reads as one flat map plus
     * {@code security} and {@code identity}). Problems go to the section's {@link io.wattguard.config.Problems};
     * returns null when the endpoint cannot be used. Marks only its own keys; the caller calls {@code finish()}.
     */
    public static OpcUaEndpointConfig read(Section s) {
        URI endpoint = s.url("endpoint", null, "opc.tcp");
        if (endpoint == null && !s.has("endpoint")) {
            s.error(
                    "endpoint",
                    "missing required key 'endpoint' (an OPC UA endpoint such as opc.tcp://10.0.4.20:4840)");
        }
        Section sec = s.section("security");
        Policy policy = sec.choice("policy", Policy.None, Policy.class);
        Mode mode = sec.choice("mode", policy == Policy.None ? Mode.None : Mode.SignAndEncrypt, Mode.class);
        if (policy == Policy.None && mode != Mode.None) {
            sec.error(
                    "mode", "security mode " + mode.name().toLowerCase() + " needs a security policy other than none");
        } else if (policy != Policy.None && mode == Mode.None) {
            sec.error(
                    "mode",
                    "security mode none cannot be used with policy "
                            + policy.name().toLowerCase() + " (use sign or signandencrypt, or policy none)");
        }
        boolean verifyHostname = sec.bool("verify_hostname", true);
        sec.finish();
        Path pki = s.pathValue("pki_dir", "pki");
        Identity identity = readIdentity(s.section("identity"));
        Duration timeout =
                s.duration("request_timeout", DEFAULT_REQUEST_TIMEOUT, Duration.ofMillis(100), Duration.ofMinutes(5));
        if (endpoint == null || identity == null) {
            return null;
        }
        return new OpcUaEndpointConfig(endpoint, policy, mode, pki, identity, timeout, verifyHostname);
    }

    private static Identity readIdentity(Section id) {
        IdentityType type = id.choice("type", IdentityType.Anonymous, IdentityType.class);
        Identity out;
        switch (type) {
            case Username -> {
                String user = id.requiredString("user", "the user name to log in with");
                Secret password = id.secret("password");
                if (password == null && !id.has("password") && !id.has("password_env") && !id.has("password_file")) {
                    id.error("missing password: set password_env (an environment variable) or password_file");
                }
                out = user == null || password == null ? null : Identity.username(user, password);
            }
            case X509 -> {
                String cert = id.requiredString("certificate", "the user certificate file, DER or PEM");
                String key = id.requiredString("private_key", "the user's private key file, PKCS#8 DER or PEM");
                out = cert == null || key == null ? null : Identity.x509(id.resolve(cert), id.resolve(key));
            }
            default -> out = Identity.anonymous();
        }
        id.finish();
        return out;
    }
}

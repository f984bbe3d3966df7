package io.wattguard.meters.opcua;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Period;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import org.eclipse.milo.opcua.stack.core.UaException;
import org.eclipse.milo.opcua.stack.core.security.CertificateQuarantine;
import org.eclipse.milo.opcua.stack.core.security.CertificateValidator;
import org.eclipse.milo.opcua.stack.core.security.DefaultClientCertificateValidator;
import org.eclipse.milo.opcua.stack.core.security.FileBasedTrustListManager;
import org.eclipse.milo.opcua.stack.core.util.CertificateUtil;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateBuilder;
import org.eclipse.milo.opcua.stack.core.util.SelfSignedCertificateGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's private PKI folder: its own certificate (generated once, self-signed, application URI in the
 * subject alternative name), the trust list that decides which servers we talk to, and {@code rejected/}
 * where an untrusted server certificate is saved for the operator to inspect.
 *
 * <pre>
 * pki/own/client.der           our certificate        (0600)
 * pki/own/client.key           our private key, PKCS#8 (0600)
 * pki/trusted/certs/           server certificates we trust (move a file here from rejected/ to trust it)
 * pki/trusted/crl/, issuer/certs/, issuer/crl/   CA certificates and revocation lists, when a CA is used
 * pki/rejected/                server certificates we refused, named by SHA-1 thumbprint
 * </pre>
 *
 * Folders are created 0700 and files 0600 so that only the service user can read the private key; nothing is
 * ever trusted automatically. One instance may be shared by every OPC UA device of a collector.
 */
public final class ClientPki implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(ClientPki.class);
    /**
     * The logger of the "not trusted, trust it with: mv ..." advice, apart so that a tool which prints that
     * advice itself ({@code wattguard opcua read}) can leave it out.
     */
    public static final String REJECTED_LOGGER = ClientPki.class.getName() + ".rejected";

    private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

    private final Path dir;
    private final X509Certificate certificate;
    private final KeyPair keyPair;
    private final String applicationUri;
    private final FileBasedTrustListManager trustList;
    private final RejectedFolder rejected;
    private final CertificateValidator validator;
    private final CertificateValidator validatorAnyHost;

    private ClientPki(Path dir, X509Certificate certificate, KeyPair keyPair, FileBasedTrustListManager trustList) {
        this.dir = dir;
        this.certificate = certificate;
        this.keyPair = keyPair;
        this.applicationUri = CertificateUtil.getSanUri(certificate).orElse("urn:wattguard:opcua-client");
        this.trustList = trustList;
        this.rejected = new RejectedFolder(
                dir.resolve("rejected"), dir.resolve("trusted").resolve("certs"));
        CertificateValidator trust = new DefaultClientCertificateValidator(trustList, rejected);
        this.validator = new ServerCertificateCheck(trust, true);
        this.validatorAnyHost = new ServerCertificateCheck(trust, false);
    }

    /** Opens the PKI folder, creating it and the client certificate on first use. */
    public static ClientPki open(Path dir) throws IOException {
        Path abs = dir.toAbsolutePath().normalize();
        for (String sub : List.of(
                "",
                "own",
                "trusted",
                "trusted/certs",
                "trusted/crl",
                "issuer",
                "issuer/certs",
                "issuer/crl",
                "rejected")) {
            createPrivateDir(sub.isEmpty() ? abs : abs.resolve(sub));
        }
        Path certFile = abs.resolve("own/client.der");
        Path keyFile = abs.resolve("own/client.key");
        X509Certificate cert;
        KeyPair pair;
        try {
            if (Files.exists(certFile) && Files.exists(keyFile)) {
                try (InputStream in = Files.newInputStream(certFile)) {
                    cert = CertificateUtil.decodeCertificate(in);
                }
                PrivateKey key = KeyFactory.getInstance("RSA")
                        .generatePrivate(new PKCS8EncodedKeySpec(Files.readAllBytes(keyFile)));
                pair = new KeyPair(cert.getPublicKey(), key);
            } else {
                pair = SelfSignedCertificateGenerator.generateRsaKeyPair(2048);
                String host = hostname();
                cert = new SelfSignedCertificateBuilder(pair)
                        .setCommonName("wattguard OPC UA client")
                        .setOrganization("wattguard")
                        .setApplicationUri("urn:wattguard:opcua-client:" + host)
                        .addDnsName(host)
                        .setValidityPeriod(Period.ofYears(5))
                        .build();
                writePrivate(keyFile, pair.getPrivate().getEncoded());
                writePrivate(certFile, cert.getEncoded());
                log.info(
                        "Created the OPC UA client certificate {} (application URI urn:wattguard:opcua-client:{})",
                        certFile,
                        host);
            }
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot create or read the OPC UA client certificate in " + abs + ": " + e, e);
        }
        return new ClientPki(abs, cert, pair, FileBasedTrustListManager.createAndInitialize(abs));
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    static void createPrivateDir(Path d) throws IOException {
        if (Files.isDirectory(d)) {
            return;
        }
        try {
            Files.createDirectories(d, posixAttr(DIR));
        } catch (UnsupportedOperationException e) {
            Files.createDirectories(d);
        }
    }

    /** Writes a file readable only by its owner, replacing what was there. */
    static void writePrivate(Path file, byte[] content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, posixAttr(FILE));
        } catch (UnsupportedOperationException e) {
            Files.createFile(tmp);
        }
        Files.write(tmp, content, StandardOpenOption.TRUNCATE_EXISTING);
        Files.move(
                tmp,
                file,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    private static FileAttribute<Set<PosixFilePermission>> posixAttr(Set<PosixFilePermission> perms) {
        if (!java.nio.file.FileSystems.getDefault()
                .supportedFileAttributeViews()
                .contains("posix")) {
            throw new UnsupportedOperationException("no POSIX permissions here");
        }
        return PosixFilePermissions.asFileAttribute(perms);
    }

    public Path dir() {
        return dir;
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public KeyPair keyPair() {
        return keyPair;
    }

    public String applicationUri() {
        return applicationUri;
    }

    public Path trustedDir() {
        return dir.resolve("trusted").resolve("certs");
    }

    public Path rejectedDir() {
        return dir.resolve("rejected");
    }

    /**
     * Validates server certificates against the trust list, and that they were issued for the host connected
     * to; refused ones land in {@code rejected/}.
     */
    public CertificateValidator validator() {
        return validator;
    }

    /** As {@link #validator()}; with {@code verifyHostname} false a trusted certificate of any host is taken. */
    public CertificateValidator validator(boolean verifyHostname) {
        return verifyHostname ? validator : validatorAnyHost;
    }

    @Override
    public void close() {
        try {
            trustList.close();
        } catch (IOException e) {
            log.debug("closing the trust list of {}: {}", dir, e.toString());
        }
    }

    static String thumbprint(X509Certificate cert) {
        try {
            return HexFormat.of().formatHex(CertificateUtil.thumbprint(cert).bytesOrEmpty());
        } catch (UaException e) {
            return "unknown";
        }
    }

    /**
     * Saves refused certificates where the operator can find them, and says how to trust one: once per
     * certificate, though Milo refuses it at every connection attempt, every few seconds for a daemon.
     */
    private static final class RejectedFolder implements CertificateQuarantine {
        private static final Logger log = LoggerFactory.getLogger(REJECTED_LOGGER);
        private final Path dir;
        private final Path trustedDir;
        private final Set<String> said = java.util.concurrent.ConcurrentHashMap.newKeySet();

        RejectedFolder(Path dir, Path trustedDir) {
            this.dir = dir;
            this.trustedDir = trustedDir;
        }

        @Override
        public List<X509Certificate> getRejectedCertificates() {
            try (var files = Files.list(dir)) {
                return files.filter(f -> f.toString().endsWith(".der"))
                        .map(f -> {
                            try (InputStream in = Files.newInputStream(f)) {
                                return CertificateUtil.decodeCertificate(in);
                            } catch (IOException | UaException e) {
                                return null;
                            }
                        })
                        .filter(java.util.Objects::nonNull)
                        .toList();
            } catch (IOException e) {
                return List.of();
            }
        }

        @Override
        public void addRejectedCertificate(X509Certificate cert) {
            String thumb = thumbprint(cert);
            Path file = dir.resolve(thumb + ".der");
            try {
                if (!Files.exists(file)) {
                    writePrivate(file, cert.getEncoded());
                }
                if (!said.add(thumb)) {
                    return;
                }
                String uri = CertificateUtil.getSanUri(cert).orElse("none");
                log.warn(
                        "OPC UA server certificate '{}' (application URI {}, SHA-1 {}) is not trusted, so wattguard "
                                + "refused to connect. It was saved as {}. If this is the server you meant, trust it with: "
                                + "mv {} {}/",
                        cert.getSubjectX500Principal().getName(),
                        uri,
                        thumb,
                        file,
                        file,
                        trustedDir);
            } catch (IOException | java.security.cert.CertificateEncodingException e) {
                log.warn(
                        "OPC UA server certificate (SHA-1 {}) is not trusted and could not be saved in {}: {}",
                        thumb,
                        dir,
                        e.toString());
            }
        }

        @Override
        public void removeRejectedCertificate(X509Certificate cert) {
            try {
                Files.deleteIfExists(dir.resolve(thumbprint(cert) + ".der"));
            } catch (IOException e) {
                log.debug("cannot remove {} from {}: {}", thumbprint(cert), dir, e.toString());
            }
        }
    }
}

package io.wattguard.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import org.eclipse.milo.opcua.stack.core.util.CertificateUtil;

/** What an operator does once for an OPC UA server: its certificate put into the PKI folder's trusted/certs. */
public final class OpcUaTrust {
    private OpcUaTrust() {}

    public static void trust(Path pki, X509Certificate cert) throws Exception {
        Path dir = Files.createDirectories(pki.resolve("trusted").resolve("certs"));
        String name = HexFormat.of().formatHex(CertificateUtil.thumbprint(cert).bytesOrEmpty());
        Files.write(dir.resolve(name + ".der"), cert.getEncoded());
    }
}

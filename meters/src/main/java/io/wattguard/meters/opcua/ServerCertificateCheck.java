package io.wattguard.meters.opcua;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.UaException;
import org.eclipse.milo.opcua.stack.core.security.CertificateValidator;
import org.eclipse.milo.opcua.stack.core.util.CertificateUtil;

/**
 * Validates a server's certificate against the trust list and, unless switched off for the device, checks
 * that it was issued for the host the operator configured: a trusted certificate of another machine must not
 * let that machine pose as this meter.
 *
 * <p>Milo's own host name check is left off (its validator only logs "check suppressed" then, and with it on
 * the failure would not say which names the certificate holds): Milo is handed no host names, and the check is
 * done here, after the trust list accepted the chain, against the host of the endpoint URL Milo passes in
 * (the host configured in {@code endpoint}, see {@link OpcUaConnection#create}).
 */
final class ServerCertificateCheck implements CertificateValidator {
    private final CertificateValidator trustList;
    private final boolean verifyHostname;

    ServerCertificateCheck(CertificateValidator trustList, boolean verifyHostname) {
        this.trustList = trustList;
        this.verifyHostname = verifyHostname;
    }

    @Override
    public void validateCertificateChain(List<X509Certificate> chain, String applicationUri, String[] validHostNames)
            throws UaException {
        trustList.validateCertificateChain(chain, applicationUri, null);
        // Milo passes host names only where it knows the endpoint (CreateSession), not on the secure channel.
        if (!verifyHostname || validHostNames == null || validHostNames.length == 0 || chain.isEmpty()) {
            return;
        }
        X509Certificate cert = chain.get(0);
        List<String> names = names(cert);
        for (String host : validHostNames) {
            if (host != null && matches(bare(host), names)) {
                return;
            }
        }
        throw new HostnameMismatch(bare(validHostNames[0]), names);
    }

    /** The DNS names and IP addresses of the certificate's subject alternative name, as written there. */
    static List<String> names(X509Certificate cert) {
        List<String> out = new ArrayList<>(CertificateUtil.getSanDnsNames(cert));
        out.addAll(CertificateUtil.getSanIpAddresses(cert));
        return out;
    }

    private static String bare(String host) {
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    /**
     * Case-insensitive DNS names, a {@code *.} wildcard standing for exactly one label, and IP addresses compared
     * as addresses ({@code ::1} and {@code 0:0:0:0:0:0:0:1} are one). Nothing is looked up in DNS: a name that
     * merely resolves to a certificate's address is not the name the certificate vouches for.
     */
    static boolean matches(String host, List<String> names) {
        String h = host.toLowerCase(Locale.ROOT);
        InetAddress hostIp = literal(h);
        for (String n : names) {
            String name = n.toLowerCase(Locale.ROOT);
            if (name.equals(h)) {
                return true;
            }
            if (hostIp != null && hostIp.equals(literal(name))) {
                return true;
            }
            if (hostIp == null
                    && name.startsWith("*.")
                    && h.indexOf('.') > 0
                    && h.substring(h.indexOf('.')).equals(name.substring(1))) {
                return true;
            }
        }
        return false;
    }

    /** The address an IP literal stands for; null for a host name (never resolved). */
    private static InetAddress literal(String s) {
        boolean ipv4 = s.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean ipv6 = s.indexOf(':') >= 0 && s.matches("[0-9a-f:.%]+");
        if (!ipv4 && !ipv6) {
            return null;
        }
        try {
            return InetAddress.getByName(s); // a literal: parsed, not looked up
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** The certificate is trusted but names other hosts than the one configured. */
    static final class HostnameMismatch extends UaException {
        private final String host;
        private final List<String> names;

        HostnameMismatch(String host, List<String> names) {
            super(
                    StatusCodes.Bad_CertificateHostNameInvalid,
                    "the certificate names " + describe(names) + ", not " + host);
            this.host = host;
            this.names = List.copyOf(names);
        }

        String host() {
            return host;
        }

        List<String> names() {
            return names;
        }

        static String describe(List<String> names) {
            return names.isEmpty() ? "no host at all" : String.join(", ", names);
        }
    }
}

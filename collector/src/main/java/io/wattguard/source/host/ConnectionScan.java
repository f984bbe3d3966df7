package io.wattguard.source.host;

import static io.wattguard.source.host.EvidenceText.address;
import static io.wattguard.source.host.EvidenceText.endpoint;
import static io.wattguard.source.host.EvidenceText.fields;
import static io.wattguard.source.host.EvidenceText.isPrivate;
import static io.wattguard.source.host.EvidenceText.port;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network part of an {@link EvidenceScanner} scan: parses the TCP tables once, keeps the miner API
 * listeners and the connections to pool ports or pool domains' addresses, and maps those sockets' inodes to
 * processes only when there is one. Pool domains are resolved off the scan, by {@link #resolvePoolDomains()}.
 */
final class ConnectionScan {
    private static final Logger log = LoggerFactory.getLogger(ConnectionScan.class);
    private static final List<String> TCP_TABLES = List.of("/proc/net/tcp", "/proc/net/tcp6");
    /** The columns of a /proc/net/tcp line that are read: sl, local, remote, st, ..., inode. */
    private static final int TCP_FIELDS = 10;

    private static final int TABLE_READ_BUFFER = 1 << 16;
    private static final String LISTEN = "0A";
    private static final String ESTABLISHED = "01";
    private static final String SYN_SENT = "02";
    private static final String SOCKET_LINK = "socket:[";

    private final HostFs fs;
    private final EvidenceScanner.Options options;
    private final Signatures signatures;
    private final Function<String, List<InetAddress>> resolver;
    private final AtomicReference<Map<InetAddress, String>> poolAddresses = new AtomicReference<>(Map.of());

    ConnectionScan(
            HostFs fs,
            EvidenceScanner.Options options,
            Signatures signatures,
            Function<String, List<InetAddress>> resolver) {
        this.fs = fs;
        this.options = options;
        this.signatures = signatures;
        this.resolver = resolver;
    }

    /** See {@link EvidenceScanner#resolvePoolDomains()}; safe to call from another thread than the scan's. */
    void resolvePoolDomains() {
        Map<InetAddress, String> old = poolAddresses.get();
        Map<InetAddress, String> next = new HashMap<>();
        for (String d : options.poolDomains()) {
            List<InetAddress> addrs;
            try {
                addrs = resolver.apply(d);
            } catch (RuntimeException e) {
                addrs = List.of();
            }
            if (addrs.isEmpty()) {
                old.forEach((a, dom) -> {
                    if (dom.equals(d)) {
                        next.put(a, dom);
                    }
                });
                log.debug("pool domain {} did not resolve; keeping its last addresses", d);
            }
            addrs.forEach(a -> next.putIfAbsent(a, d));
        }
        poolAddresses.set(Map.copyOf(next));
    }

    /** One TCP socket worth telling about, before we know its process. */
    private record Suspect(String kind, Signatures.Signature signature, double weight, String detail) {
        /** The signature's id, or the pool-domain check's when a resolved domain, not a port, gave it away. */
        String checkId() {
            return signature == null ? Signatures.POOL_DOMAIN : signature.id();
        }

        /** What findings are merged by: a kind and a signature, "domain" standing for any resolved pool domain. */
        String key() {
            return kind + "/" + (signature == null ? "domain" : signature.id());
        }
    }

    /** An established or connecting socket that may be a pool connection, judged once every listener is known. */
    private record Outbound(int localPort, String remote, int remotePort, boolean connecting, long inode) {}

    /**
     * Streams {@code /proc/net/tcp} and {@code tcp6} line by line, keeping only listeners and the connections
     * that could matter, so a host with 100,000 sockets costs no more memory than one with 100.
     *
     * @return the number of socket rows read
     */
    int check(Path proc, Map<Integer, Proc> procs, List<Finding> out) {
        Set<Integer> listening = new HashSet<>();
        List<Outbound> outbound = new ArrayList<>();
        Map<Inode, Suspect> suspects = new HashMap<>();
        Map<InetAddress, String> pools = poolAddresses.get();
        int rows = 0;
        String[] f = new String[TCP_FIELDS];
        for (String table : TCP_TABLES) {
            try (BufferedReader r = new BufferedReader(
                    new InputStreamReader(Files.newInputStream(fs.path(table)), StandardCharsets.ISO_8859_1),
                    TABLE_READ_BUFFER)) {
                r.readLine(); // the header
                for (String line = r.readLine(); line != null; line = r.readLine()) {
                    if (!fields(line, f)) {
                        continue;
                    }
                    rows++;
                    String state = f[3];
                    if (LISTEN.equals(state)) {
                        int port = port(f[1]);
                        listening.add(port);
                        Signatures.Signature api = signatures.apiPort(port);
                        long inode = HostFs.parseLong(f[9], 0);
                        if (api != null && inode != 0) {
                            suspects.put(
                                    new Inode(inode),
                                    new Suspect(
                                            Finding.MINER_API,
                                            api,
                                            api.weight(),
                                            api.description() + ": listening on " + endpoint(f[1])));
                        }
                    } else if (ESTABLISHED.equals(state) || SYN_SENT.equals(state)) {
                        int rport = port(f[2]);
                        if (signatures.poolPort(rport) != null || !pools.isEmpty()) {
                            outbound.add(new Outbound(
                                    port(f[1]), f[2], rport, SYN_SENT.equals(state), HostFs.parseLong(f[9], 0)));
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // no such table (no IPv6, an image without /proc) or a line we cannot read: what was read counts
            }
        }
        for (Outbound o : outbound) {
            // Not accepted by one of our own listeners: a connection this host opened.
            if (o.inode() == 0 || listening.contains(o.localPort())) {
                continue;
            }
            InetAddress remote = address(o.remote());
            if (remote == null || !countable(remote)) {
                continue;
            }
            String domain = pools.get(remote);
            if (domain != null) {
                suspects.put(
                        new Inode(o.inode()),
                        new Suspect(
                                Finding.POOL_CONNECTION,
                                null,
                                signatures.weight(Signatures.POOL_DOMAIN),
                                "connected to pool domain " + domain + " (" + remote.getHostAddress() + ":"
                                        + o.remotePort() + ")" + (o.connecting() ? ", connecting" : "")));
                continue;
            }
            Signatures.Signature pool = signatures.poolPort(o.remotePort());
            if (pool != null) {
                suspects.put(
                        new Inode(o.inode()),
                        new Suspect(
                                Finding.POOL_CONNECTION,
                                pool,
                                pool.weight(),
                                "connected to " + remote.getHostAddress() + ":" + o.remotePort() + ", "
                                        + pool.description() + (o.connecting() ? " (connecting)" : "")));
            }
        }
        if (!suspects.isEmpty()) {
            attribute(proc, procs, suspects, out);
        }
        return rows;
    }

    /** A socket inode, boxed once so the fd walk can look up without parsing twice. */
    private record Inode(long value) {}

    /**
     * Maps the suspicious sockets to their processes through the {@code socket:[INODE]} links in
     * {@code /proc/PID/fd}: one walk per scan, only when there is something to map, stopping once every
     * suspect has an owner. Findings are per process and kind: a miner with 40 pool connections is one finding.
     */
    private void attribute(Path proc, Map<Integer, Proc> procs, Map<Inode, Suspect> suspects, List<Finding> out) {
        Map<String, Finding> perProcess = new LinkedHashMap<>();
        Map<String, Integer> counts = new HashMap<>();
        Set<Inode> left = new HashSet<>(suspects.keySet());
        for (Proc p : procs.values()) {
            if (left.isEmpty()) {
                break;
            }
            Path fd = proc.resolve(Integer.toString(p.pid())).resolve("fd");
            for (String n : fs.list(fd)) {
                String target = fs.link(fd.resolve(n));
                if (target == null || !target.startsWith(SOCKET_LINK)) {
                    continue;
                }
                String number = target.substring(SOCKET_LINK.length(), target.length() - 1);
                Inode inode = new Inode(HostFs.parseLong(number, 0));
                Suspect s = suspects.get(inode);
                if (s == null) {
                    continue;
                }
                left.remove(inode);
                String key = p.pid() + "/" + s.key();
                int c = counts.merge(key, 1, Integer::sum);
                if (c == 1) {
                    perProcess.put(key, new Finding(s.kind(), p.pid(), p.comm(), s.weight(), s.detail(), s.checkId()));
                }
            }
        }
        for (var e : perProcess.entrySet()) {
            int c = counts.get(e.getKey());
            Finding f = e.getValue();
            out.add(
                    c == 1
                            ? f
                            : new Finding(
                                    f.kind(),
                                    f.pid(),
                                    f.process(),
                                    f.score(),
                                    f.detail() + " (and " + (c - 1) + " more such sockets)",
                                    f.signature()));
        }
        if (!left.isEmpty()) {
            // Sockets whose owner exited mid-scan, or lives in a process we may not read: still worth telling.
            Map<String, Integer> orphan = new LinkedHashMap<>();
            Map<String, Suspect> first = new HashMap<>();
            for (Inode i : left) {
                Suspect s = suspects.get(i);
                String key = s.key();
                orphan.merge(key, 1, Integer::sum);
                first.putIfAbsent(key, s);
            }
            orphan.forEach((key, c) -> {
                Suspect s = first.get(key);
                out.add(new Finding(
                        s.kind(),
                        0,
                        "",
                        s.weight(),
                        s.detail() + (c > 1 ? " (and " + (c - 1) + " more)" : "") + "; no readable process owns it",
                        s.checkId()));
            });
        }
    }

    private boolean countable(InetAddress a) {
        if (a.isAnyLocalAddress()) {
            return false;
        }
        if (a.isLoopbackAddress()) {
            return options.includeLoopback();
        }
        if (isPrivate(a)) {
            return options.includePrivate();
        }
        return true;
    }
}

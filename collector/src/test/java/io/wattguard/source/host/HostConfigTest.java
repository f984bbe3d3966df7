package io.wattguard.source.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.wattguard.config.ConfigException;
import io.wattguard.core.Source;
import io.wattguard.core.SourceSpec;
import io.wattguard.core.Topology;
import io.wattguard.testing.Configs;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostConfigTest {
    @TempDir
    Path tmp;

    @Test
    void everyProblemOfAHostSectionIsReportedAtOnce() {
        ConfigException e = assertThrows(ConfigException.class, () -> Configs.load(tmp, """
                sources:
                  - name: host
                    type: host
                    interval: 30s
                    evidence_interval: 10s
                    pool_domains: [pool.example.net, "not a domain"]
                    web_roots: [var/www]
                    probe_pids: -1
                    include_loopbak: true
                    signatures:
                      pool_ports:
                        - {id: port.x, description: x, weight: 0.5, ports: [70000]}
                      miners:
                        - {id: cmd.stratum, description: moved, weight: 0.5, names: [x]}
                """));
        String all =
                e.problems().stream().map(p -> p.path() + ": " + p.message()).collect(Collectors.joining("\n"));
        assertEquals("""
                sources[0].evidence_interval: must be at least the source's interval (30s): a scan runs inside a poll
                sources[0].pool_domains: expected host names such as pool.example.com, found 'not a domain'
                sources[0].web_roots: expected absolute folders (under root), found 'var/www'
                sources[0].probe_pids: expected an integer from 0 to 4194304, found -1
                sources[0].signatures.miners[0].id: signature 'cmd.stratum' is a built-in of command_lines, not of miners
                sources[0].signatures.pool_ports[0].ports: expected TCP ports from 1 to 65535, found '70000'
                sources[0].include_loopbak: unknown key (did you mean 'include_loopback'?); known keys here: \
                name, type, interval, timeout, tags, enabled, root, host, evidence, evidence_interval, include_loopback, \
                include_private, pool_domains, pool_resolve_interval, web_roots, store_command_lines, busy_cpu_pct, \
                probe_pids, files_interval, signatures""", all);
    }

    @Test
    void closeIsIdempotentAndSafeWithoutStart() throws Exception {
        Source never = Configs.load(tmp, "sources: [{name: h, type: host}]\n")
                .sources()
                .get(0)
                .create(new SourceSpec.Context(Clock.systemUTC(), Topology.empty(), "i"));
        never.close();
        never.close();
        Source started = Configs.load(tmp, "sources: [{name: h, type: host, pool_domains: [pool.example.net]}]\n")
                .sources()
                .get(0)
                .create(new SourceSpec.Context(Clock.systemUTC(), Topology.empty(), "i"));
        started.start();
        started.close();
        started.close();
        EvidenceScanner.Options d = EvidenceScanner.Options.defaults();
        EvidenceScanner s = new EvidenceScanner(
                new EvidenceScanner.Options(
                        d.root(),
                        false,
                        false,
                        List.of("pool.example.net"),
                        d.poolResolveInterval(),
                        List.of(),
                        false,
                        50,
                        0,
                        d.filesInterval()),
                Signatures.builtIn(),
                Clock.systemUTC(),
                n -> List.of(InetAddress.getLoopbackAddress()));
        s.close();
        s.start(); // after close: nothing starts
        s.close();
    }
}

package io.wattguard.source.host;

import io.wattguard.config.Section;
import io.wattguard.core.SourceFactory;
import io.wattguard.core.SourceSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** {@code type: host}: CPU utilisation and power, memory, and evidence of mining on the host the collector runs on. */
public final class HostFactory implements SourceFactory {
    private static final Pattern DOMAIN =
            Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\\.?");

    /** The validated keys of a host source. */
    record Config(
            boolean evidence,
            Duration evidenceInterval,
            EvidenceScanner.Options options,
            Signatures signatures,
            String host) {}

    @Override
    public String type() {
        return "host";
    }

    @Override
    public String description() {
        return "CPU utilisation, RAPL CPU power and memory of this host, and evidence of mining (processes, pool "
                + "connections, hiding tricks, persistence)";
    }

    @Override
    public SourceSpec read(SourceSpec.Common common, Section s, io.wattguard.core.Topology topology) {
        Config c = readConfig(common, s);
        return SourceSpec.of(common, ctx -> new HostSource(common, c, ctx));
    }

    static Config readConfig(SourceSpec.Common common, Section s) {
        Path root = s.pathValue("root", "/");
        String host = s.string("host", null);
        boolean evidence = s.bool("evidence", true);
        Duration every =
                s.duration("evidence_interval", Duration.ofSeconds(30), Duration.ofSeconds(1), Duration.ofDays(1));
        if (common.interval() != null && every.compareTo(common.interval()) < 0) {
            s.error(
                    "evidence_interval",
                    "must be at least the source's interval (" + io.wattguard.config.Durations.format(common.interval())
                            + "): a scan runs inside a poll");
        }
        boolean loopback = s.bool("include_loopback", false);
        boolean priv = s.bool("include_private", false);
        List<String> domains = new ArrayList<>();
        for (String d : s.strings("pool_domains")) {
            if (!DOMAIN.matcher(d).matches()) {
                s.error("pool_domains", "expected host names such as pool.example.com, found '" + d + "'");
            } else {
                domains.add(d);
            }
        }
        Duration resolveEvery =
                s.duration("pool_resolve_interval", Duration.ofMinutes(10), Duration.ofSeconds(10), Duration.ofDays(1));
        List<Path> webRoots = new ArrayList<>();
        for (String w : s.strings("web_roots")) {
            if (!w.startsWith("/")) {
                s.error("web_roots", "expected absolute folders (under root), found '" + w + "'");
            } else {
                webRoots.add(Path.of(w));
            }
        }
        boolean storeCmd = s.bool("store_command_lines", false);
        double busy = s.number("busy_cpu_pct", 50, 1, 100_000);
        int probe = (int) s.integer("probe_pids", 4096, 0, 4_194_304);
        Duration filesEvery =
                s.duration("files_interval", Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofDays(7));
        Signatures sigs = Signatures.withExtensions(s.section("signatures"));
        return new Config(
                evidence,
                every,
                new EvidenceScanner.Options(
                        root,
                        loopback,
                        priv,
                        List.copyOf(domains),
                        resolveEvery,
                        List.copyOf(webRoots),
                        storeCmd,
                        busy,
                        probe,
                        filesEvery),
                sigs,
                host);
    }
}

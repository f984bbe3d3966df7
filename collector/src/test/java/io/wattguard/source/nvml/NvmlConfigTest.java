package io.wattguard.source.nvml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.config.ConfigException;
import io.wattguard.core.Sample;
import io.wattguard.core.Source;
import io.wattguard.core.SourceSpec;
import io.wattguard.core.Topology;
import io.wattguard.daemon.Settings;
import io.wattguard.nvml.NvmlUnavailableException;
import io.wattguard.nvml.testing.FakeNvml;
import io.wattguard.testing.Configs;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code type: nvml} keys as check-config judges them, and the source's lifecycle. */
class NvmlConfigTest {
    @TempDir
    Path tmp;

    private NvmlConfig config(String keys) {
        Settings s = Configs.load(tmp, "instance: node-1\nsources:\n  - name: gpus\n    type: nvml\n" + keys.indent(4));
        return read(s);
    }

    /** The config a source was created with, through the source it makes. */
    private static NvmlConfig read(Settings s) {
        try {
            NvmlSource src = (NvmlSource)
                    s.sources().get(0).create(new SourceSpec.Context(Clock.systemUTC(), Topology.empty(), "node-1"));
            return src.config();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void defaults() {
        NvmlConfig c = config("");
        assertEquals(
                new NvmlConfig(
                        Optional.empty(),
                        Optional.empty(),
                        Set.copyOf(NvmlConfig.GPU_FIELDS),
                        true,
                        true,
                        Path.of("/"),
                        Duration.ofSeconds(30),
                        Allowlist.NONE),
                c);
    }

    @Test
    void everyKey() {
        NvmlConfig c = config("""
                library: lib/libnvidia-ml.so.1
                host: gpu-a01-01
                fields: [power_w, energy_j]
                processes: false
                mig: false
                host_root: /host
                lost_retry: 5s
                """);
        assertEquals(
                new NvmlConfig(
                        Optional.of(tmp.resolve("lib/libnvidia-ml.so.1").toString()),
                        Optional.of("gpu-a01-01"),
                        Set.of("power_w", "energy_j"),
                        false,
                        false,
                        Path.of("/host"),
                        Duration.ofSeconds(5),
                        Allowlist.NONE),
                c);
    }

    @Test
    void aBareLibraryNameIsLeftToTheDynamicLinker() {
        assertEquals(
                Optional.of("libnvidia-ml.so.1"),
                config("library: libnvidia-ml.so.1").library());
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        ConfigException e = assertThrows(ConfigException.class, () -> config("""
                library: ""
                fields: [power_w, enrgy_j]
                processes: sometimes
                lost_retry: forever
                procesess: true
                """));
        String m = e.getMessage();
        assertTrue(m.startsWith("5 problems in the configuration:"), m);
        assertTrue(m.contains("sources[0].library: must not be empty: leave it out to search the usual places"), m);
        assertTrue(
                m.contains("sources[0].fields: unknown gpu field 'enrgy_j' (did you mean 'energy_j'?); known fields: "
                        + "util_pct, mem_util_pct, power_w, power_limit_w, energy_j, temp_c, sm_clock_mhz, mem_clock_mhz, "
                        + "mem_used_bytes, throttle_reasons, processes"),
                m);
        assertTrue(m.contains("sources[0].processes: expected true or false, found 'sometimes'"), m);
        assertTrue(m.contains("sources[0].lost_retry: expected a duration such as 500ms"), m);
        assertTrue(m.contains("sources[0].procesess: unknown key (did you mean 'processes'?)"), m);
    }

    @Test
    void allowlistRulesAreReadWithTheirPatterns() {
        Allowlist a = config("""
                allowlist:
                  - {user: svc-train, exe: /opt/train/**}
                  - {container: "*gpu-batch*"}
                  - {process: "python3*"}
                """).allowlist();
        assertEquals(3, a.rules().size());
        assertEquals(
                java.util.Optional.of(io.wattguard.source.business.Glob.of("svc-train")),
                a.rules().get(0).user());
        assertEquals("/opt/train/**", a.rules().get(0).exe().orElseThrow().toString());
        assertTrue(
                a.rules().get(1).user().isEmpty() && a.rules().get(1).process().isEmpty());
    }

    @Test
    void anEmptyRuleABadPatternAndAnAllowlistWithoutProcessesAreRefused() {
        ConfigException e = assertThrows(ConfigException.class, () -> config("""
                processes: false
                allowlist:
                  - {}
                  - {exe: "/opt/[ab"}
                  - {proces: python3}
                """));
        String m = e.getMessage();
        assertTrue(m.startsWith("5 problems in the configuration:"), m);
        assertTrue(
                m.contains("sources[0].allowlist[0]: an empty rule would make every GPU process business: set at least "
                        + "one of user, exe, process, container"),
                m);
        assertTrue(
                m.contains("sources[0].allowlist[1].exe: bad pattern: '/opt/[ab' has a '[' without its ']' at "
                        + "position 6 (use *, **, ?, [a-z], {a,b})"),
                m);
        assertTrue(m.contains("sources[0].allowlist[2].proces: unknown key (did you mean 'process'?)"), m);
        assertTrue(m.contains("sources[0].allowlist[2]: an empty rule"), m);
        assertTrue(
                m.contains("sources[0].allowlist: needs processes: true: business load is judged from the GPU "
                        + "processes"),
                m);
    }

    @Test
    void closeIsIdempotentWithAndWithoutStartAndAfterAFailedStart() throws Exception {
        FakeNvml fake = FakeNvml.start("gpu 0 uuid=GPU-x power_mw=1000\ngpu 1 energy_mj=5000\n");
        SourceSpec.Context ctx = new SourceSpec.Context(Clock.systemUTC(), Topology.empty(), "node-1");
        Settings ok = Configs.load(tmp, "sources: [{name: gpus, type: nvml, library: " + fake.path() + "}]\n");
        Source never = ok.sources().get(0).create(ctx);
        never.close();
        never.close();
        Source started = ok.sources().get(0).create(ctx);
        started.start();
        List<Sample> out = io.wattguard.testing.Polls.poll(started, 1000);
        assertEquals(1.0, out.get(0).field("power_w"));
        assertEquals("node-1", out.get(0).tag("host"), "the daemon's instance unless configured");
        assertEquals(5.0, out.get(1).field("energy_j"), "a GPU without a UUID still has its energy");
        assertEquals(null, out.get(1).tag("uuid"));
        started.close();
        started.close();
        Settings missing =
                Configs.load(tmp, "sources: [{name: gpus, type: nvml, library: /opt/nowhere/libnvidia-ml.so.1}]\n");
        Source failed = missing.sources().get(0).create(ctx);
        NvmlUnavailableException e = assertThrows(NvmlUnavailableException.class, failed::start);
        assertTrue(e.getMessage().startsWith("NVML library not found"), e.getMessage());
        failed.close();
        failed.close();
    }
}

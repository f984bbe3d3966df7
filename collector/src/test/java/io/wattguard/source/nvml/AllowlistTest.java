package io.wattguard.source.nvml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.source.business.Glob;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** What a rule allows: every key it sets must match, any rule suffices, and what a process lacks never matches. */
class AllowlistTest {
    private static Allowlist.Rule rule(String user, String exe, String process, String container) {
        return new Allowlist.Rule(g(user), g(exe), g(process), g(container));
    }

    private static Optional<Glob> g(String s) {
        return Optional.ofNullable(s).map(Glob::of);
    }

    private static Allowlist.Facts proc(String name, String user, String exe, String container, String... cgroups) {
        return new Allowlist.Facts(
                name,
                Optional.ofNullable(user),
                Optional.ofNullable(exe),
                Optional.ofNullable(container),
                List.of(cgroups));
    }

    @Test
    void everySetKeyOfARuleMustMatch() {
        Allowlist a = new Allowlist(List.of(rule("svc-train", "/opt/train/**", null, null)));
        assertTrue(a.business(proc("python3", "svc-train", "/opt/train/venv/bin/python3", null)));
        assertFalse(a.business(proc("python3", "alice", "/opt/train/venv/bin/python3", null)), "another user");
        assertFalse(a.business(proc("python3", "svc-train", "/tmp/python3", null)), "another executable");
        assertFalse(
                a.business(proc("python3", "svc-train", null, null)), "an unreadable executable matches no exe rule");
    }

    @Test
    void anyMatchingRuleMakesABusinessProcess() {
        Allowlist a = new Allowlist(List.of(rule(null, null, "python3*", null), rule("render", null, null, null)));
        assertTrue(a.business(proc("python3.11", "bob", "/usr/bin/python3.11", null)));
        assertTrue(a.business(proc("blender", "render", "/usr/bin/blender", null)));
        assertFalse(a.business(proc("xmrig", "bob", "/tmp/.x/xmrig", null)));
    }

    @Test
    void aContainerRuleMatchesTheIdOrTheCgroupPath() {
        String id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        Allowlist byId = new Allowlist(List.of(rule(null, null, null, "0123456789ab*")));
        assertTrue(byId.business(proc("train", "root", "/app/train", id)));
        assertFalse(byId.business(proc("train", "root", "/app/train", null)), "outside any container");
        Allowlist byPath = new Allowlist(List.of(rule(null, null, null, "/kubepods.slice/**/*batch*")));
        assertTrue(byPath.business(
                proc("train", "root", "/app/train", id, "/kubepods.slice/kubepods-burstable.slice/pod-batch-7.scope")));
        assertFalse(byPath.business(proc("train", "root", "/app/train", id, "/user.slice/user-1000.slice")));
    }

    @Test
    void globsFollowTheShell() {
        assertTrue(Glob.of("/opt/*/bin/python").matches("/opt/a/bin/python"));
        assertFalse(Glob.of("/opt/*").matches("/opt/a/b"), "* stays within one path component");
        assertTrue(Glob.of("/opt/**").matches("/opt/a/b"));
        assertTrue(Glob.of("gpu-[0-9][0-9]").matches("gpu-07"));
        assertFalse(Glob.of("gpu-[!0-9]").matches("gpu-7"));
        assertTrue(Glob.of("{python3,torchrun}").matches("torchrun"));
        assertTrue(Glob.of("a.b").matches("a.b"));
        assertFalse(Glob.of("a.b").matches("axb"), "a dot is a dot, not a regex");
        assertEquals(
                "'x[' has a '[' without its ']' at position 2",
                assertThrows(IllegalArgumentException.class, () -> Glob.of("x["))
                        .getMessage());
        assertEquals(
                "'{a,b' has a '{' without its '}'",
                assertThrows(IllegalArgumentException.class, () -> Glob.of("{a,b"))
                        .getMessage());
    }
}

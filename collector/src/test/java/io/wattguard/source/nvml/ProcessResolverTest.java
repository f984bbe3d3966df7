package io.wattguard.source.nvml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.source.nvml.ProcessResolver.ProcessInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Who a GPU process is, from a /proc tree: a fake one laid out as the kernel does, and this machine's own. */
class ProcessResolverTest {
    static final String ID = "3f4a5b6c7d8e9f00112233445566778899aabbccddeeff00112233445566abcd";
    static final String ID2 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    @TempDir
    Path root;

    private void process(int pid, String comm, String exe, int uid, String cgroup) throws IOException {
        Path dir = Files.createDirectories(root.resolve("proc/" + pid));
        Files.writeString(dir.resolve("comm"), comm + "\n");
        if (exe != null) {
            Files.createSymbolicLink(dir.resolve("exe"), Path.of(exe));
        }
        Files.writeString(
                dir.resolve("status"),
                "Name:\t" + comm + "\nUmask:\t0022\nState:\tS (sleeping)\nPid:\t" + pid + "\nUid:\t" + (uid + 1) + "\t"
                        + uid + "\t" + uid + "\t" + uid + "\nGid:\t0\t0\t0\t0\n");
        Files.writeString(dir.resolve("cgroup"), cgroup);
    }

    private void passwd() throws IOException {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), """
                root:x:0:0:root:/root:/bin/bash
                # a comment line
                alice:x:1001:1001:Alice,,,:/home/alice:/bin/bash
                mlbatch:x:2000:2000::/srv/ml:/usr/sbin/nologin
                """);
    }

    @Test
    void aDockerContainerOnCgroupV1WithADeletedExecutable() throws IOException {
        passwd();
        process(4101, "xmrig", "/tmp/.x/xmrig (deleted)", 1001, """
                12:pids:/docker/%1$s
                11:memory:/docker/%1$s
                1:name=systemd:/docker/%1$s
                0::/
                """.formatted(ID));
        ProcessInfo p = new ProcessResolver(root).resolve(4101).orElseThrow();
        assertEquals(
                new ProcessInfo(
                        4101, "xmrig", Optional.of("/tmp/.x/xmrig (deleted)"), Optional.of("alice"), Optional.of(ID)),
                p);
    }

    @Test
    void aKubernetesPodOnCgroupV2WithContainerd() throws IOException {
        passwd();
        process(
                777,
                "python3",
                "/usr/bin/python3.11",
                2000,
                "0::/kubepods.slice/kubepods-burstable.slice/"
                        + "kubepods-burstable-pod1c2d3e4f_5a6b_7c8d_9e0f_a1b2c3d4e5f6.slice/cri-containerd-" + ID
                        + ".scope\n");
        ProcessInfo p = new ProcessResolver(root).resolve(777).orElseThrow();
        assertEquals("python3", p.name());
        assertEquals(Optional.of("/usr/bin/python3.11"), p.exe());
        assertEquals(Optional.of("mlbatch"), p.user(), "the effective uid, named by the root's /etc/passwd");
        assertEquals(Optional.of(ID), p.container());
    }

    @Test
    void aUidNobodyNamesIsShownAsANumber() throws IOException {
        passwd();
        process(55, "train", "/opt/train", 31337, "0::/user.slice/user-31337.slice/session-4.scope\n");
        ProcessInfo p = new ProcessResolver(root).resolve(55).orElseThrow();
        assertEquals(Optional.of("31337"), p.user());
        assertEquals(Optional.empty(), p.container(), "a login session is not a container");
    }

    @Test
    void aGoneProcessIsEmptyAndOneWithoutExeHasNone() throws IOException {
        passwd();
        process(2, "kthreadd", null, 0, "0::/\n");
        ProcessResolver r = new ProcessResolver(root);
        assertEquals(Optional.empty(), r.resolve(99999));
        ProcessInfo k = r.resolve(2).orElseThrow();
        assertEquals(Optional.empty(), k.exe());
        assertEquals(Optional.of("root"), k.user());
        assertEquals(Optional.empty(), k.container());
    }

    @Test
    void containerIdsOfEveryRuntimeAndBothCgroupVersions() {
        assertEquals(
                Optional.of(ID),
                ProcessResolver.containerId("0::/system.slice/docker-" + ID + ".scope\n"),
                "docker, systemd driver, v2");
        assertEquals(
                Optional.of(ID),
                ProcessResolver.containerId("0::/machine.slice/libpod-" + ID + ".scope/container\n"),
                "podman, v2 (the container's own sub-cgroup)");
        assertEquals(
                Optional.of(ID),
                ProcessResolver.containerId(
                        "0::/user.slice/user-1000.slice/user@1000.service/" + "user.slice/libpod-" + ID + ".scope\n"),
                "rootless podman");
        assertEquals(
                Optional.of(ID),
                ProcessResolver.containerId("0::/kubepods.slice/kubepods-besteffort.slice/"
                        + "kubepods-besteffort-podabc.slice/crio-" + ID + ".scope\n"),
                "cri-o");
        assertEquals(
                Optional.of(ID),
                ProcessResolver.containerId(
                        "11:devices:/kubepods/burstable/pod1c2d3e4f-5a6b-7c8d-9e0f-a1b2c3d4e5f6/" + ID + "\n"),
                "kubepods, cgroupfs driver, v1");
        assertEquals(
                Optional.of(ID2),
                ProcessResolver.containerId("0::/docker/" + ID + "/kubepods/besteffort/podx/" + ID2 + "\n"),
                "nested (kind): the innermost container");
        assertEquals(
                Optional.empty(),
                ProcessResolver.containerId("0::/kubepods.slice/kubepods-besteffort.slice/"
                        + "kubepods-besteffort-podabc.slice/crio-conmon-" + ID + ".scope\n"),
                "conmon is not the container");
        assertEquals(Optional.empty(), ProcessResolver.containerId("0::/\n"));
        assertEquals(Optional.empty(), ProcessResolver.containerId("0::/system.slice/sshd.service\n"));
        assertEquals(Optional.empty(), ProcessResolver.containerId(""));
    }

    @Test
    void thisJvmThroughTheRealProc() throws IOException {
        ProcessInfo me = new ProcessResolver(Path.of("/"))
                .resolve((int) ProcessHandle.current().pid())
                .orElseThrow();
        String java = Path.of(System.getProperty("java.home"), "bin", "java")
                .toRealPath()
                .toString();
        assertEquals(Optional.of(java), me.exe());
        assertEquals("java", me.name());
        assertEquals(Optional.of(System.getProperty("user.name")), me.user());
        String cgroup = Files.readString(Path.of("/proc/self/cgroup"));
        assertEquals(ProcessResolver.containerId(cgroup), me.container());
        assertTrue(me.pid() > 0);
    }
}

package io.wattguard.source.nvml;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Who a GPU process is, from {@code /proc}: its name, executable, user and container. Reads under a root folder
 * ({@code /} on the host; {@code /host} in a container that mounts the host's root there, so NVML's host pids
 * and the host's users are what is read; a temporary tree in tests). Not thread-safe: one per source.
 */
public final class ProcessResolver {
    /**
     * A 64-hex container id as the runtimes put it in cgroup paths: {@code /docker/ID}, {@code docker-ID.scope},
     * {@code cri-containerd-ID.scope}, {@code crio-ID.scope}, {@code libpod-ID.scope}, {@code /kubepods/.../ID}.
     */
    private static final Pattern CONTAINER = Pattern.compile(
            "(?:^|/)(?:(?:docker|cri-containerd|containerd|crio|libpod)-)?([0-9a-f]{64})(?:\\.scope)?(?=/|$)");

    /** What /proc says of one process; absent parts could not be read (gone, or not ours to read). */
    public record ProcessInfo(
            int pid, String name, Optional<String> exe, Optional<String> user, Optional<String> container) {}

    private final Path root;
    private final Path proc;
    private final Path passwd;
    private Map<Integer, String> users = Map.of();
    private Object passwdStamp;

    public ProcessResolver(Path root) {
        this.root = root;
        this.proc = root.resolve("proc");
        this.passwd = root.resolve("etc/passwd");
    }

    public Path root() {
        return root;
    }

    /** Empty when {@code /proc/PID} does not exist here: gone, in another pid namespace, or hidden. */
    public Optional<ProcessInfo> resolve(int pid) {
        Path dir = proc.resolve(Integer.toString(pid));
        String comm = read(dir.resolve("comm"));
        if (comm == null) {
            return Optional.empty();
        }
        Optional<String> exe;
        try {
            // The kernel appends " (deleted)" to the link of an executable removed after it started: kept as is,
            // because a deleted binary running on a GPU is exactly what an operator wants to see.
            exe = Optional.of(Files.readSymbolicLink(dir.resolve("exe")).toString());
        } catch (IOException | UnsupportedOperationException e) {
            exe = Optional.empty(); // kernel threads have none; another user's needs root to read
        }
        return Optional.of(new ProcessInfo(
                pid, comm.strip(), exe, user(read(dir.resolve("status"))), containerId(read(dir.resolve("cgroup")))));
    }

    private Optional<String> user(String status) {
        if (status == null) {
            return Optional.empty();
        }
        for (String line : status.split("\n")) {
            if (line.startsWith("Uid:")) {
                String[] ids = line.substring(4).trim().split("\\s+");
                // The effective uid, as ps shows it: what the process may do, not who started it.
                int uid;
                try {
                    uid = Integer.parseInt(ids.length > 1 ? ids[1] : ids[0]);
                } catch (NumberFormatException e) {
                    return Optional.empty();
                }
                String name = users().get(uid);
                return Optional.of(name != null ? name : Integer.toString(uid));
            }
        }
        return Optional.empty();
    }

    /** uid to name from the root's /etc/passwd, read again only when the file changed. */
    private Map<Integer, String> users() {
        Object stamp;
        try {
            stamp = Files.getLastModifiedTime(passwd).toMillis() + ":" + Files.size(passwd);
        } catch (IOException e) {
            return Map.of();
        }
        if (!stamp.equals(passwdStamp)) {
            Map<Integer, String> m = new HashMap<>();
            String text = read(passwd);
            if (text != null) {
                for (String line : text.split("\n")) {
                    String[] f = line.split(":", -1);
                    if (f.length >= 3 && !line.startsWith("#")) {
                        try {
                            m.putIfAbsent(Integer.parseInt(f[2]), f[0]);
                        } catch (NumberFormatException e) {
                            // a malformed line names nobody
                        }
                    }
                }
            }
            users = m;
            passwdStamp = stamp;
        }
        return users;
    }

    /**
     * The container id in a {@code /proc/PID/cgroup} file, cgroup v1 (one line per hierarchy) or v2 ({@code 0::/path});
     * the innermost id when containers nest. Empty for a process outside any container, and for one whose cgroup
     * namespace hides the path (v2 with a private namespace shows {@code 0::/}).
     */
    public static Optional<String> containerId(String cgroup) {
        if (cgroup == null) {
            return Optional.empty();
        }
        String found = null;
        for (String line : cgroup.split("\n")) {
            int colon = line.indexOf(':', line.indexOf(':') + 1);
            if (colon < 0) {
                continue;
            }
            String path = line.substring(colon + 1);
            Matcher m = CONTAINER.matcher(path);
            String last = null;
            while (m.find()) {
                last = m.group(1);
            }
            if (last != null) {
                found = last;
                break;
            }
        }
        return Optional.ofNullable(found);
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException | java.io.UncheckedIOException e) {
            return null;
        }
    }
}

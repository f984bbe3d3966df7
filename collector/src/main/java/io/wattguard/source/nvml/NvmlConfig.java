package io.wattguard.source.nvml;

import io.wattguard.config.Section;
import io.wattguard.store.Schema;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The keys of a {@code type: nvml} source.
 *
 * @param library the NVML library to use instead of searching the platform's usual places
 * @param host the {@code host} tag; empty means the daemon's {@code instance}
 * @param fields the {@code gpu} fields to write (all of {@link #GPU_FIELDS} by default)
 * @param processes whether to write {@code gpu_process} points
 * @param mig whether to write MIG devices as {@code gpu} points of their own
 * @param hostRoot where the host's {@code /proc} and {@code /etc/passwd} are found
 * @param lostRetry how long a lost GPU is left alone before NVML is asked for it again
 * @param allowlist which GPU processes are the business; when set, {@code gpu_process} points carry
 *        {@code business} and each poll writes a {@code business_load} point for the host
 */
public record NvmlConfig(
        Optional<String> library,
        Optional<String> host,
        Set<String> fields,
        boolean processes,
        boolean mig,
        Path hostRoot,
        Duration lostRetry,
        Allowlist allowlist) {

    /** The {@code gpu} measurement's fields (docs/schema.md), in the order they are written. */
    public static final List<String> GPU_FIELDS = Schema.Gpu.FIELDS;

    static NvmlConfig read(Section s) {
        String library = s.string("library", null);
        if (library != null && library.isBlank()) {
            s.error("library", "must not be empty: leave it out to search the usual places");
            library = null;
        }
        // A relative path is taken from the config file's folder, like every path in the file; a bare file name
        // (libnvidia-ml.so.1) is left to the dynamic linker's search, as the operator would expect of a library.
        Optional<String> lib = Optional.ofNullable(library)
                .map(l -> l.contains("/") || l.contains(java.io.File.separator)
                        ? s.resolve(l).toString()
                        : l);
        String host = s.string("host", null);
        if (host != null && host.isBlank()) {
            s.error("host", "must not be empty: leave it out to use the daemon's instance name");
            host = null;
        }
        Set<String> fields = new LinkedHashSet<>();
        if (s.has("fields")) {
            for (String f : s.strings("fields")) {
                if (GPU_FIELDS.contains(f)) {
                    fields.add(f);
                } else {
                    s.error(
                            "fields",
                            "unknown gpu field '" + f + "'" + Section.didYouMean(f, GPU_FIELDS) + "; known fields: "
                                    + String.join(", ", GPU_FIELDS));
                }
            }
            if (fields.isEmpty() && s.strings("fields").isEmpty()) {
                s.error("fields", "expected at least one gpu field (leave the key out to write them all)");
            }
        } else {
            fields.addAll(GPU_FIELDS);
        }
        boolean processes = s.bool("processes", true);
        boolean mig = s.bool("mig", true);
        Path root = s.pathValue("host_root", "/");
        Duration lostRetry = s.duration("lost_retry", Duration.ofSeconds(30), Duration.ZERO, Duration.ofHours(1));
        Allowlist allowlist = Allowlist.read(s, "allowlist");
        if (s.has("allowlist") && !processes) {
            s.error("allowlist", "needs processes: true: business load is judged from the GPU processes");
        }
        return new NvmlConfig(
                lib, Optional.ofNullable(host), Set.copyOf(fields), processes, mig, root, lostRetry, allowlist);
    }
}

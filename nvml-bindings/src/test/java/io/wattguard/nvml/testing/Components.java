package io.wattguard.nvml.testing;

import io.wattguard.nvml.NvmlReturn;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real components the tests need, found from the repository root. A missing one fails the test with the way to
 * get it: tests never skip.
 */
public final class Components {
    private Components() {}

    public static final String HOW = "run scripts/setup.sh test from the repository root (it extracts NVIDIA's "
            + "libnvidia-ml1 and libnvidia-ml-dev packages into build/nvml and installs gcc)";

    public static Path repositoryRoot() {
        Path p = Path.of("").toAbsolutePath();
        for (Path q = p; q != null; q = q.getParent()) {
            if (Files.exists(q.resolve("scripts/fetch-nvml.sh"))) {
                return q;
            }
        }
        throw new AssertionError("cannot find the repository root (scripts/fetch-nvml.sh) above " + p);
    }

    /** NVIDIA's nvml.h, extracted from libnvidia-ml-dev. */
    public static Path nvmlHeaderDir() {
        Path dir = repositoryRoot().resolve("build/nvml/include");
        if (!Files.isRegularFile(dir.resolve("nvml.h"))) {
            throw new AssertionError("NVIDIA's nvml.h is missing at " + dir.resolve("nvml.h") + ": " + HOW);
        }
        return dir;
    }

    /** NVIDIA's real libnvidia-ml.so.1, extracted from libnvidia-ml1. */
    public static Path realLibrary() {
        Path lib = repositoryRoot().resolve("build/nvml/lib/libnvidia-ml.so.1");
        if (!Files.isRegularFile(lib)) {
            throw new AssertionError("NVIDIA's libnvidia-ml.so.1 is missing at " + lib + ": " + HOW);
        }
        return lib;
    }

    /**
     * What NVIDIA's packaged library (driver 535) answers at nvmlInit on this machine: Driver Not Loaded where no
     * NVIDIA kernel driver runs (CI), and Driver/library version mismatch on a GPU machine, whose kernel module is
     * another version. Both are failures the binding must report and recover from.
     */
    public static NvmlReturn packagedLibraryInitStatus() {
        // Not /dev/nvidiactl: containers can carry the device node without a driver behind it (this CI's does).
        return Files.exists(Path.of("/proc/driver/nvidia/version"))
                ? NvmlReturn.LIB_RM_VERSION_MISMATCH
                : NvmlReturn.DRIVER_NOT_LOADED;
    }

    public static String gcc() {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, "gcc"))) {
                return Path.of(dir, "gcc").toString();
            }
        }
        throw new AssertionError("gcc is not installed (the NVML test double is compiled from C): " + HOW);
    }
}

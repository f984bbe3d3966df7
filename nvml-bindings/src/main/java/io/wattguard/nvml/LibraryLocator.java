package io.wattguard.nvml;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Where NVML lives on each platform, and what to tell an operator when it is not there. Pure: no file access. */
public final class LibraryLocator {
    private LibraryLocator() {}

    public static boolean isWindows(String osName) {
        return osName.toLowerCase(Locale.ROOT).startsWith("windows");
    }

    /**
     * Names and paths to try, in order. The bare names go through the dynamic linker's own search (ld.so cache,
     * LD_LIBRARY_PATH; on Windows the DLL search order), the paths cover installs that search misses.
     */
    public static List<String> candidates(String osName, Map<String, String> env) {
        List<String> out = new ArrayList<>();
        if (isWindows(osName)) {
            // R4xx and later drivers put nvml.dll in System32; older ones in the NVSMI folder, which is not on PATH.
            String windir = env.getOrDefault("WINDIR", env.getOrDefault("SystemRoot", "C:\\Windows"));
            String programFiles =
                    env.getOrDefault("ProgramW6432", env.getOrDefault("ProgramFiles", "C:\\Program Files"));
            out.add("nvml.dll");
            out.add(windir + "\\System32\\nvml.dll");
            out.add(programFiles + "\\NVIDIA Corporation\\NVSMI\\nvml.dll");
            return out;
        }
        // The .so.1 soname is what the driver installs; the unversioned name only comes with development packages.
        out.add("libnvidia-ml.so.1");
        out.add("/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1");
        out.add("/usr/lib/aarch64-linux-gnu/libnvidia-ml.so.1");
        out.add("/usr/lib64/libnvidia-ml.so.1");
        out.add("/usr/lib/libnvidia-ml.so.1");
        out.add("/usr/local/nvidia/lib64/libnvidia-ml.so.1"); // NVIDIA container toolkit mounts
        out.add("/usr/lib/wsl/lib/libnvidia-ml.so.1"); // WSL 2
        out.add("libnvidia-ml.so");
        return out;
    }

    /** What to install, in an operator's words. */
    public static String installHint(String osName) {
        if (isWindows(osName)) {
            return "install the NVIDIA display driver (it ships nvml.dll), or set the NVML library path to nvml.dll";
        }
        return "install the NVIDIA driver, which ships libnvidia-ml.so.1 (Debian/Ubuntu: nvidia-driver or "
                + "libnvidia-ml1; RHEL: nvidia-driver-NVML), or set the NVML library path to the file";
    }
}

package io.wattguard.nvml.testing;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The C test double of libnvidia-ml.so.1 (src/test/c/fake_nvml.c), compiled here against NVIDIA's nvml.h.
 * Each {@link #start} copies the built library to a fresh file, so the dynamic linker maps a fresh instance with
 * its own state: tests do not see each other's GPUs.
 */
public final class FakeNvml {
    /** Which symbols the double exports. */
    public enum Variant {
        /** Everything the binding may use (a current driver). */
        FULL(List.of()),
        /** No _v3 process functions, GPM, MemoryInfo_v2 or PciInfo_v3 (an R470-era driver). */
        NO_V3(List.of("-DFAKE_NO_V3")),
        /** Additionally no _v2 process functions: only the unversioned v1 ones (R450 and older). */
        NO_V2_PROCS(List.of("-DFAKE_NO_V3", "-DFAKE_NO_V2_PROCS"));

        final List<String> defines;

        Variant(List<String> defines) {
            this.defines = defines;
        }
    }

    /** The double's control functions (not NVML): script it, change it while running, count calls, show layouts. */
    public interface Control extends Library {
        int fakeNvmlScript(String text);

        int fakeNvmlApply(String text);

        long fakeNvmlCalls(String symbol);

        String fakeNvmlLayout();

        void fakeNvmlSetCallCost(int kernelCrossingPerCall);
    }

    private static final Map<Variant, Path> BUILT = new ConcurrentHashMap<>();
    private static final AtomicInteger COPIES = new AtomicInteger();

    private final Path library;
    private final Control control;

    private FakeNvml(Path library, Control control) {
        this.library = library;
        this.control = control;
    }

    public static Path moduleTarget() {
        Path root = Components.repositoryRoot();
        return root.resolve("nvml-bindings/target");
    }

    /** Compiles the variant once per JVM (again when the source changed) and returns the built library. */
    public static synchronized Path built(Variant variant) {
        return BUILT.computeIfAbsent(variant, v -> {
            Path root = Components.repositoryRoot();
            Path source = root.resolve("nvml-bindings/src/test/c/fake_nvml.c");
            Path out = moduleTarget().resolve("fake-nvml/" + v.name().toLowerCase() + "/libnvidia-ml.so.1");
            List<String> cmd = new ArrayList<>(List.of(
                    Components.gcc(),
                    "-O2",
                    "-Wall",
                    "-Wextra",
                    "-Werror",
                    "-shared",
                    "-fPIC",
                    "-I",
                    Components.nvmlHeaderDir().toString()));
            cmd.addAll(v.defines);
            cmd.addAll(List.of("-o", out.toString(), source.toString(), "-lpthread"));
            compile(cmd, out);
            return out;
        });
    }

    /** The C loop of the benchmark, which dlopens a double and makes the same calls as a snapshot. */
    public static synchronized Path builtBenchLoop() {
        Path root = Components.repositoryRoot();
        Path source = root.resolve("nvml-bindings/src/test/c/bench_loop.c");
        Path out = moduleTarget().resolve("fake-nvml/libnvmlbenchloop.so");
        compile(
                List.of(
                        Components.gcc(),
                        "-O2",
                        "-Wall",
                        "-Wextra",
                        "-Werror",
                        "-shared",
                        "-fPIC",
                        "-I",
                        Components.nvmlHeaderDir().toString(),
                        "-o",
                        out.toString(),
                        source.toString(),
                        "-ldl"),
                out);
        return out;
    }

    private static void compile(List<String> cmd, Path out) {
        try {
            Files.createDirectories(out.getParent());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new AssertionError(
                        "compiling the NVML test double failed: " + String.join(" ", cmd) + "\n" + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** A fresh instance of the double, scripted, copied under this module's target folder. */
    public static FakeNvml start(Variant variant, String script) {
        return start(
                variant,
                script,
                moduleTarget()
                        .resolve("fake-nvml/run/" + ProcessHandle.current().pid() + "-" + COPIES.incrementAndGet()));
    }

    /** A fresh instance of the double, scripted, copied into {@code dir} (the demo's own folder, removed with it). */
    public static FakeNvml start(Variant variant, String script, Path dir) {
        Path built = built(variant);
        try {
            Files.createDirectories(dir);
            Path copy = dir.resolve("libnvidia-ml.so.1");
            Files.copy(built, copy, StandardCopyOption.REPLACE_EXISTING);
            // RTLD_LOCAL like the binding: a double in the global scope would answer other libraries' calls.
            Control control = Native.load(copy.toString(), Control.class, Map.of(Library.OPTION_OPEN_FLAGS, 1));
            FakeNvml fake = new FakeNvml(copy, control);
            fake.script(script);
            return fake;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static FakeNvml start(String script) {
        return start(Variant.FULL, script);
    }

    public String path() {
        return library.toString();
    }

    public void script(String text) {
        int bad = control.fakeNvmlScript(text);
        if (bad != 0) {
            throw new AssertionError("fake NVML script line " + bad + " not understood:\n" + text);
        }
    }

    /** Changes the running double: a GPU falls off the bus, a counter resets, processes come and go. */
    public void apply(String text) {
        int bad = control.fakeNvmlApply(text);
        if (bad != 0) {
            throw new AssertionError("fake NVML line " + bad + " not understood:\n" + text);
        }
    }

    public long calls(String symbol) {
        return control.fakeNvmlCalls(symbol);
    }

    /** 1: each NVML call crosses into the kernel once, like the real driver's ioctl; 0: the call does no I/O. */
    public void callCost(int kernelCrossingPerCall) {
        control.fakeNvmlSetCallCost(kernelCrossingPerCall);
    }

    public String layout() {
        return control.fakeNvmlLayout();
    }
}

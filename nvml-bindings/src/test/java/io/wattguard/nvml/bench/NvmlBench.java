package io.wattguard.nvml.bench;

import com.sun.jna.Library;
import com.sun.jna.Native;
import io.wattguard.nvml.GpuDevice;
import io.wattguard.nvml.GpuSnapshot;
import io.wattguard.nvml.LoadOptions;
import io.wattguard.nvml.Nvml;
import io.wattguard.nvml.testing.FakeNvml;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Full-GPU-sample rate through the binding against a C loop making the same NVML calls to the same library, in one
 * run, as a ratio; plus bytes allocated per sample. Not a test: run it with nvml-bindings/scripts/bench.sh.
 *
 * <p>Without arguments it samples the C test double twice: as it is (each call does no I/O at all, so the figure is
 * the binding's own overhead against a C function call), and with one kernel crossing per call, the least a real
 * driver does (every NVML query is an ioctl on /dev/nvidiactl). With {@code --library PATH} it samples that library
 * (a real driver on a GPU machine) as it is.
 */
public final class NvmlBench {
    private static final int GPUS = 4;
    private static final int ROUNDS = 5;

    /** The C loop, src/test/c/bench_loop.c. */
    public interface CLoop extends Library {
        double benchLoop(String path, int gpus, long samples);
    }

    private NvmlBench() {}

    public static void main(String[] args) {
        String library = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--library")) {
                library = args[++i];
            }
        }
        CLoop c = Native.load(FakeNvml.builtBenchLoop().toString(), CLoop.class, Map.of(Library.OPTION_OPEN_FLAGS, 1));
        System.out.printf(
                "NVML sampling benchmark: %d rounds, median shown; JVM %s, %d CPUs%n",
                ROUNDS,
                System.getProperty("java.vm.version"),
                Runtime.getRuntime().availableProcessors());
        if (library != null) {
            run("library " + library, library, c);
            return;
        }
        StringBuilder script = new StringBuilder();
        for (int g = 0; g < GPUS; g++) {
            script.append("gpu ")
                    .append(g)
                    .append(" name=NVIDIA_H100 uuid=GPU-bench-")
                    .append(g)
                    .append(" util_gpu=90 util_mem=40 power_mw=300000 power_limit_mw=700000 power_mgmt_limit_mw=700000")
                    .append(" energy_mj=123456789 temp_c=60 sm_clock=1980 mem_clock=2619 mem_total=85520809984")
                    .append(" mem_used=4000000000 mem_free=80000000000 mem_reserved=1520809984 throttle=4 fan=30")
                    .append(" pstate=0 instant_power_mw=310000\n");
            for (int p = 0; p < 3; p++) {
                script.append("proc ")
                        .append(g)
                        .append(" kind=compute pid=")
                        .append(1000 * g + p)
                        .append(" mem=")
                        .append(1_000_000 * (p + 1))
                        .append('\n');
            }
        }
        FakeNvml fake = FakeNvml.start(script.toString());
        fake.callCost(0);
        run("C test double, calls do no I/O (binding overhead against a bare C call)", fake.path(), c);
        fake.callCost(1);
        run("C test double, one kernel crossing per call (the least a driver ioctl costs)", fake.path(), c);
    }

    private static void run(String title, String path, CLoop c) {
        try (Nvml nvml = Nvml.load(LoadOptions.defaults().withLibraryPath(path))) {
            List<GpuDevice> devices = nvml.devices();
            int gpus = devices.size();
            if (gpus == 0) {
                System.out.println(title + ": no GPUs");
                return;
            }
            // Size each round to about 0.3 s of work, from a short calibration. A real driver answers each call
            // in microseconds to milliseconds (an ioctl, more under load), so the calibration starts small.
            long calib = Math.max(200, (long) (3e8 / Math.max(1, c.benchLoop(path, gpus, 200))));
            jna(devices, calib); // warm up: JIT, buffers, stride detection
            double[] javaNs = new double[ROUNDS];
            double[] cNs = new double[ROUNDS];
            for (int r = 0; r < ROUNDS; r++) { // interleaved, so load from other processes hits both alike
                cNs[r] = c.benchLoop(path, gpus, calib);
                javaNs[r] = jna(devices, calib);
            }
            double j = median(javaNs);
            double cc = median(cNs);
            long allocated = allocation(devices, (int) Math.min(100_000, calib));
            System.out.println();
            System.out.println(title);
            System.out.printf("  GPUs %d, NVML calls per sample 15, samples per round %d%n", gpus, calib);
            System.out.printf("  C loop:        %,12.0f samples/s  (%.0f ns/sample)%n", 1e9 / cc, cc);
            System.out.printf("  JNA (binding): %,12.0f samples/s  (%.0f ns/sample)%n", 1e9 / j, j);
            System.out.printf("  ratio JNA/C:   %.3f  (target >= 0.8)%n", cc / j);
            System.out.printf("  allocation:    %d bytes per sample (the returned GpuSnapshot)%n", allocated);
        }
    }

    private static volatile long sink;

    private static double jna(List<GpuDevice> devices, long samples) {
        int n = devices.size();
        long acc = 0;
        long t0 = System.nanoTime();
        for (long i = 0; i < samples; i++) {
            GpuSnapshot s = devices.get((int) (i % n)).snapshot();
            acc += s.value(GpuSnapshot.Field.POWER).orElse(0);
        }
        long t1 = System.nanoTime();
        sink = acc;
        return (t1 - t0) / (double) samples;
    }

    private static long allocation(List<GpuDevice> devices, int samples) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        int n = devices.size();
        long before = mx.getThreadAllocatedBytes(tid);
        long acc = 0;
        for (int i = 0; i < samples; i++) {
            acc += devices.get(i % n).snapshot().value(GpuSnapshot.Field.POWER).orElse(0);
        }
        long after = mx.getThreadAllocatedBytes(tid);
        sink = acc;
        return (after - before) / samples;
    }

    private static double median(double[] xs) {
        double[] s = xs.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}

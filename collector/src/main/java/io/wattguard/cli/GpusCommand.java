package io.wattguard.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wattguard.nvml.GpuDevice;
import io.wattguard.nvml.GpuInfo;
import io.wattguard.nvml.GpuLostException;
import io.wattguard.nvml.GpuProcess;
import io.wattguard.nvml.GpuSnapshot;
import io.wattguard.nvml.LoadOptions;
import io.wattguard.nvml.Nvml;
import io.wattguard.nvml.NvmlReturn;
import io.wattguard.nvml.NvmlUnavailableException;
import io.wattguard.source.nvml.MigId;
import io.wattguard.source.nvml.ProcessResolver;
import io.wattguard.source.nvml.ThrottleReasons;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
        name = "gpus",
        mixinStandardHelpOptions = true,
        description = {
            "Show this host's NVIDIA GPUs and their processes, read once through NVML.",
            "",
            "Like nvidia-smi, with the energy each GPU used since the driver loaded,",
            "throttle reasons in words, and for each process its user, executable and",
            "container, read from /proc.",
            "Exit code 0 when NVML answered, 2 when there is no usable NVML here (the",
            "message says why)."
        },
        footer = {
            "",
            "Examples:",
            "  wattguard gpus",
            "  wattguard gpus --json",
            "  wattguard gpus --library /usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1"
        })
final class GpusCommand implements java.util.concurrent.Callable<Integer> {
    @Option(
            names = "--library",
            paramLabel = "PATH",
            description = "the NVML library to use (default: the platform's usual places)")
    String library;

    @Option(names = "--json", description = "print JSON instead of tables")
    boolean json;

    @Option(
            names = "--host-root",
            paramLabel = "DIR",
            defaultValue = "/",
            description =
                    "where the host's /proc and /etc/passwd are (default: ${DEFAULT-VALUE}; /host in a container)")
    Path hostRoot;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** One GPU or MIG device as read, or why it could not be. */
    record Row(int index, Optional<String> mig, GpuInfo info, GpuSnapshot snapshot, String lost) {}

    record Proc(int index, GpuProcess process, Optional<ProcessResolver.ProcessInfo> info) {}

    @Override
    public Integer call() throws Exception {
        LoadOptions options = LoadOptions.defaults();
        // JNA looks a relative name up in its library paths; a path the operator typed means that file, from here.
        boolean path = library != null && (library.contains("/") || library.contains(java.io.File.separator));
        Path file = path ? Path.of(library).toAbsolutePath().normalize() : null;
        if (library != null) {
            options = options.withLibraryPath(path ? file.toString() : library);
        }
        Nvml nvml;
        try {
            nvml = Nvml.load(options);
        } catch (NvmlUnavailableException e) {
            boolean notNvml =
                    e.returnCode() == NvmlReturn.LIBRARY_NOT_FOUND || e.returnCode() == NvmlReturn.FUNCTION_NOT_FOUND;
            if (library == null || !notNvml) {
                // The binding's advice ends "set the NVML library path to the file": here that is --library.
                throw new UserError(e.getMessage()
                        .replace("set the NVML library path to the file", "give its path with --library PATH"));
            }
            String what = file == null
                    ? "not found in the system's library path"
                    : !Files.exists(file) ? "no such file" : "the file exists but is not a loadable NVML library";
            throw new UserError("--library " + (file == null ? library : file) + ": " + what + ". Give the path of "
                    + "the driver's libnvidia-ml.so.1 with --library PATH, or leave --library out for the default "
                    + "search: the system's library path, then the folders NVIDIA drivers install it in.");
        }
        try (nvml) {
            List<Row> rows = new ArrayList<>();
            List<Proc> procs = new ArrayList<>();
            ProcessResolver resolver = new ProcessResolver(hostRoot);
            for (GpuDevice gpu : nvml.devices()) {
                try {
                    rows.add(new Row(gpu.index(), Optional.empty(), gpu.info(), gpu.snapshot(), null));
                    for (GpuDevice m : gpu.migDevices()) {
                        GpuInfo mi = m.info();
                        rows.add(new Row(
                                gpu.index(),
                                Optional.of(MigId.of(mi.gpuInstanceId(), mi.computeInstanceId())
                                        .orElse(mi.uuid())),
                                mi,
                                m.snapshot(),
                                null));
                    }
                    for (GpuProcess p : gpu.processes()) {
                        procs.add(new Proc(gpu.index(), p, resolver.resolve(p.pid())));
                    }
                } catch (GpuLostException e) {
                    // The binding's message speaks of retries, which a one-shot command does not make.
                    rows.add(new Row(
                            gpu.index(),
                            Optional.empty(),
                            null,
                            null,
                            "GPU " + gpu.index() + " is lost: " + e.function() + " returned "
                                    + e.returnCode().code() + " ("
                                    + e.returnCode().text() + ")"));
                }
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json) {
                out.println(json(nvml, rows, procs));
            } else {
                print(out, nvml, rows, procs);
            }
            out.flush();
        }
        return 0;
    }

    private static void print(PrintWriter out, Nvml nvml, List<Row> rows, List<Proc> procs) {
        out.println("NVML " + nvml.nvmlVersion() + ", driver " + nvml.driverVersion()
                + (nvml.cudaDriverVersion().isPresent()
                        ? ", CUDA " + cuda(nvml.cudaDriverVersion().getAsInt())
                        : "")
                + ", " + nvml.devices().size() + (nvml.devices().size() == 1 ? " GPU" : " GPUs") + " ("
                + nvml.libraryFile()
                + ")");
        out.println();
        List<String[]> table = new ArrayList<>();
        table.add(new String[] {
            "GPU",
            "MODEL",
            "UTIL",
            "MEM UTIL",
            "POWER / LIMIT",
            "ENERGY SINCE LOAD",
            "TEMP",
            "SM CLOCK",
            "MEM CLOCK",
            "MEMORY USED",
            "THROTTLE"
        });
        List<String> lost = new ArrayList<>();
        for (Row r : rows) {
            String gpu = r.index() + r.mig().map(m -> " mig " + m).orElse("");
            if (r.lost() != null) {
                table.add(new String[] {gpu, "(lost)", "", "", "", "", "", "", "", "", ""});
                lost.add(r.lost());
                continue;
            }
            GpuSnapshot s = r.snapshot();
            table.add(new String[] {
                gpu,
                r.info().name(),
                pct(s.utilizationGpuPct()),
                pct(s.utilizationMemoryPct()),
                power(s.powerWatts(), s.powerLimitWatts()),
                kwh(s.energyMillijoules()),
                unit(s.temperatureC(), " C"),
                unit(s.smClockMhz(), " MHz"),
                unit(s.memoryClockMhz(), " MHz"),
                memory(s.memoryUsedBytes(), s.memoryTotalBytes()),
                s.throttleReasons().isPresent()
                        ? String.join(
                                ", ", ThrottleReasons.words(s.throttleReasons().getAsLong()))
                        : "-"
            });
        }
        render(out, table);
        lost.forEach(out::println);
        out.println();
        if (procs.isEmpty()) {
            out.println("No processes on the GPUs.");
            return;
        }
        List<String[]> pt = new ArrayList<>();
        pt.add(new String[] {"GPU", "PID", "USER", "NAME", "GPU MEMORY", "SM", "CONTAINER", "EXECUTABLE"});
        for (Proc p : procs) {
            GpuProcess g = p.process();
            Optional<ProcessResolver.ProcessInfo> i = p.info();
            pt.add(new String[] {
                p.index()
                        + MigId.of(g.gpuInstanceId(), g.computeInstanceId())
                                .map(m -> " mig " + m)
                                .orElse(""),
                Integer.toString(g.pid()),
                i.flatMap(ProcessResolver.ProcessInfo::user).orElse("-"),
                i.map(ProcessResolver.ProcessInfo::name).orElse("(not in /proc)"),
                bytes(g.usedGpuMemoryBytes()),
                pct(g.smUtilPct()),
                // Twelve characters, as docker ps shows it; --json has the whole id.
                i.flatMap(ProcessResolver.ProcessInfo::container)
                        .map(c -> c.substring(0, 12))
                        .orElse("-"),
                i.flatMap(ProcessResolver.ProcessInfo::exe).orElse("-")
            });
        }
        render(out, pt);
    }

    /** Columns as wide as their widest cell, two spaces apart; no trailing blanks. */
    private static void render(PrintWriter out, List<String[]> table) {
        int[] w = new int[table.get(0).length];
        for (String[] row : table) {
            for (int i = 0; i < row.length; i++) {
                w[i] = Math.max(w[i], row[i].length());
            }
        }
        for (String[] row : table) {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                b.append(row[i]);
                if (i < row.length - 1) {
                    b.append(" ".repeat(w[i] - row[i].length() + 2));
                }
            }
            out.println(b.toString().stripTrailing());
        }
    }

    static String cuda(int v) {
        return v / 1000 + "." + v % 1000 / 10;
    }

    private static String pct(OptionalInt v) {
        return v.isPresent() ? v.getAsInt() + " %" : "-";
    }

    private static String unit(OptionalInt v, String unit) {
        return v.isPresent() ? v.getAsInt() + unit : "-";
    }

    private static String watts(double w) {
        return w == Math.rint(w) ? Long.toString((long) w) : String.format(Locale.ROOT, "%.1f", w);
    }

    private static String power(OptionalDouble w, OptionalDouble limit) {
        if (w.isEmpty() && limit.isEmpty()) {
            return "-";
        }
        return (w.isPresent() ? watts(w.getAsDouble()) : "-") + " / "
                + (limit.isPresent() ? watts(limit.getAsDouble()) : "-") + " W";
    }

    /** Energy since the driver loaded, in the unit of an electricity bill. */
    private static String kwh(OptionalLong mj) {
        return mj.isPresent() ? String.format(Locale.ROOT, "%.3f kWh", mj.getAsLong() / 3.6e9) : "-";
    }

    private static String gib(long b) {
        return String.format(Locale.ROOT, "%.1f", b / (double) (1L << 30));
    }

    private static String memory(OptionalLong used, OptionalLong total) {
        if (used.isEmpty()) {
            return "-";
        }
        return gib(used.getAsLong()) + (total.isPresent() ? " / " + gib(total.getAsLong()) : "") + " GiB";
    }

    private static String bytes(OptionalLong b) {
        if (b.isEmpty()) {
            return "-";
        }
        long v = b.getAsLong();
        return v >= 1L << 30 ? gib(v) + " GiB" : String.format(Locale.ROOT, "%.0f MiB", v / (double) (1 << 20));
    }

    private static String json(Nvml nvml, List<Row> rows, List<Proc> procs) throws Exception {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        root.put("library", nvml.libraryFile())
                .put("driver", nvml.driverVersion())
                .put("nvml", nvml.nvmlVersion());
        nvml.cudaDriverVersion().ifPresent(v -> root.put("cuda", cuda(v)));
        ArrayNode gpus = root.putArray("gpus");
        for (Row r : rows) {
            ObjectNode g = gpus.addObject();
            g.put("gpu", r.index());
            r.mig().ifPresent(m -> g.put("mig", m));
            if (r.lost() != null) {
                g.put("lost", r.lost());
                continue;
            }
            GpuSnapshot s = r.snapshot();
            g.put("uuid", r.info().uuid()).put("model", r.info().name());
            s.utilizationGpuPct().ifPresent(v -> g.put("util_pct", v));
            s.utilizationMemoryPct().ifPresent(v -> g.put("mem_util_pct", v));
            s.powerWatts().ifPresent(v -> g.put("power_w", v));
            s.powerLimitWatts().ifPresent(v -> g.put("power_limit_w", v));
            s.energyMillijoules().ifPresent(v -> g.put("energy_since_driver_load_j", v / 1000.0));
            s.temperatureC().ifPresent(v -> g.put("temp_c", v));
            s.smClockMhz().ifPresent(v -> g.put("sm_clock_mhz", v));
            s.memoryClockMhz().ifPresent(v -> g.put("mem_clock_mhz", v));
            s.memoryUsedBytes().ifPresent(v -> g.put("mem_used_bytes", v));
            s.memoryTotalBytes().ifPresent(v -> g.put("mem_total_bytes", v));
            s.throttleReasons().ifPresent(v -> {
                g.put("throttle_reasons", v);
                ArrayNode words = g.putArray("throttle");
                ThrottleReasons.words(v).forEach(words::add);
            });
            s.processCount().ifPresent(v -> g.put("processes", v));
        }
        ArrayNode ps = root.putArray("processes");
        for (Proc p : procs) {
            ObjectNode o = ps.addObject();
            GpuProcess g = p.process();
            o.put("gpu", p.index());
            MigId.of(g.gpuInstanceId(), g.computeInstanceId()).ifPresent(m -> o.put("mig", m));
            o.put("pid", g.pid());
            p.info()
                    .ifPresentOrElse(
                            i -> {
                                o.put("name", i.name());
                                i.user().ifPresent(u -> o.put("user", u));
                                i.exe().ifPresent(e -> o.put("exe", e));
                                i.container().ifPresent(c -> o.put("container", c));
                            },
                            () -> o.put("in_proc", false));
            g.usedGpuMemoryBytes().ifPresent(v -> o.put("mem_bytes", v));
            g.smUtilPct().ifPresent(v -> o.put("sm_util_pct", v));
        }
        return mapper.writeValueAsString(root);
    }
}

package io.wattguard.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

@Command(
        name = "wattguard",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = {
            "GPU and power telemetry: NVML, Modbus and OPC UA into InfluxDB.",
            "Baselines flag the power that the business does not explain."
        },
        footer = {
            "",
            "Run 'wattguard COMMAND --help' for a command's options and examples.",
            "Exit codes: 0 success, 1 failure at run time, 2 bad input (config, arguments)."
        })
public final class Main {
    public static void main(String[] args) {
        Thread.setDefaultUncaughtExceptionHandler(Main::died);
        System.exit(execute(args));
    }

    /**
     * A thread that dies of an uncaught throwable. The JVM in trouble (out of memory, stack overflow) ends the
     * command with one line and exit 1, through the shutdown hooks that stop the daemon, the demo's influxd and
     * remove its folder. Anything else is a bug in that thread alone: one line, the trace only at DEBUG.
     */
    private static void died(Thread t, Throwable e) {
        if (e instanceof OutOfMemoryError) {
            System.err.println("wattguard: out of memory (" + e.getMessage() + ") in thread '" + t.getName()
                    + "'; give Java a larger heap, e.g. WATTGUARD_JAVA_OPTS=-Xmx1g (exit 1)");
        } else {
            System.err.println("wattguard: thread '" + t.getName() + "' failed ("
                    + io.wattguard.daemon.Batcher.describe(e) + "); this is a bug, please report it"
                    + (e instanceof VirtualMachineError ? " (exit 1)" : ""));
            org.slf4j.LoggerFactory.getLogger(Main.class).debug("uncaught in thread {}", t.getName(), e);
        }
        if (e instanceof VirtualMachineError) {
            System.exit(1);
        }
    }

    /** Runs a command line and returns its exit code: 0 success, 1 runtime failure, 2 bad input. */
    public static int execute(String... args) {
        return execute(new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(System.err, true), args);
    }

    /** As {@link #execute(String...)} with picocli's and the error handler's output sent to the given writers. */
    public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        return execute(out, err, System.getenv(), args);
    }

    /** As above, with {@code env} standing for the process environment (tests give their own). */
    public static int execute(PrintWriter out, PrintWriter err, Map<String, String> env, String... args) {
        return commandLine(out, err, env).execute(args);
    }

    /**
     * The commands, in the order help lists them. {@code demo} is a placeholder in the production jar: the demo
     * needs the simulator, which never ships to a GPU host; wattguard-demo.jar (module demo) provides the real one
     * as an {@link ExtraCommand}, which takes the placeholder's place.
     */
    private static final List<Object> COMMANDS = List.of(
            RunCommand.class,
            CheckConfigCommand.class,
            DemoNotIncluded.class,
            GpusCommand.class,
            EvidenceCommand.class,
            ModbusCommand.class,
            OpcUaCommand.class,
            AnalyzeCommand.class,
            ReportCommand.class,
            VersionCommand.class,
            CommandLine.HelpCommand.class);

    /** The whole command tree, configured as {@link #execute} runs it. */
    static CommandLine commandLine(PrintWriter out, PrintWriter err, Map<String, String> env) {
        CommandLine cli = new CommandLine(new Main(env));
        Map<String, Object> extra = new java.util.HashMap<>();
        ServiceLoader.load(ExtraCommand.class, Main.class.getClassLoader())
                .forEach(c -> extra.put(c.name(), c.command()));
        for (Object c : COMMANDS) {
            String name = ((Class<?>) c).getAnnotation(Command.class).name();
            cli.addSubcommand(name, extra.getOrDefault(name, c));
        }
        cli.setUsageHelpWidth(usageWidth(env));
        helpAndVersionEverywhere(cli);
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler(new UserErrorHandler());
        // picocli's own usage errors (unknown option, missing --config, no subcommand) are bad input too.
        cli.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println(ex.getMessage());
            if (isGroup(c)) {
                c.usage(c.getErr()); // the list of its commands is the answer to "which one?"
            } else {
                c.getErr().println("Try '" + c.getCommandSpec().qualifiedName() + " --help'.");
            }
            return 2;
        });
        return cli;
    }

    /**
     * Help is written to fit 80 columns, examples included, so that picocli never has to break one of its lines.
     * A wider terminal that says so in COLUMNS gives option descriptions more room (up to 120, past which lines
     * are hard to read); a narrower one gets 80 all the same, and its own soft wrap keeps examples whole for
     * copying, where a line break inserted by picocli would split a command in two.
     */
    static int usageWidth(Map<String, String> env) {
        try {
            return Math.max(
                    80,
                    Math.min(
                            120,
                            Integer.parseInt(env.getOrDefault("COLUMNS", "80").trim())));
        } catch (NumberFormatException e) {
            return 80;
        }
    }

    /**
     * Every command, at any depth, answers -h/--help and -V/--version, the version being wattguard's: a
     * command declared without them, or picocli's help command with its own -h only, gets what it lacks.
     * (picocli's inherited scope would do it too, but would also give every command without a footer ours.)
     */
    private static void helpAndVersionEverywhere(CommandLine c) {
        CommandSpec spec = c.getCommandSpec();
        spec.versionProvider(new VersionCommand.Provider());
        if (spec.findOption("--help") == null) {
            spec.mixinStandardHelpOptions(true);
        } else if (spec.findOption("--version") == null) {
            spec.addOption(CommandLine.Model.OptionSpec.builder("-V", "--version")
                    .versionHelp(true)
                    .description("Print version information and exit.")
                    .build());
        }
        c.getSubcommands().values().forEach(Main::helpAndVersionEverywhere);
    }

    /** A command that only holds subcommands (wattguard, modbus, opcua): it has nothing to run by itself. */
    private static boolean isGroup(CommandLine c) {
        Object o = c.getCommandSpec().userObject();
        return !c.getSubcommands().isEmpty() && !(o instanceof Runnable || o instanceof java.util.concurrent.Callable);
    }

    private final Map<String, String> env;

    private Main(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    /**
     * The environment this command line runs in. Commands read variables through this rather than
     * {@link System#getenv}, so that a test can set them.
     */
    public static Map<String, String> env(CommandSpec spec) {
        return ((Main) spec.root().userObject()).env;
    }
}

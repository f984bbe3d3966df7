package io.wattguard.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "wattguard", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = {"GPU and power telemetry collector: NVML, Modbus and OPC UA into InfluxDB,",
                "with baselines that flag power the business does not explain."},
        subcommands = {RunCommand.class, CheckConfigCommand.class, DemoCommand.class, GpusCommand.class,
                EvidenceCommand.class, ModbusCommand.class, OpcUaCommand.class, AnalyzeCommand.class, VersionCommand.class,
                CommandLine.HelpCommand.class},
        footer = {"", "Run 'wattguard COMMAND --help' for a command's options and examples.",
                "Exit codes: 0 success, 1 failure at run time, 2 bad input (config, arguments)."})
public final class Main {
    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line and returns its exit code: 0 success, 1 runtime failure, 2 bad input. */
    public static int execute(String... args) {
        return execute(new java.io.PrintWriter(System.out, true), new java.io.PrintWriter(System.err, true), args);
    }

    /** As {@link #execute(String...)} with picocli's and the error handler's output sent to the given writers. */
    public static int execute(java.io.PrintWriter out, java.io.PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new Main());
        // The descriptions are written for 100 columns; picocli's default of 80 breaks their lines mid-sentence.
        cli.setUsageHelpWidth(100);
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler(new UserErrorHandler());
        // picocli's own usage errors (unknown option, missing --config) are bad input too.
        cli.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println(ex.getMessage());
            ex.getCommandLine().getErr().println("Try '" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            return 2;
        });
        return cli.execute(args);
    }
}

package io.wattguard.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "wattguard", mixinStandardHelpOptions = true, versionProvider = VersionCommand.Provider.class,
        description = {"GPU and power telemetry collector: NVML, Modbus and OPC UA into InfluxDB,",
                "with baselines that flag power the business does not explain."},
        subcommands = {VersionCommand.class, CommandLine.HelpCommand.class})
public final class Main {
    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line and returns its exit code: 0 success, 1 runtime failure, 2 bad input. */
    public static int execute(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(new UserErrorHandler());
        return cli.execute(args);
    }
}

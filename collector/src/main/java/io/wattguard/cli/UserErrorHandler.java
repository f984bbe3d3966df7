package io.wattguard.cli;

import picocli.CommandLine;

/**
 * Bad input (a {@link UserError}) prints its message and exits 2, without a stack trace; anything else is a
 * bug or an environment failure and keeps its trace for the report.
 */
final class UserErrorHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
        if (ex instanceof UserError ue) {
            cmd.getErr().println(ue.getMessage());
            return 2;
        }
        cmd.getErr().println("wattguard " + cmd.getCommandName() + ": " + ex);
        ex.printStackTrace(cmd.getErr());
        return 1;
    }
}

package io.wattguard.cli;

import picocli.CommandLine;

/**
 * Maps what a command throws to its exit code. Bad input (a {@link UserError}) prints its message and exits 2;
 * a run-time {@link Failure} prints its message and exits 1; neither has a stack trace. Anything else is a bug:
 * a one-line summary first, then the trace for the report, and exit 1; except running out of heap, which is
 * the machine's limit rather than a bug: one line that says how to give more, and exit 1.
 */
final class UserErrorHandler implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parsed) {
        if (ex instanceof UserError ue) {
            cmd.getErr().println(ue.getMessage());
            return 2;
        }
        if (ex instanceof Failure f) {
            cmd.getErr().println(f.getMessage());
            return 1;
        }
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError) { // not a bug but a heap too small for the work: no trace
                cmd.getErr()
                        .println(cmd.getCommandSpec().qualifiedName() + ": out of memory (" + t.getMessage()
                                + "); give Java a larger heap, e.g. WATTGUARD_JAVA_OPTS=-Xmx1g");
                return 1;
            }
        }
        cmd.getErr()
                .println(cmd.getCommandSpec().qualifiedName() + " failed unexpectedly ("
                        + (ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage())
                        + "); this is a bug, please report it with what follows:");
        ex.printStackTrace(cmd.getErr());
        return 1;
    }
}

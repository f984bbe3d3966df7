package io.wattguard.testing;

import io.wattguard.cli.Main;
import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the command line in this JVM and keeps what an operator would see on stdout and stderr. */
public final class Cli {
    private Cli() {}

    public record Result(int code, String out, String err) {}

    public static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }
}

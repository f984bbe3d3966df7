package io.wattguard.cli;

import io.wattguard.testing.Cli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/** As {@link Cli#run}, with the environment the command line sees given by the test. */
final class CliEnv {
    private CliEnv() {}

    static Cli.Result run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(new PrintWriter(out, true), new PrintWriter(err, true), env, args);
        return new Cli.Result(code, out.toString(), err.toString());
    }
}

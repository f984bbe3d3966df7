package io.wattguard.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.wattguard.demo.DemoExtra;
import java.io.PrintWriter;
import java.io.Writer;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The collector's help checks (inherited from {@link HelpTest}, hence this package) over wattguard-demo.jar's
 * command tree, where {@code demo} is the real command, found through {@link ExtraCommand}, rather than the
 * production placeholder.
 */
class DemoHelpTest extends HelpTest {
    @Test
    void demoIsTheRealCommandHere() {
        PrintWriter none = new PrintWriter(Writer.nullWriter());
        CommandLine demo =
                Main.commandLine(none, none, Map.of()).getSubcommands().get("demo");
        assertEquals(new DemoExtra().command().getClass(), demo.getCommand().getClass());
    }
}

package io.wattguard.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.testing.Cli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * The help of every command and subcommand, rendered as an operator sees it: whole sentences, examples that
 * can be copied as printed, nothing past the edge of the terminal, and -h and -V answered everywhere.
 */
class HelpTest {
    /** So wide that picocli wraps nothing: the text as written, to compare narrower renderings with. */
    private static final int UNWRAPPED = 1000;

    /** Every command in the tree, by its full name ("wattguard opcua browse"), in tree order. */
    static Map<String, CommandLine> commands(CommandLine root) {
        Map<String, CommandLine> out = new LinkedHashMap<>();
        List<CommandLine> todo = new ArrayList<>(List.of(root));
        while (!todo.isEmpty()) {
            CommandLine c = todo.remove(0);
            out.put(c.getCommandSpec().qualifiedName(), c);
            todo.addAll(c.getSubcommands().values());
        }
        return out;
    }

    private static Map<String, CommandLine> commands(Map<String, String> env, int width) {
        CommandLine root =
                Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()), env);
        if (width > 0) {
            root.setUsageHelpWidth(width);
        }
        return commands(root);
    }

    private static List<String> words(String text) {
        return Arrays.asList(text.strip().split("\\s+"));
    }

    /** Every width COLUMNS can choose: where picocli wraps a line depends on it. */
    static IntStream widths() {
        return IntStream.rangeClosed(80, 120);
    }

    @ParameterizedTest(name = "{0} columns")
    @MethodSource("widths")
    void helpIsWholeAtEveryWidth(int width) {
        Map<String, CommandLine> wide = commands(Map.of(), UNWRAPPED);
        Map<String, CommandLine> tree = commands(Map.of("COLUMNS", Integer.toString(width)), 0);
        assertTrue(tree.size() >= 14, "the whole tree: " + tree.keySet());
        for (Map.Entry<String, CommandLine> e : tree.entrySet()) {
            String name = e.getKey();
            CommandLine c = e.getValue();
            assertEquals(width, c.getUsageHelpWidth(), name + ": COLUMNS sets the width");
            String usage = c.getUsageMessage(CommandLine.Help.Ansi.OFF);
            CommandLine.Help unwrapped = wide.get(name).getHelp();
            for (String line : usage.split("\n")) {
                assertTrue(line.length() <= width, name + ": a line of " + line.length() + " columns:\n" + line);
                assertTrue(!line.strip().equals("\\"), name + ": a continuation '\\' alone on its line:\n" + usage);
            }
            // Wrapping may only move words to the next line: a word cut in two (at a '.', ':' or '/' of a node id
            // or URL) or dropped would change this list.
            List<String> expected = words(wide.get(name).getUsageMessage(CommandLine.Help.Ansi.OFF));
            List<String> found = words(usage);
            int i = 0;
            while (i < Math.min(expected.size(), found.size())
                    && expected.get(i).equals(found.get(i))) {
                i++;
            }
            assertEquals(
                    expected.size(),
                    i,
                    name + ": at " + width + " columns, '"
                            + (i < expected.size() ? expected.get(i) : "") + "' became '"
                            + (i < found.size() ? found.get(i) : "")
                            + "':\n" + usage);
            assertEquals(expected.size(), found.size(), name + ": words added:\n" + usage);
            // Examples are laid out by hand, a long command continued with '\': printed exactly as written.
            assertEquals(unwrapped.footer(), c.getHelp().footer(), name + ": examples re-wrapped");
        }
    }

    /** A command list shows each command's first description line: it must be a whole sentence. */
    @Test
    void everyCommandIsListedWithAWholeSentence() {
        for (Map.Entry<String, CommandLine> e : commands(Map.of(), 0).entrySet()) {
            String[] description = e.getValue().getCommandSpec().usageMessage().description();
            assertTrue(
                    description.length > 0 && description[0].strip().endsWith("."),
                    e.getKey() + " is listed as '" + (description.length > 0 ? description[0] : "") + "'");
        }
    }

    @Test
    void theWidthFollowsColumnsFrom80To120() {
        assertEquals(80, commands(Map.of(), 0).get("wattguard").getUsageHelpWidth(), "without COLUMNS");
        assertEquals(
                80,
                commands(Map.of("COLUMNS", "60"), 0).get("wattguard").getUsageHelpWidth(),
                "never narrower than the help is written for: the terminal's own wrap keeps examples whole");
        assertEquals(120, commands(Map.of("COLUMNS", "250"), 0).get("wattguard").getUsageHelpWidth());
        assertEquals(80, commands(Map.of("COLUMNS", "wide"), 0).get("wattguard").getUsageHelpWidth());
    }

    @Test
    void everyCommandAnswersHelpAndVersion() {
        String version = new VersionCommand.Provider().getVersion()[0] + "\n";
        for (String name : commands(Map.of(), 0).keySet()) {
            String[] path = name.split(" ");
            String[] args = Arrays.copyOfRange(path, 1, path.length + 1);
            args[args.length - 1] = "--help";
            Cli.Result help = CliEnv.run(Map.of(), args);
            assertEquals(0, help.code(), name + " --help: " + help.err());
            assertTrue(help.out().contains("Usage: " + name + " "), name + " --help printed:\n" + help.out());
            args[args.length - 1] = "-V";
            Cli.Result v = CliEnv.run(Map.of(), args);
            assertEquals(0, v.code(), name + " -V: " + v.err());
            assertTrue(v.out().startsWith(version), name + " -V printed '" + v.out() + "'");
        }
    }

    @Test
    void aCommandGroupWithoutItsCommandIsBadInputAndShowsItsCommands() {
        for (String[] args : List.of(new String[0], new String[] {"modbus"}, new String[] {"opcua"})) {
            String name = String.join(" ", List.of(args));
            Cli.Result r = CliEnv.run(Map.of(), args);
            assertEquals(2, r.code(), "'" + name + "': " + r.out() + r.err());
            assertEquals("", r.out());
            assertTrue(
                    r.err()
                            .startsWith("Missing required subcommand\nUsage: wattguard" + (args.length == 0 ? "" : " ")
                                    + name),
                    r.err());
            assertTrue(r.err().contains("Commands:"), r.err());
        }
    }
}

package io.wattguard.cli;

import io.wattguard.source.opcua.OpcUaFactory;
import java.io.PrintWriter;
import java.util.List;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.types.builtin.StatusCode;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code wattguard opcua browse|read}: the field tools for writing an {@code opcua} source. They speak to a
 * server with the same security options and identity as the daemon, so a node found here is read the same way
 * there; with the daemon's PKI folder (the default where it exists and may be written), a server certificate
 * trusted here is trusted by the daemon too.
 */
@Command(
        name = "opcua",
        mixinStandardHelpOptions = true,
        description = {
            "Discover and read the values of an OPC UA server.",
            "",
            "Both commands take the security options of an opcua source."
        },
        subcommands = {OpcUaBrowseCommand.class, OpcUaReadCommand.class, CommandLine.HelpCommand.class},
        footer = {
            "",
            "Examples:",
            "  wattguard opcua browse --endpoint opc.tcp://10.0.4.20:4840/meter",
            "  wattguard opcua read --endpoint opc.tcp://10.0.4.20:4840/meter \\",
            "      --node 'ns=2;s=Meter.L1.power_w'",
            "",
            "Run 'wattguard opcua browse --help' or 'wattguard opcua read --help' for their",
            "options."
        })
public final class OpcUaCommand {
    // No call(): run without a subcommand, picocli reports it missing, which Main answers with usage and exit 2.

    // Where browse and read keep certificates without --pki (OpcUaConnectionOptions.withConnection), in both footers.
    static final String PKI_HELP_1 =
            "PKI folder: without --pki, the daemon's " + OpcUaFactory.DEFAULT_PKI_DIR + " if it exists and";
    static final String PKI_HELP_2 = "you may write it (a server trusted here is then trusted by the daemon too), else";
    static final String PKI_HELP_3 = "$XDG_DATA_HOME/wattguard/pki (~/.local/share/wattguard/pki). It is created only";
    static final String PKI_HELP_4 = "when a certificate must be kept: with a security policy or --user.";

    /**
     * Turns a logger off. Milo logs a refused certificate as an ERROR with a stack trace from its network thread;
     * this command says what happened and what to do in one message, so Milo's own lines would only bury it.
     * Only this process is affected: a field tool runs one command and exits.
     */
    static void quiet(String logger) {
        if (org.slf4j.LoggerFactory.getLogger(logger) instanceof ch.qos.logback.classic.Logger l) {
            l.setLevel(ch.qos.logback.classic.Level.OFF);
        }
    }

    static String statusName(StatusCode s) {
        if (s == null) {
            return "Good";
        }
        return StatusCodes.lookup(s.getValue()).map(n -> n[0]).orElse(s.toString());
    }

    /** Left-aligned columns, two spaces apart; the last column is not padded. */
    static void table(PrintWriter out, List<String[]> rows) {
        int cols = rows.get(0).length;
        int[] width = new int[cols];
        for (String[] r : rows) {
            for (int i = 0; i < cols; i++) {
                width[i] = Math.max(width[i], r[i].length());
            }
        }
        for (String[] r : rows) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < cols; i++) {
                sb.append(i == cols - 1 ? r[i] : String.format("%-" + width[i] + "s  ", r[i]));
            }
            out.println(sb.toString().stripTrailing());
        }
        out.flush();
    }
}

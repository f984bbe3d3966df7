package io.wattguard.cli;

import io.wattguard.meters.opcua.OpcUaConnection;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.UaException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code wattguard opcua browse}: a server's nodes as a tree, with what an {@code opcua} source's config needs. */
@Command(
        name = "browse",
        mixinStandardHelpOptions = true,
        description = {
            "List the nodes under a folder of an OPC UA server.",
            "",
            "Each node with its node id, the browse path to write in the config",
            "(browse_path:), node class, data type and current value.",
            "",
            "A server whose certificate is not trusted yet is refused: its certificate is",
            "saved under PKI/rejected/ and the mv command that trusts it is printed."
        },
        footer = {
            "",
            "Examples:",
            "  wattguard opcua browse --endpoint opc.tcp://127.0.0.1:4840",
            "  wattguard opcua browse --endpoint opc.tcp://10.0.4.20:4840/meter \\",
            "      --security-policy basic256sha256 \\",
            "      --user wattguard --password-env METER_PASSWORD \\",
            "      --start 'Objects/2:Meter' --depth 2",
            "",
            OpcUaCommand.PKI_HELP_1,
            OpcUaCommand.PKI_HELP_2,
            OpcUaCommand.PKI_HELP_3,
            OpcUaCommand.PKI_HELP_4,
            "",
            "Exit codes: 0 listed, 1 server unreachable, 2 bad input, untrusted certificate",
            "or refused login."
        })
final class OpcUaBrowseCommand implements Callable<Integer> {
    @Mixin
    OpcUaConnectionOptions conn = new OpcUaConnectionOptions();

    @Option(
            names = "--start",
            paramLabel = "NODE",
            description = {
                "a NodeId such as ns=2;s=Meter, or a browse path",
                "such as Objects/2:Meter (default: Objects)"
            })
    String start;

    @Option(
            names = "--depth",
            defaultValue = "3",
            paramLabel = "N",
            description = "levels to descend (default: ${DEFAULT-VALUE})")
    int depth;

    @Option(
            names = "--max",
            defaultValue = "2000",
            paramLabel = "N",
            description = "at most N nodes (default: ${DEFAULT-VALUE})")
    int max;

    @Option(
            names = "--all",
            description = "from Objects, also list the standard nodes of namespace 0 (Server, "
                    + "Aliases, ...), hidden by default")
    boolean all;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (depth < 1 || depth > 20) {
            throw new UserError("--depth: expected 1 to 20, found " + depth);
        }
        if (max < 1) {
            throw new UserError("--max: expected at least 1, found " + max);
        }
        PrintWriter out = spec.commandLine().getOut();
        return conn.withConnection(c -> {
            List<OpcUaConnection.BrowsedNode> nodes;
            try {
                nodes = c.browse(start, depth, max);
            } catch (UaException e) {
                if (e.getStatusCode().getValue() == StatusCodes.Bad_NoMatch
                        || e.getStatusCode().getValue() == StatusCodes.Bad_NodeIdUnknown) {
                    throw new UserError("--start: "
                            + (e.getMessage() == null ? "'" + start + "' matches no node" : e.getMessage()));
                }
                throw e;
            }
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"NODE ID", "CLASS", "TYPE", "VALUE", "BROWSE PATH"});
            for (OpcUaConnection.BrowsedNode n : treeOrder(nodes)) {
                if (!all && start == null && n.nodeId().startsWith("i=")) {
                    continue; // the standard's own nodes, never a meter's
                }
                String value = n.value();
                if (!n.status().isEmpty() && !n.status().equals("Good")) {
                    value = value.isEmpty() ? n.status() : value + " (" + n.status() + ")";
                }
                String indent = "  ".repeat(Math.max(0, n.depth() - 1));
                rows.add(new String[] {
                    indent + n.nodeId(),
                    n.nodeClass(),
                    n.dataType(),
                    value,
                    n.browsePath() == null ? n.browseName() : n.browsePath()
                });
            }
            OpcUaCommand.table(out, rows);
            int listed = rows.size() - 1;
            out.println(listed + (listed == 1 ? " node" : " nodes")
                    + (nodes.size() >= max ? " (stopped at --max " + max + ")" : "")
                    + "; write a Variable into an opcua source as node: NODE ID or browse_path: "
                    + "BROWSE PATH");
            return 0;
        });
    }

    /**
     * Browsing is breadth first; a listing reads better depth first, each node followed by its children. Nodes
     * are placed by browse path (absent when browsing from a NodeId: then the server's order is kept).
     */
    static List<OpcUaConnection.BrowsedNode> treeOrder(List<OpcUaConnection.BrowsedNode> nodes) {
        if (nodes.stream().anyMatch(n -> n.browsePath() == null)) {
            return nodes;
        }
        java.util.Map<String, List<OpcUaConnection.BrowsedNode>> children = new java.util.LinkedHashMap<>();
        java.util.Set<String> paths = new java.util.HashSet<>();
        nodes.forEach(n -> paths.add(n.browsePath()));
        List<OpcUaConnection.BrowsedNode> roots = new ArrayList<>();
        for (OpcUaConnection.BrowsedNode n : nodes) {
            String parent = n.browsePath().contains("/")
                    ? n.browsePath().substring(0, n.browsePath().lastIndexOf('/'))
                    : "";
            if (paths.contains(parent)) {
                children.computeIfAbsent(parent, k -> new ArrayList<>()).add(n);
            } else {
                roots.add(n);
            }
        }
        List<OpcUaConnection.BrowsedNode> out = new ArrayList<>();
        java.util.Deque<OpcUaConnection.BrowsedNode> stack = new java.util.ArrayDeque<>();
        for (int i = roots.size() - 1; i >= 0; i--) {
            stack.push(roots.get(i));
        }
        while (!stack.isEmpty()) {
            OpcUaConnection.BrowsedNode n = stack.pop();
            out.add(n);
            List<OpcUaConnection.BrowsedNode> kids = children.getOrDefault(n.browsePath(), List.of());
            for (int i = kids.size() - 1; i >= 0; i--) {
                stack.push(kids.get(i));
            }
        }
        return out.size() == nodes.size() ? out : nodes;
    }
}

package io.wattguard.cli;

import io.wattguard.meters.opcua.OpcUaConnection;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.eclipse.milo.opcua.stack.core.AttributeId;
import org.eclipse.milo.opcua.stack.core.OpcUaDataType;
import org.eclipse.milo.opcua.stack.core.UaException;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.DateTime;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.QualifiedName;
import org.eclipse.milo.opcua.stack.core.types.enumerated.TimestampsToReturn;
import org.eclipse.milo.opcua.stack.core.types.structured.ReadValueId;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code wattguard opcua read}: current values with status and timestamps, read as the daemon reads them. */
@Command(
        name = "read",
        mixinStandardHelpOptions = true,
        description = {
            "Read the current value of OPC UA nodes.",
            "",
            "Each with its value, data type, status, source time and server time."
        },
        footer = {
            "",
            "Examples:",
            "  wattguard opcua read --endpoint opc.tcp://127.0.0.1:4840 \\",
            "      --node 'ns=2;s=Meter.L1.power_w'",
            "  wattguard opcua read --endpoint opc.tcp://10.0.4.20:4840/meter \\",
            "      --security-policy basic256sha256 \\",
            "      --user wattguard --password-file /etc/wattguard/meter.password \\",
            "      --node 'ns=2;s=Meter.L1.power_w' --node Objects/2:Meter/2:Total/2:EnergyWh",
            "",
            OpcUaCommand.PKI_HELP_1,
            OpcUaCommand.PKI_HELP_2,
            OpcUaCommand.PKI_HELP_3,
            OpcUaCommand.PKI_HELP_4,
            "",
            "Exit codes: 0 read (even when a value's status is Bad), 1 server unreachable,",
            "2 bad input, untrusted certificate or refused login."
        })
final class OpcUaReadCommand implements Callable<Integer> {
    @Mixin
    OpcUaConnectionOptions conn = new OpcUaConnectionOptions();

    @Option(
            names = "--node",
            required = true,
            paramLabel = "NODE",
            description = {
                "a NodeId such as ns=2;s=Meter.L1.power_w or",
                "i=2258, or a browse path such as",
                "Objects/2:Meter/2:L1/2:power_w; repeat for more"
            })
    List<String> nodes;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        return conn.withConnection(c -> {
            List<NodeId> ids = resolve(c);
            List<ReadValueId> reads = new ArrayList<>();
            for (NodeId id : ids) {
                reads.add(new ReadValueId(id, AttributeId.Value.uid(), null, QualifiedName.NULL_VALUE));
                reads.add(new ReadValueId(id, AttributeId.DataType.uid(), null, QualifiedName.NULL_VALUE));
            }
            DataValue[] results =
                    c.client().read(0.0, TimestampsToReturn.Both, reads).getResults();
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"NODE", "VALUE", "TYPE", "STATUS", "SOURCE TIME", "SERVER TIME"});
            for (int i = 0; i < ids.size(); i++) {
                DataValue v = results[2 * i];
                DataValue t = results[2 * i + 1];
                // A Bad status means the value is not to be used, whatever the server put beside it.
                boolean bad = v.getStatusCode() != null && v.getStatusCode().isBad();
                Object value = bad || v.getValue() == null ? null : v.getValue().getValue();
                rows.add(new String[] {
                    nodes.get(i),
                    value == null ? "" : text(value),
                    typeName(t),
                    OpcUaCommand.statusName(v.getStatusCode()),
                    time(v.getSourceTime()),
                    time(v.getServerTime())
                });
            }
            OpcUaCommand.table(out, rows);
            return 0;
        });
    }

    private List<NodeId> resolve(OpcUaConnection c) throws UaException {
        List<NodeId> out = new ArrayList<>();
        for (String n : nodes) {
            NodeId id = io.wattguard.meters.opcua.NodeRefs.parseNodeId(n);
            if (id == null) {
                if (!n.contains("/")) {
                    throw new UserError("--node: expected a NodeId such as ns=2;s=Meter.L1.power_w or i=2258, or a "
                            + "browse path such as Objects/2:Meter/2:L1/2:power_w, found '" + n + "'");
                }
                id = c.translate(List.of(n)).get(0);
                if (id == null) {
                    throw new UserError("--node: browse path '" + n + "' matches no node on " + conn.endpoint
                            + " (list what is there with 'wattguard opcua browse')");
                }
            }
            out.add(id);
        }
        return out;
    }

    private static String typeName(DataValue t) {
        Object o = t.getValue() == null ? null : t.getValue().getValue();
        if (o instanceof NodeId id) {
            OpcUaDataType builtin = OpcUaDataType.isBuiltin(id) ? OpcUaDataType.fromNodeId(id) : null;
            return builtin != null ? builtin.name() : id.toParseableString();
        }
        return "";
    }

    private static String time(DateTime t) {
        return t == null || t.isNull()
                ? ""
                : Instant.ofEpochMilli(t.getJavaTime()).toString();
    }

    private static String text(Object o) {
        if (o instanceof DateTime d) {
            return time(d);
        }
        if (o instanceof org.eclipse.milo.opcua.stack.core.types.builtin.ExtensionObject x) {
            return "structure (encoding " + x.getEncodingOrTypeId().toParseableString() + ")";
        }
        return o.getClass().isArray() ? java.util.Arrays.deepToString(new Object[] {o}) : String.valueOf(o);
    }
}

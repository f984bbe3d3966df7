package io.wattguard.simulator.opcua;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.milo.opcua.sdk.core.AccessLevel;
import org.eclipse.milo.opcua.sdk.core.Reference;
import org.eclipse.milo.opcua.sdk.server.ManagedNamespaceWithLifecycle;
import org.eclipse.milo.opcua.sdk.server.OpcUaServer;
import org.eclipse.milo.opcua.sdk.server.items.DataItem;
import org.eclipse.milo.opcua.sdk.server.items.MonitoredItem;
import org.eclipse.milo.opcua.sdk.server.nodes.UaFolderNode;
import org.eclipse.milo.opcua.sdk.server.nodes.UaVariableNode;
import org.eclipse.milo.opcua.sdk.server.util.SubscriptionModel;
import org.eclipse.milo.opcua.stack.core.NodeIds;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.LocalizedText;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;

/** Objects/Meter/&lt;channel&gt;/&lt;field&gt;: one folder per channel, one Double variable per field. */
final class MeterNamespace extends ManagedNamespaceWithLifecycle {
    static final String URI = "urn:wattguard:simulator:opcua-meter";

    private final SubscriptionModel subscriptions;
    private final List<String> channels;
    private final List<String> fields;
    private final Map<String, UaVariableNode> variables = new LinkedHashMap<>();

    MeterNamespace(OpcUaServer server, List<String> channels, List<String> fields) {
        super(server, URI);
        this.channels = channels;
        this.fields = fields;
        subscriptions = new SubscriptionModel(server, this);
        getLifecycleManager().addLifecycle(subscriptions);
        getLifecycleManager().addStartupTask(this::addNodes);
    }

    static String key(String channel, String field) {
        return channel + "." + field;
    }

    NodeId nodeId(String channel, String field) {
        return newNodeId("Meter." + key(channel, field));
    }

    Map<String, UaVariableNode> variables() {
        return variables;
    }

    private void addNodes() {
        UaFolderNode meter = new UaFolderNode(
                getNodeContext(), newNodeId("Meter"), newQualifiedName("Meter"), LocalizedText.english("Meter"));
        getNodeManager().addNode(meter);
        meter.addReference(
                new Reference(meter.getNodeId(), NodeIds.Organizes, NodeIds.ObjectsFolder.expanded(), false));
        for (String channel : channels) {
            UaFolderNode folder = new UaFolderNode(
                    getNodeContext(),
                    newNodeId("Meter." + channel),
                    newQualifiedName(channel),
                    LocalizedText.english(channel));
            getNodeManager().addNode(folder);
            meter.addOrganizes(folder);
            for (String field : fields) {
                UaVariableNode v = new UaVariableNode.UaVariableNodeBuilder(getNodeContext())
                        .setNodeId(nodeId(channel, field))
                        .setBrowseName(newQualifiedName(field))
                        .setDisplayName(LocalizedText.english(field))
                        .setDataType(NodeIds.Double)
                        .setTypeDefinition(NodeIds.BaseDataVariableType)
                        .setAccessLevel(AccessLevel.CurrentRead)
                        .setUserAccessLevel(AccessLevel.CurrentRead)
                        .setMinimumSamplingInterval(0.0)
                        .setValue(new DataValue(org.eclipse.milo.opcua.stack.core.types.builtin.Variant.NULL_VALUE))
                        .build();
                getNodeManager().addNode(v);
                folder.addOrganizes(v);
                variables.put(key(channel, field), v);
            }
        }
    }

    @Override
    public void onDataItemsCreated(List<DataItem> items) {
        subscriptions.onDataItemsCreated(items);
    }

    @Override
    public void onDataItemsModified(List<DataItem> items) {
        subscriptions.onDataItemsModified(items);
    }

    @Override
    public void onDataItemsDeleted(List<DataItem> items) {
        subscriptions.onDataItemsDeleted(items);
    }

    @Override
    public void onMonitoringModeChanged(List<MonitoredItem> items) {
        subscriptions.onMonitoringModeChanged(items);
    }
}

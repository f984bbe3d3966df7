package io.wattguard.meters.opcua;

import java.util.ArrayList;
import java.util.List;
import org.eclipse.milo.opcua.sdk.client.OpcUaClient;
import org.eclipse.milo.opcua.stack.core.AttributeId;
import org.eclipse.milo.opcua.stack.core.StatusCodes;
import org.eclipse.milo.opcua.stack.core.UaException;
import org.eclipse.milo.opcua.stack.core.types.builtin.DataValue;
import org.eclipse.milo.opcua.stack.core.types.builtin.NodeId;
import org.eclipse.milo.opcua.stack.core.types.builtin.QualifiedName;
import org.eclipse.milo.opcua.stack.core.types.enumerated.TimestampsToReturn;
import org.eclipse.milo.opcua.stack.core.types.structured.ReadValueId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads many values in as few Read requests as the server allows. The batch size starts at the smallest of the
 * configured maximum and the server's advertised MaxNodesPerRead; a server that answers
 * {@code BadTooManyOperations} anyway (many do not advertise their limit) gets half as many nodes per request
 * until it accepts, and that size is kept for the rest of the session.
 */
final class ReadSplitter {
    private static final Logger log = LoggerFactory.getLogger(ReadSplitter.class);

    private final String device;
    private final int configured;
    private volatile int batch;

    ReadSplitter(String device, int configuredMax) {
        this.device = device;
        this.configured = configuredMax;
        this.batch = configuredMax;
    }

    /** Applies the server's MaxNodesPerRead (0 or absent: no limit) at the start of a session. */
    void serverLimit(long maxNodesPerRead) {
        int limit = configured;
        if (maxNodesPerRead > 0 && maxNodesPerRead < Integer.MAX_VALUE) {
            limit = limit == 0 ? (int) maxNodesPerRead : Math.min(limit, (int) maxNodesPerRead);
        }
        batch = limit;
    }

    /** The current nodes per Read request; 0 means all in one. */
    int batchSize() {
        return batch;
    }

    /** The Value attribute of each node. */
    List<DataValue> read(OpcUaClient client, List<NodeId> nodes) throws UaException {
        List<ReadValueId> ids = new ArrayList<>(nodes.size());
        for (NodeId n : nodes) {
            ids.add(new ReadValueId(n, AttributeId.Value.uid(), null, QualifiedName.NULL_VALUE));
        }
        return readAttributes(client, ids);
    }

    /** Any attributes, in order, one DataValue per ReadValueId. */
    List<DataValue> readAttributes(OpcUaClient client, List<ReadValueId> nodes) throws UaException {
        List<DataValue> out = new ArrayList<>(nodes.size());
        int at = 0;
        while (at < nodes.size()) {
            int size = batch <= 0 ? nodes.size() - at : Math.min(batch, nodes.size() - at);
            List<ReadValueId> chunk = nodes.subList(at, at + size);
            try {
                DataValue[] results =
                        client.read(0.0, TimestampsToReturn.Both, chunk).getResults();
                if (results == null || results.length != size) {
                    throw new UaException(
                            StatusCodes.Bad_UnexpectedError,
                            "the server answered a Read of " + size + " nodes with "
                                    + (results == null ? 0 : results.length) + " results");
                }
                out.addAll(List.of(results));
                at += size;
            } catch (UaException e) {
                if (e.getStatusCode().getValue() != StatusCodes.Bad_TooManyOperations || size == 1) {
                    throw e;
                }
                int smaller = Math.max(1, size / 2);
                log.info(
                        "OPC UA device {}: the server refused {} nodes in one Read (BadTooManyOperations); "
                                + "reading {} at a time from now on",
                        device,
                        size,
                        smaller);
                batch = smaller;
            }
        }
        return out;
    }
}

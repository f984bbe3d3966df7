package io.wattguard.meters.opcua;

import io.wattguard.config.Section;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.Set;

/**
 * One OPC UA power meter (or PDU, or building management gateway) and the values wattguard takes from it.
 *
 * <pre>
 * name: room-a-main
 * endpoint: opc.tcp://10.0.4.20:4840/meter
 * security: {policy: basic256sha256, mode: signandencrypt}
 * identity: {type: username, user: meter, password_env: METER_PASSWORD}
 * mode: subscribe            # subscribe (default): monitored items; poll: a Read each collection
 * sampling_interval: 1s      # what the server samples at; also the subscription's publishing interval
 * queue_size: 1
 * deadband: 0.5              # optional absolute deadband, in the device's units (before scale)
 * items:
 *   - node: "ns=2;s=Meter.L1.power_w"                 # a NodeId ...
 *     channel: L1
 *     field: power_w
 *   - browse_path: "Objects/2:Meter/2:L1/2:energy_kwh" # ... or a browse path from the Root folder
 *     channel: L1
 *     field: energy_kwh
 *     scale: 0.001                                    # Wh on the wire, kWh stored
 *     kind: inlet                                     # outlet, inlet, branch, meter (default meter)
 *     counter: true                                   # cumulative: restarts and resets never step the series
 *                                                     # back (default: true for energy_* fields)
 * </pre>
 *
 * Browse path segments are {@code nsIndex:BrowseName} ({@code BrowseName} alone means namespace 0) and follow
 * hierarchical references; they are translated to NodeIds once per session.
 */
public record OpcUaMeterConfig(
        String device,
        OpcUaEndpointConfig endpoint,
        Acquisition mode,
        Duration samplingInterval,
        int queueSize,
        OptionalDouble deadband,
        int maxNodesPerRead,
        List<Item> items) {

    public enum Acquisition {
        Subscribe,
        Poll
    }

    /** The meter kinds of the {@code meter} measurement (DESIGN.md section 3). */
    public static final Set<String> KINDS = Set.of("outlet", "inlet", "branch", "meter");

    /**
     * One value: where it is on the server ({@code nodeId} or {@code browsePath}, exactly one is set) and what
     * it is in the {@code meter} measurement. A {@code counter} (cumulative energy) is stored as a series that
     * only grows, through the same {@link io.wattguard.meters.EnergyCounter} as a Modbus counter register.
     */
    public record Item(
            String nodeId,
            String browsePath,
            String channel,
            String kind,
            String field,
            double scale,
            boolean counter) {
        /** As the config reads it when {@code counter} is not given: {@code energy_*} fields are counters. */
        public Item(String nodeId, String browsePath, String channel, String kind, String field, double scale) {
            this(nodeId, browsePath, channel, kind, field, scale, isCounterByName(field));
        }

        /** The default of {@code counter}, the same rule as for Modbus registers. */
        public static boolean isCounterByName(String field) {
            return field != null && field.startsWith("energy");
        }

        public Item {
            if ((nodeId == null) == (browsePath == null)) {
                throw new IllegalArgumentException("exactly one of nodeId and browsePath is required");
            }
            Objects.requireNonNull(channel, "channel");
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(field, "field");
        }

        public static Item node(String nodeId, String channel, String field) {
            return new Item(nodeId, null, channel, "meter", field, 1.0);
        }

        public static Item path(String browsePath, String channel, String field) {
            return new Item(null, browsePath, channel, "meter", field, 1.0);
        }

        /** Where the value is, as the operator wrote it (for log lines). */
        public String where() {
            return nodeId != null ? nodeId : browsePath;
        }
    }

    public OpcUaMeterConfig {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(endpoint, "endpoint");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(samplingInterval, "samplingInterval");
        Objects.requireNonNull(deadband, "deadband");
        items = List.copyOf(items);
    }

    /** Subscription defaults (1 s, queue 1, no deadband), for tests, the demo and benchmarks. */
    public static OpcUaMeterConfig of(String device, OpcUaEndpointConfig endpoint, List<Item> items) {
        return new OpcUaMeterConfig(
                device, endpoint, Acquisition.Subscribe, Duration.ofSeconds(1), 1, OptionalDouble.empty(), 0, items);
    }

    public OpcUaMeterConfig withMode(Acquisition m) {
        return new OpcUaMeterConfig(device, endpoint, m, samplingInterval, queueSize, deadband, maxNodesPerRead, items);
    }

    public OpcUaMeterConfig withSamplingInterval(Duration d) {
        return new OpcUaMeterConfig(device, endpoint, mode, d, queueSize, deadband, maxNodesPerRead, items);
    }

    public OpcUaMeterConfig withDeadband(double absolute) {
        return new OpcUaMeterConfig(
                device,
                endpoint,
                mode,
                samplingInterval,
                queueSize,
                OptionalDouble.of(absolute),
                maxNodesPerRead,
                items);
    }

    public OpcUaMeterConfig withMaxNodesPerRead(int n) {
        return new OpcUaMeterConfig(device, endpoint, mode, samplingInterval, queueSize, deadband, n, items);
    }

    /**
     * Reads one device section and calls {@code finish()} on it and on every nested section. Returns null when
     * the device cannot be used; every problem is in the section's {@link io.wattguard.config.Problems}.
     */
    public static OpcUaMeterConfig read(Section s) {
        String device = s.requiredString("name", "the device name used as the 'device' tag");
        OpcUaEndpointConfig endpoint = OpcUaEndpointConfig.read(s);
        Acquisition mode = s.choice("mode", Acquisition.Subscribe, Acquisition.class);
        Duration sampling =
                s.duration("sampling_interval", Duration.ofSeconds(1), Duration.ofMillis(10), Duration.ofHours(1));
        int queue = (int) s.integer("queue_size", 1, 1, 10_000);
        OptionalDouble deadband = s.has("deadband")
                ? OptionalDouble.of(s.number("deadband", 0, 0, Double.MAX_VALUE))
                : OptionalDouble.empty();
        int maxPerRead = (int) s.integer("max_nodes_per_read", 0, 0, 1_000_000);
        List<Item> items = new ArrayList<>();
        List<Section> itemSections = s.sections("items");
        if (itemSections.isEmpty() && !s.has("items")) {
            s.error("items", "missing required key 'items' (the values to read: node or browse_path, channel, field)");
        }
        Set<String> seen = new HashSet<>();
        for (Section is : itemSections) {
            Item item = readItem(is);
            if (item != null && !seen.add(item.channel() + "/" + item.field())) {
                is.error(
                        "field",
                        "channel '" + item.channel() + "' already has a field '" + item.field() + "' on this device");
            } else if (item != null) {
                items.add(item);
            }
        }
        s.finish();
        if (device == null || endpoint == null || items.size() != itemSections.size() || items.isEmpty()) {
            return null;
        }
        return new OpcUaMeterConfig(device, endpoint, mode, sampling, queue, deadband, maxPerRead, items);
    }

    private static Item readItem(Section is) {
        String node = is.string("node", null);
        String path = is.string("browse_path", null);
        boolean ok = true;
        if ((node == null) == (path == null)) {
            is.error("set exactly one of 'node' (a NodeId such as ns=2;s=Meter.L1.power_w) and 'browse_path' "
                    + "(such as Objects/2:Meter/2:L1/2:power_w)");
            ok = false;
        } else if (node != null && NodeRefs.parseNodeId(node) == null) {
            is.error("node", "expected a NodeId such as ns=2;s=Meter.L1.power_w or i=2258, found '" + node + "'");
            ok = false;
        } else if (path != null) {
            String why = NodeRefs.checkBrowsePath(path);
            if (why != null) {
                is.error("browse_path", why);
                ok = false;
            }
        }
        String channel = is.string("channel", "total");
        String kind = is.string("kind", "meter");
        if (!KINDS.contains(kind)) {
            is.error(
                    "kind",
                    "expected one of outlet, inlet, branch, meter, found '" + kind + "'"
                            + Section.didYouMean(kind, KINDS));
            ok = false;
        }
        String field = is.requiredString("field", "the field name, such as power_w or energy_kwh");
        double scale = is.number("scale", 1.0, -1e12, 1e12);
        boolean counter = is.bool("counter", Item.isCounterByName(field));
        is.finish();
        return ok && field != null ? new Item(node, path, channel, kind, field, scale, counter) : null;
    }
}

package io.wattguard.source.modbus;

import io.wattguard.config.Problems;
import io.wattguard.config.Section;
import io.wattguard.core.SourceFactory;
import io.wattguard.core.SourceSpec;
import io.wattguard.core.Topology;
import io.wattguard.meters.modbus.ModbusDeviceConfig;
import io.wattguard.meters.modbus.RegisterDef;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code type: modbus}: PDUs and meters polled over Modbus TCP, RTU over TCP or a serial line. The device keys
 * (transport, unit, profile, registers, timeouts) are the meters module's ({@link ModbusDeviceConfig}); this
 * factory adds where each device is: {@code rack}, {@code room}, and {@code feeds}, the host each channel
 * (outlet) powers. Places are checked against the topology: a rack, room or host the topology does not
 * declare is an error, because a mistyped host would silently leave its outlet out of the rack energy balance
 * and the host's evidence. A topology that declares no hosts (or no racks, or no rooms) checks nothing of that
 * kind: the names are then taken as given.
 */
public final class ModbusFactory implements SourceFactory {
    static final int DEFAULT_CONCURRENCY = 16;

    /** Where a device is and what its channels feed. */
    record Placement(String rack, String room, Map<String, String> feeds) {}

    /** A device ready to poll. */
    record Device(ModbusDeviceConfig config, Placement placement) {}

    @Override
    public String type() {
        return "modbus";
    }

    @Override
    public String description() {
        return "PDUs and power meters over Modbus TCP, RTU over TCP or serial, by shipped profile or register map";
    }

    @Override
    public SourceSpec read(SourceSpec.Common common, Section section, Topology topology) {
        Problems problems = section.problems();
        Map<String, Section> sections = new LinkedHashMap<>();
        Map<String, Placement> placements = new LinkedHashMap<>();
        List<ModbusDeviceConfig> configs = ModbusDeviceConfig.readAll(section, "devices", problems, s -> {
            Placement p = readPlacement(s, topology);
            String name = s.string("name", null);
            if (name != null && !sections.containsKey(name)) {
                sections.put(name, s);
                placements.put(name, p);
            }
        });
        var list = section.node().map().get("devices");
        if (list == null || list.kind() == io.wattguard.config.ConfigNode.Kind.NULL
                || list.kind() == io.wattguard.config.ConfigNode.Kind.LIST && list.list().isEmpty()) {
            section.error("devices", "a modbus source needs at least one entry under 'devices' (name, host, unit, "
                    + "profile or registers)");
        }
        int concurrency = (int) section.integer("concurrency", Math.max(1, Math.min(DEFAULT_CONCURRENCY,
                configs.size())), 1, 1024);
        List<Device> devices = new ArrayList<>();
        for (ModbusDeviceConfig c : configs) {
            Placement p = placements.get(c.name());
            checkChannels(sections.get(c.name()), c, p);
            devices.add(new Device(c, p));
        }
        return new SourceSpec() {
            @Override
            public Common common() {
                return common;
            }

            @Override
            public ModbusSource create(Context ctx) {
                return new ModbusSource(common, List.copyOf(devices), concurrency, ctx.clock());
            }
        };
    }

    private static Placement readPlacement(Section s, Topology topology) {
        String rack = s.string("rack", null);
        String room = s.string("room", null);
        if (rack != null && !topology.racks().isEmpty()) {
            Topology.Rack r = topology.racks().get(rack);
            if (r == null) {
                s.error("rack", "rack '" + rack + "' is not in the topology" + Section.didYouMean(rack,
                        sorted(topology.racks().keySet())) + "; racks: " + names(sorted(topology.racks().keySet())));
            } else if (room != null && r.room() != null && !room.equals(r.room())) {
                s.error("room", "the topology puts rack '" + rack + "' in room '" + r.room() + "', not '" + room
                        + "' (leave room out: it follows from the rack)");
            }
        }
        if (room != null && !topology.rooms().isEmpty() && !topology.rooms().containsKey(room)) {
            s.error("room", "room '" + room + "' is not in the topology" + Section.didYouMean(room,
                    sorted(topology.rooms().keySet())) + "; rooms: " + names(sorted(topology.rooms().keySet())));
        }
        if (room == null && rack != null && topology.racks().get(rack) != null) {
            room = topology.racks().get(rack).room();
        }
        Map<String, String> feeds = new LinkedHashMap<>();
        if (s.has("feeds")) {
            Section f = s.section("feeds");
            for (String channel : f.keys()) {
                String host = f.string(channel, null);
                if (host == null || host.isBlank()) {
                    continue;
                }
                if (!topology.hosts().isEmpty() && !topology.hosts().containsKey(host)) {
                    f.error(channel, "host '" + host + "' is not in the topology" + Section.didYouMean(host,
                            sorted(topology.hosts().keySet())) + "; declare it under topology (rooms[].racks[].hosts) or "
                            + "fix the name");
                    continue;
                }
                feeds.put(channel, host);
            }
            f.finish();
        }
        return new Placement(rack, room, Map.copyOf(feeds));
    }

    /** Every channel in {@code feeds} must be one the device's map reads, or the mapping would never apply. */
    private static void checkChannels(Section s, ModbusDeviceConfig c, Placement p) {
        if (s == null || p.feeds().isEmpty()) {
            return;
        }
        Set<String> channels = new LinkedHashSet<>();
        for (RegisterDef r : c.map().registers()) {
            channels.add(r.channel());
        }
        Section f = s.section("feeds");
        for (String channel : p.feeds().keySet()) {
            if (!channels.contains(channel)) {
                // Outlet numbers are all one edit apart: a did-you-mean among them would only mislead.
                String hint = channel.matches("\\d+") ? "" : Section.didYouMean(channel, channels);
                f.error(channel, "device " + c.name() + " has no channel '" + channel + "'" + hint
                        + "; its map reads channels " + names(channels));
            }
        }
    }

    /** The topology's maps have no stable order; messages must not change from run to run. */
    private static java.util.SortedSet<String> sorted(java.util.Collection<String> names) {
        return new java.util.TreeSet<>(names);
    }

    /** A list of names for a message, cut after a dozen: a room poller's map can have hundreds. */
    static String names(java.util.Collection<String> all) {
        List<String> l = new ArrayList<>(all);
        if (l.size() <= 12) {
            return String.join(", ", l);
        }
        return String.join(", ", l.subList(0, 10)) + ", ... " + l.get(l.size() - 1) + " (" + l.size() + " in all)";
    }
}

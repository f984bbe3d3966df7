package io.wattguard.source.modbus;

import io.wattguard.config.Problems;
import io.wattguard.config.Section;
import io.wattguard.core.SourceFactory;
import io.wattguard.core.SourceSpec;
import io.wattguard.core.Topology;
import io.wattguard.source.meter.MeterPlace;
import io.wattguard.meters.modbus.ModbusDeviceConfig;
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

    /** A device ready to poll, and where it is. */
    record Device(ModbusDeviceConfig config, MeterPlace placement) {}

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
        Map<String, MeterPlace> placements = new LinkedHashMap<>();
        List<ModbusDeviceConfig> configs = ModbusDeviceConfig.readAll(section, "devices", problems, s -> {
            MeterPlace p = MeterPlace.read(s, topology);
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
            MeterPlace p = placements.get(c.name());
            Set<String> channels = new LinkedHashSet<>();
            c.map().registers().forEach(r -> channels.add(r.channel()));
            if (sections.get(c.name()) != null) {
                p.checkChannels(sections.get(c.name()), c.name(), channels);
            }
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
}

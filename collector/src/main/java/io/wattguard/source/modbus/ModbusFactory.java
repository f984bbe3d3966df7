package io.wattguard.source.modbus;

import io.wattguard.config.Durations;
import io.wattguard.config.Problems;
import io.wattguard.config.Section;
import io.wattguard.core.SourceFactory;
import io.wattguard.core.SourceSpec;
import io.wattguard.core.Topology;
import io.wattguard.meters.modbus.ModbusDeviceConfig;
import io.wattguard.source.meter.MeterPlace;
import java.time.Duration;
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
 *
 * <p>{@code spread} (a share of the interval, {@code 50%} by default, {@code 0} to start every device at the
 * tick) spreads the devices' poll starts over the interval; see {@link ModbusSource}.
 */
public final class ModbusFactory implements SourceFactory {
    static final int DEFAULT_CONCURRENCY = 16;
    /** Half the interval: the last device still starts half an interval before the next tick. */
    static final double DEFAULT_SPREAD = 0.5;
    /**
     * The last device must start within this share of the source's timeout. The source stops waiting for its
     * devices when a fifth of the timeout is left (at 80%); starting by 60% leaves the last device a fifth of
     * the timeout to answer, as much as the source keeps for turning answers into points.
     */
    static final double LAST_START_OF_TIMEOUT = 0.6;

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
        if (list == null
                || list.kind() == io.wattguard.config.ConfigNode.Kind.NULL
                || list.kind() == io.wattguard.config.ConfigNode.Kind.LIST
                        && list.list().isEmpty()) {
            section.error(
                    "devices",
                    "a modbus source needs at least one entry under 'devices' (name, host, unit, "
                            + "profile or registers)");
        }
        int concurrency = (int)
                section.integer("concurrency", Math.max(1, Math.min(DEFAULT_CONCURRENCY, configs.size())), 1, 1024);
        double spread = spread(section, common);
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
        return SourceSpec.of(
                common, ctx -> new ModbusSource(common, List.copyOf(devices), concurrency, spread, ctx.clock()));
    }

    /**
     * {@code spread}: a share of the interval written as a percentage ({@code 50%}), or {@code 0}. A bare number
     * such as {@code 50} or {@code 0.5} is refused rather than guessed at. Unset, it is 50% of the interval, less
     * where the source's timeout is short, so a configuration that was valid without it stays valid.
     */
    static double spread(Section section, SourceSpec.Common common) {
        long intervalMs = common.interval().toMillis();
        long timeoutMs = common.timeout().toMillis();
        long lastStartMs = (long) Math.floor(timeoutMs * LAST_START_OF_TIMEOUT);
        String text = section.string("spread", null);
        if (text == null) {
            return Math.min(DEFAULT_SPREAD, (double) lastStartMs / intervalMs);
        }
        Double share = share(text.trim());
        if (share == null) {
            section.error(
                    "spread",
                    "expected a share of the interval from 0% to 100%, such as 50% (0 starts every "
                            + "device at the tick), found '" + text + "'");
            return 0;
        }
        long windowMs = Math.round(intervalMs * share);
        if (windowMs > lastStartMs) {
            section.error(
                    "spread",
                    text.trim() + " of the " + Durations.format(common.interval()) + " interval "
                            + "spreads the device polls over " + Durations.format(Duration.ofMillis(windowMs))
                            + " after the "
                            + "tick, but they must all start within " + Durations.format(Duration.ofMillis(lastStartMs))
                            + " (60% of the "
                            + "source's timeout, " + Durations.format(common.timeout())
                            + ") to answer before the source stops "
                            + "waiting; lower spread or raise timeout");
            return 0;
        }
        return share;
    }

    /** {@code 0}, {@code 0%} to {@code 100%} (decimals allowed) as 0 to 1; anything else null. */
    private static Double share(String text) {
        if (text.equals("0")) {
            return 0.0;
        }
        if (!text.endsWith("%")) {
            return null;
        }
        String number = text.substring(0, text.length() - 1).trim();
        if (!number.matches("[0-9]+(\\.[0-9]+)?")) {
            return null;
        }
        double pct = Double.parseDouble(number);
        return pct <= 100 ? pct / 100 : null;
    }
}

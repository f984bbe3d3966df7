package io.wattguard.source.opcua;

import io.wattguard.config.Section;
import io.wattguard.core.SourceFactory;
import io.wattguard.core.SourceSpec;
import io.wattguard.core.Topology;
import io.wattguard.meters.opcua.OpcUaEndpointConfig;
import io.wattguard.meters.opcua.OpcUaMeterConfig;
import io.wattguard.source.meter.MeterPlace;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code type: opcua}: one entry reads one or many OPC UA meters (a room poller), each with its own endpoint,
 * security, identity and items, and all sharing one client certificate and trust list ({@code pki_dir}).
 * Each device is read by {@code meters}' {@link io.wattguard.meters.opcua.OpcUaMeterConfig#read}, so a device
 * section here is the same map as the meters module's example, plus {@code rack}, {@code room} and
 * {@code feeds} (channel to the host it powers), read as for every meter source ({@link MeterPlace}).
 */
public final class OpcUaFactory implements SourceFactory {
    /**
     * Beside the spool's default folder ({@code /var/lib/wattguard/spool}): the service user owns it, and the
     * trust decisions an operator made survive upgrades. The field tools use the same default, so a server
     * trusted with {@code wattguard opcua browse} is trusted by the daemon too.
     */
    public static final String DEFAULT_PKI_DIR = "/var/lib/wattguard/pki";

    @Override
    public String type() {
        return "opcua";
    }

    @Override
    public String description() {
        return "OPC UA power meters and PDUs (subscriptions or polled reads, signed and encrypted sessions)";
    }

    @Override
    public SourceSpec read(SourceSpec.Common common, Section section, Topology topology) {
        Path pki = section.pathValue("pki_dir", DEFAULT_PKI_DIR);
        List<Section> list = section.sections("devices");
        if (list.isEmpty() && !section.has("devices")) {
            section.error(
                    "devices",
                    "missing required key 'devices' (the OPC UA meters this source reads, each "
                            + "with name, endpoint and items)");
        } else if (list.isEmpty()) {
            section.error("devices", "expected at least one device");
        }
        List<OpcUaDevice> devices = new ArrayList<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean complete = true;
        for (int i = 0; i < list.size(); i++) {
            Section ds = list.get(i);
            // Judged on the name as written, so a duplicate is reported even when the device has other problems.
            var nameNode = ds.node().map().get("name");
            if (nameNode != null && nameNode.kind() == io.wattguard.config.ConfigNode.Kind.SCALAR) {
                Integer first = seen.putIfAbsent(nameNode.text(), i);
                if (first != null) {
                    ds.error(
                            "name",
                            "device '" + nameNode.text() + "' is declared twice in this source (also at " + "devices["
                                    + first + "]): the device tag must tell meters apart");
                    complete = false;
                }
            }
            OpcUaDevice d = readDevice(ds, pki, topology);
            if (d == null) {
                complete = false;
            } else {
                devices.add(d);
            }
        }
        if (!complete || devices.isEmpty()) {
            return null;
        }
        List<OpcUaDevice> all = List.copyOf(devices);
        return SourceSpec.of(common, hostnameWarning(all), ctx -> new OpcUaSource(common, pki, all, ctx.clock()));
    }

    /**
     * For check-config: the devices that accept a trusted certificate issued for any host. Legitimate (a meter
     * reached through a NAT or by an address its certificate does not list) but weaker, so it is said.
     */
    static String hostnameWarning(List<OpcUaDevice> devices) {
        List<String> off = devices.stream()
                .filter(d -> !d.meter().endpoint().verifyHostname())
                .map(OpcUaDevice::name)
                .toList();
        if (off.isEmpty()) {
            return "";
        }
        return "WARNING: verify_hostname: false for " + MeterPlace.names(off) + ": a trusted server certificate "
                + "issued for another host is accepted";
    }

    /** Reads the place keys first, so that the meter reader's {@code finish()} knows them; then the meter itself. */
    private static OpcUaDevice readDevice(Section d, Path pki, Topology topology) {
        MeterPlace place = MeterPlace.read(d, topology);
        boolean ok = true;
        if (d.has("pki_dir")) {
            d.error(
                    "pki_dir",
                    "set pki_dir once on the source, not per device: the devices of a source share one "
                            + "client certificate and trust list");
            ok = false;
        }
        OpcUaMeterConfig meter = OpcUaMeterConfig.read(d);
        if (meter == null) {
            return null;
        }
        Set<String> channels = new LinkedHashSet<>();
        meter.items().forEach(item -> channels.add(item.channel()));
        for (OpcUaMeterConfig.Item item : meter.items()) {
            if (item.field().endsWith(MeterPlace.UNCERTAIN_SUFFIX)) {
                d.error(
                        "items",
                        "field '" + item.field() + "': names ending in '" + MeterPlace.UNCERTAIN_SUFFIX
                                + "' are reserved: power_w" + MeterPlace.UNCERTAIN_SUFFIX + " marks a power_w value of "
                                + "Uncertain status");
                ok = false;
            }
        }
        ok &= place.checkChannels(d, meter.device(), channels);
        if (!ok) {
            return null;
        }
        OpcUaEndpointConfig shared = meter.endpoint().withPkiDir(pki);
        OpcUaMeterConfig placed = new OpcUaMeterConfig(
                meter.device(),
                shared,
                meter.mode(),
                meter.samplingInterval(),
                meter.queueSize(),
                meter.deadband(),
                meter.maxNodesPerRead(),
                meter.items());
        return new OpcUaDevice(placed, place);
    }
}

package io.wattguard.core;

import io.wattguard.config.Section;
import io.wattguard.store.Schema;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The site as the operator declared it: rooms hold racks, racks hold hosts. Adds the topology tags
 * ({@code site}, {@code room}, {@code rack}) to every sample whose host, rack or room is known, so dashboards
 * and the detectors can group by place without every source knowing the floor plan.
 */
public final class Topology {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]*");

    public record Rack(String name, String room, double nameplateW) {}

    public record Host(String name, String rack, String room, String model, double nameplateW) {}

    private final String site;
    private final Map<String, Host> hosts;
    private final Map<String, Rack> racks;
    private final Map<String, String> rooms;
    /** Precomputed default tags per host, rack and room: enrichment runs for every sample. */
    private final Map<String, Map<String, String>> byHost = new HashMap<>();

    private final Map<String, Map<String, String>> byRack = new HashMap<>();
    private final Map<String, Map<String, String>> byRoom = new HashMap<>();

    public Topology(String site, Map<String, String> rooms, Map<String, Rack> racks, Map<String, Host> hosts) {
        this.site = site;
        this.rooms = Map.copyOf(rooms);
        this.racks = Map.copyOf(racks);
        this.hosts = Map.copyOf(hosts);
        for (String room : rooms.keySet()) {
            byRoom.put(room, tags(site, room, null, null));
        }
        racks.values().forEach(r -> byRack.put(r.name(), tags(site, r.room(), r.name(), null)));
        hosts.values().forEach(h -> byHost.put(h.name(), tags(site, h.room(), h.rack(), null)));
    }

    public static Topology empty() {
        return new Topology(null, Map.of(), Map.of(), Map.of());
    }

    private static Map<String, String> tags(String site, String room, String rack, String host) {
        Map<String, String> t = new TreeMap<>();
        if (site != null) {
            t.put(Schema.SITE, site);
        }
        if (room != null) {
            t.put(Schema.ROOM, room);
        }
        if (rack != null) {
            t.put(Schema.RACK, rack);
        }
        if (host != null) {
            t.put(Schema.HOST, host);
        }
        return Map.copyOf(t);
    }

    public Sample enrich(Sample s) {
        Map<String, String> extra = null;
        String host = s.tag(Schema.HOST);
        if (host != null) {
            extra = byHost.get(host);
        }
        if (extra == null && s.tag(Schema.RACK) != null) {
            extra = byRack.get(s.tag(Schema.RACK));
        }
        if (extra == null && s.tag(Schema.ROOM) != null) {
            extra = byRoom.get(s.tag(Schema.ROOM));
        }
        if (extra == null) {
            return site == null || s.tag(Schema.SITE) != null ? s : s.withDefaultTags(Map.of(Schema.SITE, site));
        }
        return s.withDefaultTags(extra);
    }

    public String site() {
        return site;
    }

    public Map<String, Host> hosts() {
        return hosts;
    }

    public Map<String, Rack> racks() {
        return racks;
    }

    public Map<String, String> rooms() {
        return rooms;
    }

    /** Reads the {@code topology:} section; every problem is reported. */
    public static Topology read(Section s) {
        String site = s.string("site", null);
        Map<String, String> rooms = new LinkedHashMap<>();
        Map<String, Rack> racks = new LinkedHashMap<>();
        Map<String, Host> hosts = new LinkedHashMap<>();
        for (Section room : s.sections("rooms")) {
            String roomName = name(room, "room");
            if (roomName != null && rooms.put(roomName, roomName) != null) {
                room.error("name", "room '" + roomName + "' is declared twice");
            }
            for (Section rack : room.sections("racks")) {
                String rackName = name(rack, "rack");
                double rackW = rack.number("nameplate_w", 0, 0, 1e7);
                if (rackName != null && racks.put(rackName, new Rack(rackName, roomName, rackW)) != null) {
                    rack.error("name", "rack '" + rackName + "' is declared twice");
                }
                for (Section host : rack.sections("hosts")) {
                    String hostName = name(host, "host");
                    String model = host.string("model", null);
                    double hostW = host.number("nameplate_w", 0, 0, 1e6);
                    host.finish();
                    if (hostName != null
                            && hosts.put(hostName, new Host(hostName, rackName, roomName, model, hostW)) != null) {
                        host.error("name", "host '" + hostName + "' is declared twice");
                    }
                }
                rack.finish();
            }
            room.finish();
        }
        s.finish();
        return new Topology(site, rooms, racks, hosts);
    }

    private static String name(Section s, String what) {
        String n = s.requiredString("name", "the " + what + "'s name");
        if (n != null && !NAME.matcher(n).matches()) {
            s.error("name", "expected a " + what + " name of letters, digits, '_', '.', ':' or '-', found '" + n + "'");
            return null;
        }
        return n;
    }

    /** Hosts of a rack, in declaration order. */
    public List<Host> hostsOf(String rack) {
        return hosts.values().stream().filter(h -> rack.equals(h.rack())).toList();
    }
}

package io.wattguard.source.meter;

import io.wattguard.config.Section;
import io.wattguard.core.Sample;
import io.wattguard.core.Topology;
import io.wattguard.meters.Reading;
import io.wattguard.store.Schema;
import io.wattguard.store.Schema.Meter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Where a PDU or power meter is on the floor, the same for every meter protocol: the {@code rack} and
 * {@code room} it measures and, under {@code feeds}, the host each channel powers (an outlet feeds one server).
 * These become the tags of its {@code meter} points, so a rack's energy balance can set the meter against its
 * hosts. Names are checked against the topology when it declares any: a mistyped host would silently drop
 * its outlet from the balance.
 */
public record MeterPlace(String rack, String room, Map<String, String> feeds) {
    /**
     * Appended to a field's name for the boolean field that marks that value as one the device itself called
     * Uncertain ({@code voltage_v_uncertain=true}). Per field, not per point: one doubtful value must not cast
     * doubt on the Good values measured beside it.
     */
    public static final String UNCERTAIN_SUFFIX = Meter.UNCERTAIN_SUFFIX;

    /** The flag field of {@code field}. */
    public static String uncertainField(String field) {
        return field + UNCERTAIN_SUFFIX;
    }

    public MeterPlace {
        feeds = Map.copyOf(feeds);
    }

    /** Reads {@code rack}, {@code room} and {@code feeds} of one device section. */
    public static MeterPlace read(Section s, Topology topology) {
        String rack = s.string("rack", null);
        String room = s.string("room", null);
        if (rack != null && !topology.racks().isEmpty()) {
            Topology.Rack r = topology.racks().get(rack);
            if (r == null) {
                s.error(
                        "rack",
                        "rack '" + rack + "' is not in the topology"
                                + Section.didYouMean(
                                        rack, sorted(topology.racks().keySet())) + "; racks: "
                                + names(sorted(topology.racks().keySet())));
            } else if (room != null && r.room() != null && !room.equals(r.room())) {
                s.error(
                        "room",
                        "the topology puts rack '" + rack + "' in room '" + r.room() + "', not '" + room
                                + "' (leave room out: it follows from the rack)");
            }
        }
        if (room != null && !topology.rooms().isEmpty() && !topology.rooms().containsKey(room)) {
            s.error(
                    "room",
                    "room '" + room + "' is not in the topology"
                            + Section.didYouMean(room, sorted(topology.rooms().keySet())) + "; rooms: "
                            + names(sorted(topology.rooms().keySet())));
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
                    f.error(
                            channel,
                            "host '" + host + "' is not in the topology"
                                    + Section.didYouMean(
                                            host, sorted(topology.hosts().keySet()))
                                    + "; declare it under topology (rooms[].racks[].hosts) or "
                                    + "fix the name");
                    continue;
                }
                feeds.put(channel, host);
            }
            f.finish();
        }
        return new MeterPlace(rack, room, feeds);
    }

    /**
     * Every channel under {@code feeds} must be one the device reads, or the mapping would never apply.
     * Returns false when one is not.
     */
    public boolean checkChannels(Section s, String device, Collection<String> channels) {
        boolean ok = true;
        Section f = s.section("feeds");
        for (String channel : feeds.keySet()) {
            if (!channels.contains(channel)) {
                f.error(
                        channel,
                        "device " + device + " has no channel '" + channel + "'" + closest(channel, channels)
                                + "; it reads channels " + names(channels));
                ok = false;
            }
        }
        return ok;
    }

    /**
     * Channel ids differ mostly in separators (outlet-3, outlet_3, Outlet3): those win. Plain outlet numbers
     * are all one edit apart, so a did-you-mean among them would only mislead.
     */
    static String closest(String channel, Collection<String> channels) {
        String bare = channel.replaceAll("[-_. ]", "").toLowerCase(java.util.Locale.ROOT);
        for (String c : channels) {
            if (c.replaceAll("[-_. ]", "").toLowerCase(java.util.Locale.ROOT).equals(bare)) {
                return " (did you mean '" + c + "'?)";
            }
        }
        return channel.matches("\\d+") ? "" : Section.didYouMean(channel, channels);
    }

    /**
     * Groups one device's readings into {@code meter} points, one per kind and channel, all stamped with the
     * poll's tick so every device of a room lines up. Each Uncertain value carries its own
     * {@code <field>_uncertain=true}; Good values carry no flag.
     */
    public Points points(String device, Map<String, String> sourceTags, long tickMs) {
        return new Points(device, sourceTags, tickMs);
    }

    /** The points of one device and poll, as they are being gathered. */
    public final class Points {
        private final String device;
        private final Map<String, String> sourceTags;
        private final long tickMs;
        private final Map<String, Sample.Builder> byChannel = new LinkedHashMap<>();

        private Points(String device, Map<String, String> sourceTags, long tickMs) {
            this.device = device;
            this.sourceTags = sourceTags;
            this.tickMs = tickMs;
        }

        private Sample.Builder builder(String kind, String channel) {
            return byChannel.computeIfAbsent(kind + "\u0000" + channel, k -> Sample.builder(Meter.NAME)
                    .time(tickMs)
                    .tags(sourceTags)
                    .tag(Meter.DEVICE, device)
                    .tag(Meter.CHANNEL, channel)
                    .tag(Meter.KIND, kind)
                    .tag(Schema.RACK, rack)
                    .tag(Schema.ROOM, room)
                    .tag(Schema.HOST, feeds.get(channel)));
        }

        public Points add(Reading r) {
            Sample.Builder b = builder(r.kind(), r.channel()).field(r.field(), r.value());
            if (r.uncertain()) {
                b.field(uncertainField(r.field()), true);
            }
            return this;
        }

        public Points add(Collection<Reading> readings) {
            readings.forEach(this::add);
            return this;
        }

        /** A text value (a Modbus string register: a model or serial number) joins its channel's point. */
        public Points addText(String kind, String channel, String field, String value) {
            builder(kind, channel).field(field, value);
            return this;
        }

        public List<Sample> build() {
            List<Sample> out = new ArrayList<>(byChannel.size());
            for (Sample.Builder b : byChannel.values()) {
                if (!b.hasFields()) {
                    continue; // every value was a not-available sentinel or overflowed its scale
                }
                out.add(b.build());
            }
            return out;
        }
    }

    /** The topology's maps have no stable order; messages must not change from run to run. */
    static SortedSet<String> sorted(Collection<String> names) {
        return new TreeSet<>(names);
    }

    /** A list of names for a message, cut after a dozen: a room poller's map can have hundreds. */
    public static String names(Collection<String> all) {
        List<String> l = new ArrayList<>(all);
        if (l.size() <= 12) {
            return String.join(", ", l);
        }
        return String.join(", ", l.subList(0, 10)) + ", ... " + l.get(l.size() - 1) + " (" + l.size() + " in all)";
    }
}

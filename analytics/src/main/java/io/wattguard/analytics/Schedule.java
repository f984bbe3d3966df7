package io.wattguard.analytics;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * When the site works: weekly business hours, holidays and maintenance windows, in the site's time zone. The
 * detectors use it to explain load (a render farm busy at 14:00 on a Tuesday) and to excuse it (a burn-in test in
 * a maintenance window), and to call GPU work at 03:00 on a Sunday off-hours.
 *
 * <p>Everything is judged on the local wall clock, so 08:00 stays 08:00 across daylight saving time: a range that
 * contains the skipped hour of spring is an hour shorter, one that contains the repeated hour of autumn an hour
 * longer. A range whose end is not after its start ({@code 22:00-06:00}, {@code 00:00-00:00}) runs past midnight
 * into the next day and belongs to the day it starts on: a night shift that starts on a working Friday is business
 * hours until Saturday 06:00, and one that would start on a holiday does not happen. Holidays cancel business
 * hours, never maintenance. Pure and immutable; no I/O.
 */
public final class Schedule {
    /** {@code [from, to)} local time; {@code to} not after {@code from} means it ends on the next day. */
    public record Range(LocalTime from, LocalTime to) {
        public Range {
            if (from == null || to == null) {
                throw new IllegalArgumentException("a time range needs both ends");
            }
        }

        boolean crossesMidnight() {
            return !to.isAfter(from);
        }

        /** Whether {@code t} on the range's own day falls in it. */
        boolean coversSameDay(LocalTime t) {
            return crossesMidnight() ? !t.isBefore(from) : !t.isBefore(from) && t.isBefore(to);
        }

        /** Whether {@code t} on the day after the range's day falls in it. */
        boolean coversNextDay(LocalTime t) {
            return crossesMidnight() && t.isBefore(to);
        }

        @Override
        public String toString() {
            return from + "-" + to;
        }
    }

    /** A day off for the whole site. */
    public record Holiday(LocalDate date, String name) {}

    /**
     * A maintenance window: weekly ({@code days} and {@code time}) or absolute ({@code from} and {@code to}), for the
     * hosts, racks or rooms whose name one of {@code entities} matches (globs with {@code *}, {@code ?},
     * {@code [a-z]}); no patterns means the whole site.
     */
    public static final class Window {
        private final String name;
        private final Set<DayOfWeek> days;
        private final Range time;
        private final Instant from;
        private final Instant to;
        private final List<String> entities;
        private final List<Pattern> patterns;

        private Window(String name, Set<DayOfWeek> days, Range time, Instant from, Instant to, List<String> entities) {
            this.name = name;
            this.days = days;
            this.time = time;
            this.from = from;
            this.to = to;
            this.entities = List.copyOf(entities);
            this.patterns = this.entities.stream().map(Schedule::glob).toList();
        }

        public static Window weekly(
                String name, Set<DayOfWeek> days, LocalTime from, LocalTime to, List<String> entities) {
            if (days.isEmpty()) {
                throw new IllegalArgumentException("a weekly window needs at least one day");
            }
            return new Window(name, Set.copyOf(EnumSet.copyOf(days)), new Range(from, to), null, null, entities);
        }

        public static Window absolute(String name, Instant from, Instant to, List<String> entities) {
            if (!to.isAfter(from)) {
                throw new IllegalArgumentException("a window must end after it starts: " + from + " to " + to);
            }
            return new Window(name, Set.of(), null, from, to, entities);
        }

        public String name() {
            return name;
        }

        public List<String> entities() {
            return entities;
        }

        public boolean weekly() {
            return time != null;
        }

        boolean covers(Instant at, ZonedDateTime local) {
            if (time == null) {
                return !at.isBefore(from) && at.isBefore(to);
            }
            LocalTime t = local.toLocalTime();
            return days.contains(local.getDayOfWeek()) && time.coversSameDay(t)
                    || days.contains(local.getDayOfWeek().minus(1)) && time.coversNextDay(t);
        }

        boolean appliesTo(String host, String rack, String room) {
            return patterns.isEmpty() || matches(host) || matches(rack) || matches(room);
        }

        /** Per name, remembered: the analysis asks for every host at every step. */
        private final Map<String, Boolean> matched = new java.util.concurrent.ConcurrentHashMap<>();

        private boolean matches(String name) {
            if (name == null) {
                return false;
            }
            Boolean m = matched.get(name);
            if (m == null) {
                m = patterns.stream().anyMatch(p -> p.matcher(name).matches());
                if (matched.size() < 100_000) {
                    matched.put(name, m);
                }
            }
            return m;
        }

        @Override
        public String toString() {
            return (name == null ? "window" : name)
                    + (time == null ? " " + from + ".." + to : " " + days + " " + time)
                    + (entities.isEmpty() ? "" : " for " + entities);
        }
    }

    private static final Schedule ALWAYS = new Schedule(ZoneOffset.UTC, null, Map.of(), List.of());

    private final ZoneId zone;
    /** Null: no weekly hours configured, so every hour of a working day is business. */
    private final Map<DayOfWeek, List<Range>> hours;

    private final Map<LocalDate, String> holidays;
    private final List<Window> maintenance;

    private Schedule(
            ZoneId zone, Map<DayOfWeek, List<Range>> hours, Map<LocalDate, String> holidays, List<Window> maintenance) {
        this.zone = zone;
        this.hours = hours;
        this.holidays = holidays;
        this.maintenance = maintenance;
    }

    /** No schedule configured: every moment is business hours, none a holiday, none maintenance. */
    public static Schedule always() {
        return ALWAYS;
    }

    public static Builder builder(ZoneId zone) {
        return new Builder(zone);
    }

    public ZoneId zone() {
        return zone;
    }

    /** True only for {@link #always()}: no schedule was configured, so off-hours cannot be judged at all. */
    public boolean isAlways() {
        return this == ALWAYS;
    }

    /** Whether the site works at this moment: inside its weekly hours, and not on a holiday. */
    public boolean businessHours(long epochMs) {
        ZonedDateTime local = Instant.ofEpochMilli(epochMs).atZone(zone);
        LocalDate day = local.toLocalDate();
        if (hours == null) {
            return !holidays.containsKey(day);
        }
        LocalTime t = local.toLocalTime();
        if (!holidays.containsKey(day)) {
            for (Range r : hours.getOrDefault(day.getDayOfWeek(), List.of())) {
                if (r.coversSameDay(t)) {
                    return true;
                }
            }
        }
        LocalDate before = day.minusDays(1);
        if (!holidays.containsKey(before)) {
            for (Range r : hours.getOrDefault(before.getDayOfWeek(), List.of())) {
                if (r.coversNextDay(t)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Whether this moment falls on a holiday, by the site's calendar date. */
    public boolean holiday(long epochMs) {
        return holidays.containsKey(Instant.ofEpochMilli(epochMs).atZone(zone).toLocalDate());
    }

    /** The holiday's name (empty string when it has none), or empty when the day is no holiday. */
    public Optional<String> holidayName(long epochMs) {
        return Optional.ofNullable(
                holidays.get(Instant.ofEpochMilli(epochMs).atZone(zone).toLocalDate()));
    }

    /** Every window that covers this moment for this host, rack or room (any may be null). */
    public List<Window> maintenanceWindowsAt(long epochMs, String host, String rack, String room) {
        List<Window> active = activeAt(epochMs);
        return active.isEmpty()
                ? List.of()
                : active.stream().filter(w -> w.appliesTo(host, rack, room)).toList();
    }

    /** Whether a maintenance window covers this moment for this host, rack or room (any may be null). */
    public boolean maintenance(long epochMs, String host, String rack, String room) {
        return maintenanceWindow(epochMs, host, rack, room).isPresent();
    }

    /** The first window that covers this moment for this host, rack or room, to name it in evidence. */
    public Optional<Window> maintenanceWindow(long epochMs, String host, String rack, String room) {
        for (Window w : activeAt(epochMs)) {
            if (w.appliesTo(host, rack, room)) {
                return Optional.of(w);
            }
        }
        return Optional.empty();
    }

    /** The windows open at a moment, for one moment at a time: asked again for each host of a step. */
    private record Active(long epochMs, List<Window> windows) {}

    private volatile Active active;

    private List<Window> activeAt(long epochMs) {
        Active a = active;
        if (a != null && a.epochMs() == epochMs) {
            return a.windows();
        }
        if (maintenance.isEmpty()) {
            return List.of();
        }
        Instant at = Instant.ofEpochMilli(epochMs);
        ZonedDateTime local = at.atZone(zone);
        List<Window> open =
                maintenance.stream().filter(w -> w.covers(at, local)).toList();
        active = new Active(epochMs, open);
        return open;
    }

    public Map<LocalDate, String> holidays() {
        return holidays;
    }

    public List<Window> maintenanceWindows() {
        return maintenance;
    }

    /** The weekly hours by day; empty when none were configured (every hour of a working day counts). */
    public Map<DayOfWeek, List<Range>> weeklyHours() {
        return hours == null ? Map.of() : hours;
    }

    @Override
    public String toString() {
        return "Schedule[" + zone + ", hours " + (hours == null ? "all day" : hours) + ", " + holidays.size()
                + " holidays, " + maintenance.size() + " maintenance windows]";
    }

    /** A glob over a host, rack or room name: {@code *}, {@code ?}, {@code [a-z]}, {@code [!a-z]}. */
    static Pattern glob(String glob) {
        if (glob == null || glob.isEmpty()) {
            throw new IllegalArgumentException("an empty pattern matches nothing");
        }
        StringBuilder re = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*') {
                re.append(".*");
            } else if (c == '?') {
                re.append('.');
            } else if (c == '[') {
                int end = glob.indexOf(']', i + 2);
                if (end < 0) {
                    throw new IllegalArgumentException("'" + glob + "' has a '[' without its ']'");
                }
                String body = glob.substring(i + 1, end);
                boolean negate = body.startsWith("!");
                re.append('[').append(negate ? "^" : "");
                for (char b : (negate ? body.substring(1) : body).toCharArray()) {
                    re.append(b == '-' || Character.isLetterOrDigit(b) ? String.valueOf(b) : "\\" + b);
                }
                re.append(']');
                i = end;
            } else {
                re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }

    /** Collects plain values; {@link #build()} checks nothing further, the setters check as they go. */
    public static final class Builder {
        private final ZoneId zone;
        private Map<DayOfWeek, List<Range>> hours;
        private final Map<LocalDate, String> holidays = new TreeMap<>();
        private final List<Window> maintenance = new ArrayList<>();

        private Builder(ZoneId zone) {
            if (zone == null) {
                throw new IllegalArgumentException("a schedule needs the site's time zone");
            }
            this.zone = zone;
        }

        /** Adds a business-hours range on each of {@code days}; several ranges a day are allowed. */
        public Builder hours(Set<DayOfWeek> days, LocalTime from, LocalTime to) {
            Range r = new Range(from, to);
            if (hours == null) {
                hours = new EnumMap<>(DayOfWeek.class);
            }
            for (DayOfWeek d : days) {
                hours.computeIfAbsent(d, x -> new ArrayList<>()).add(r);
            }
            return this;
        }

        /** Declares weekly hours with no ranges yet: every day without a range is closed. */
        public Builder closedUnlessListed() {
            if (hours == null) {
                hours = new EnumMap<>(DayOfWeek.class);
            }
            return this;
        }

        public Builder holiday(LocalDate date, String name) {
            holidays.put(date, name == null ? "" : name);
            return this;
        }

        public Builder maintenance(Window w) {
            maintenance.add(w);
            return this;
        }

        public Schedule build() {
            Map<DayOfWeek, List<Range>> h = null;
            if (hours != null) {
                h = new EnumMap<>(DayOfWeek.class);
                for (Map.Entry<DayOfWeek, List<Range>> e : hours.entrySet()) {
                    h.put(e.getKey(), List.copyOf(e.getValue()));
                }
                h = java.util.Collections.unmodifiableMap(h);
            }
            return new Schedule(
                    zone, h, java.util.Collections.unmodifiableMap(new TreeMap<>(holidays)), List.copyOf(maintenance));
        }
    }
}

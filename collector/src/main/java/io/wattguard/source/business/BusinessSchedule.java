package io.wattguard.source.business;

import io.wattguard.analytics.Schedule;
import io.wattguard.config.Section;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the top-level {@code business:} section into a {@link Schedule}:
 *
 * <pre>
 * business:
 *   zone: Europe/Berlin
 *   hours: ["mon-fri 08:00-12:00 13:00-19:00", "sat 09:00-13:00"]
 *   holidays: ["2026-12-25 Christmas Day", 2026-12-26]
 *   maintenance:
 *     - {name: patch night, days: sat, from: "23:00", to: "02:00", entities: ["gpu-a01-*", r02]}
 *     - {name: burn-in, from: 2026-03-29T01:00, to: 2026-03-29T05:00}
 * </pre>
 *
 * A missing section is {@link Schedule#always()}. Every problem is reported with its key.
 */
public final class BusinessSchedule {
    private static final Pattern RANGE = Pattern.compile("(\\d{1,2}:\\d{2})-(\\d{1,2}:\\d{2})");
    private static final Map<String, DayOfWeek> DAYS = Map.of(
            "mon",
            DayOfWeek.MONDAY,
            "tue",
            DayOfWeek.TUESDAY,
            "wed",
            DayOfWeek.WEDNESDAY,
            "thu",
            DayOfWeek.THURSDAY,
            "fri",
            DayOfWeek.FRIDAY,
            "sat",
            DayOfWeek.SATURDAY,
            "sun",
            DayOfWeek.SUNDAY);

    private BusinessSchedule() {}

    public static Schedule read(Section s) {
        if (s.keys().isEmpty()) {
            s.finish();
            return Schedule.always();
        }
        ZoneId zone = zone(s);
        Schedule.Builder b = Schedule.builder(zone);
        if (s.has("hours")) {
            b.closedUnlessListed();
            for (String line : s.strings("hours")) {
                hours(s, line, b);
            }
        }
        for (String line : s.strings("holidays")) {
            holiday(s, line, b);
        }
        for (Section w : s.sections("maintenance")) {
            window(w, zone, b);
        }
        s.finish();
        return b.build();
    }

    private static ZoneId zone(Section s) {
        String z = s.requiredString(
                "zone", "the site's time zone, e.g. Europe/Berlin, so that 08:00 means 08:00 " + "there all year");
        if (z == null) {
            return ZoneOffset.UTC;
        }
        try {
            return ZoneId.of(z);
        } catch (DateTimeException e) {
            s.error("zone", "expected a time zone such as Europe/Berlin or America/New_York, found '" + z + "'");
            return ZoneOffset.UTC;
        }
    }

    /** {@code mon-fri 08:00-12:00 13:00-19:00}: days, then one or more ranges. */
    private static void hours(Section s, String line, Schedule.Builder b) {
        String[] parts = line.trim().split("\\s+");
        String expected =
                "expected DAYS FROM-TO [FROM-TO...] such as 'mon-fri 08:00-19:00' or 'sat 09:00-13:00', found '" + line
                        + "'";
        if (parts.length < 2) {
            s.error("hours", expected);
            return;
        }
        Set<DayOfWeek> days = days(parts[0]);
        if (days == null) {
            s.error("hours", "'" + line + "': unknown days '" + parts[0] + "' (" + dayHelp() + ")");
            return;
        }
        for (int i = 1; i < parts.length; i++) {
            Matcher m = RANGE.matcher(parts[i]);
            LocalTime from = m.matches() ? time(m.group(1)) : null;
            LocalTime to = m.matches() ? time(m.group(2)) : null;
            if (from == null || to == null) {
                s.error("hours", expected);
                return;
            }
            b.hours(days, from, to);
        }
    }

    /** {@code 2026-12-25} or {@code 2026-12-25 Christmas Day}. */
    private static void holiday(Section s, String line, Schedule.Builder b) {
        String t = line.trim();
        int space = t.indexOf(' ');
        String date = space < 0 ? t : t.substring(0, space);
        try {
            b.holiday(
                    LocalDate.parse(date),
                    space < 0 ? "" : t.substring(space + 1).trim());
        } catch (DateTimeParseException e) {
            s.error("holidays", "expected a date YYYY-MM-DD, optionally followed by its name, found '" + line + "'");
        }
    }

    private static void window(Section w, ZoneId zone, Schedule.Builder b) {
        String name = w.string("name", null);
        String from = w.requiredString(
                "from", "when the window starts: HH:MM with days, else a date-time such as " + "2026-03-29T01:00");
        String to = w.requiredString("to", "when the window ends: HH:MM with days, else a date-time");
        List<String> entities = w.strings("entities");
        boolean badPattern = false;
        for (String e : entities) {
            try {
                Glob.of(e);
                Schedule.Window.weekly("check", Set.of(DayOfWeek.MONDAY), LocalTime.MIN, LocalTime.MIN, List.of(e));
            } catch (IllegalArgumentException x) {
                w.error("entities", "bad pattern: " + x.getMessage() + " (host, rack or room names with *, ?, [a-z])");
                badPattern = true;
            }
        }
        if (w.has("days")) {
            String daysText = String.join(",", w.strings("days"));
            Set<DayOfWeek> days = days(daysText);
            if (days == null) {
                w.error("days", "unknown days '" + daysText + "' (" + dayHelp() + ")");
            }
            LocalTime f = from == null ? null : time(from);
            LocalTime t = to == null ? null : time(to);
            if (from != null && f == null) {
                w.error("from", "expected a local time HH:MM for a weekly window, found '" + from + "'");
            }
            if (to != null && t == null) {
                w.error("to", "expected a local time HH:MM for a weekly window, found '" + to + "'");
            }
            w.finish();
            if (days != null && f != null && t != null && !badPattern) {
                b.maintenance(Schedule.Window.weekly(name, days, f, t, entities));
            }
            return;
        }
        Instant f = from == null ? null : instant(from, zone);
        Instant t = to == null ? null : instant(to, zone);
        String help = " (a date-time such as 2026-03-29T01:00 in the site's zone or 2026-03-29T01:00:00Z; "
                + "for a weekly window set days)";
        if (from != null && f == null) {
            w.error("from", "expected a date-time, found '" + from + "'" + help);
        }
        if (to != null && t == null) {
            w.error("to", "expected a date-time, found '" + to + "'" + help);
        }
        if (f != null && t != null && !t.isAfter(f)) {
            w.error("to", "must be after from (" + from + "), found '" + to + "'");
        }
        w.finish();
        if (f != null && t != null && t.isAfter(f) && !badPattern) {
            b.maintenance(Schedule.Window.absolute(name, f, t, entities));
        }
    }

    /** {@code mon-fri}, {@code sat,sun}, {@code mon,wed-fri}, {@code daily}; null when not understood. */
    static Set<DayOfWeek> days(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("daily") || t.equals("every day")) {
            return EnumSet.allOf(DayOfWeek.class);
        }
        Set<DayOfWeek> out = EnumSet.noneOf(DayOfWeek.class);
        for (String part : t.split(",")) {
            String[] ends = part.trim().split("-", -1);
            DayOfWeek a = DAYS.get(ends[0].trim());
            DayOfWeek z = ends.length == 2 ? DAYS.get(ends[1].trim()) : a;
            if (a == null || z == null || ends.length > 2) {
                return null;
            }
            for (DayOfWeek d = a; ; d = d.plus(1)) { // fri-mon wraps over the weekend
                out.add(d);
                if (d == z) {
                    break;
                }
            }
        }
        return out.isEmpty() ? null : out;
    }

    private static String dayHelp() {
        return "use mon, tue, wed, thu, fri, sat, sun, ranges like mon-fri, lists like sat,sun, or daily";
    }

    /** HH:MM; 24:00 is the end of the day (midnight). */
    static LocalTime time(String text) {
        String t = text.trim();
        if (t.equals("24:00")) {
            return LocalTime.MIDNIGHT;
        }
        try {
            return LocalTime.parse(t.length() == 4 ? "0" + t : t);
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** With an offset as given; without one, in the site's zone (a wall-clock time in the gap moves forward). */
    static Instant instant(String text, ZoneId zone) {
        String t = text.trim();
        try {
            return OffsetDateTime.parse(t).toInstant();
        } catch (DateTimeParseException e) {
            // no offset: a local date-time
        }
        try {
            return LocalDateTime.parse(t).atZone(zone).toInstant();
        } catch (DateTimeParseException e) {
            // a date alone: its midnight
        }
        try {
            return LocalDate.parse(t).atStartOfDay(zone).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }

    /** For messages and check-config: a one-line summary. */
    public static String describe(Schedule s) {
        if (s == Schedule.always()) {
            return "no business schedule: every hour is business hours";
        }
        List<String> parts = new ArrayList<>();
        parts.add("zone " + s.zone());
        parts.add(
                s.weeklyHours().isEmpty()
                        ? "hours: all day"
                        : "hours on " + s.weeklyHours().size() + " days");
        parts.add(s.holidays().size() + " holidays");
        parts.add(s.maintenanceWindows().size() + " maintenance windows");
        return String.join(", ", parts);
    }
}

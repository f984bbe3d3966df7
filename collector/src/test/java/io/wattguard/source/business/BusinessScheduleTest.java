package io.wattguard.source.business;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.analytics.Schedule;
import io.wattguard.config.ConfigException;
import io.wattguard.config.Problems;
import io.wattguard.config.Section;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code business:} section as an operator writes it, and what check-config says of mistakes in it. */
class BusinessScheduleTest {
    @TempDir
    Path tmp;

    private Schedule read(String yaml) throws Exception {
        Path f = Files.writeString(tmp.resolve("wattguard.yaml"), yaml);
        Problems problems = new Problems();
        Section root = Section.load(f, Section.Context.of(problems, f));
        Schedule s = BusinessSchedule.read(root.section("business"));
        problems.throwIfAny();
        return s;
    }

    private String problems(String yaml) {
        try {
            read(yaml);
        } catch (ConfigException e) {
            return e.getMessage();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        throw new AssertionError("no problem reported");
    }

    static long at(String iso) {
        return OffsetDateTime.parse(iso).toInstant().toEpochMilli();
    }

    @Test
    void aWholeScheduleAsWritten() throws Exception {
        Schedule s = read("""
                business:
                  zone: Europe/Berlin
                  hours: ["mon-fri 08:00-12:00 13:00-19:00", "sat 9:00-13:00"]
                  holidays: ["2026-12-25 Christmas Day", 2026-12-26]
                  maintenance:
                    - {name: patch night, days: sat, from: "23:00", to: "02:00", entities: ["gpu-a01-*", r02]}
                    - {name: burn-in, from: 2026-03-29T01:00, to: 2026-03-29T05:00}
                """);
        assertEquals(ZoneId.of("Europe/Berlin"), s.zone());
        assertTrue(s.businessHours(at("2026-06-16T08:00:00+02:00")));
        assertFalse(s.businessHours(at("2026-06-16T12:30:00+02:00")));
        assertTrue(s.businessHours(at("2026-06-20T09:00:00+02:00")), "Saturday morning");
        assertFalse(s.businessHours(at("2026-06-21T10:00:00+02:00")), "Sunday: not listed, so closed");
        assertTrue(s.holiday(at("2026-12-25T10:00:00+01:00")));
        assertEquals(
                "Christmas Day", s.holidayName(at("2026-12-25T10:00:00+01:00")).orElseThrow());
        assertEquals("", s.holidayName(at("2026-12-26T10:00:00+01:00")).orElseThrow());
        assertTrue(s.maintenance(at("2026-06-21T01:00:00+02:00"), "gpu-a01-02", "a01", "hall-a"));
        assertFalse(s.maintenance(at("2026-06-21T01:00:00+02:00"), "gpu-b01-02", "b01", "hall-a"));
        assertTrue(s.maintenance(at("2026-03-29T02:59:00Z"), "any", null, null), "05:00 CEST is 03:00 UTC");
        assertFalse(s.maintenance(at("2026-03-29T03:00:00Z"), "any", null, null));
    }

    @Test
    void noSectionIsAlways() throws Exception {
        assertSame(Schedule.always(), read("instance: x\n"));
    }

    @Test
    void everyMistakeIsReportedWithItsKey() {
        String m = problems("""
                business:
                  zone: Europe/Berlinn
                  hours: ["mon-fry 08:00-19:00", "mon 8-19"]
                  holidays: [2026-13-01]
                  maintenance:
                    - {days: sat, from: "25:00", to: "02:00", entities: ["r[01"]}
                    - {from: 2026-03-29T05:00, to: 2026-03-29T01:00}
                    - {from: yesterday}
                  hollidays: []
                """);
        assertTrue(m.startsWith("10 problems in the configuration:"), m);
        assertTrue(
                m.contains("business.zone: expected a time zone such as Europe/Berlin or America/New_York, found "
                        + "'Europe/Berlinn'"),
                m);
        assertTrue(m.contains("business.hours: 'mon-fry 08:00-19:00': unknown days 'mon-fry' (use mon, tue"), m);
        assertTrue(
                m.contains("business.hours: expected DAYS FROM-TO [FROM-TO...] such as 'mon-fri 08:00-19:00' or "
                        + "'sat 09:00-13:00', found 'mon 8-19'"),
                m);
        assertTrue(
                m.contains("business.holidays: expected a date YYYY-MM-DD, optionally followed by its name, found "
                        + "'2026-13-01'"),
                m);
        assertTrue(
                m.contains("business.maintenance[0].from: expected a local time HH:MM for a weekly window, found "
                        + "'25:00'"),
                m);
        assertTrue(m.contains("business.maintenance[0].entities: bad pattern: 'r[01' has a '[' without its ']'"), m);
        assertTrue(
                m.contains("business.maintenance[1].to: must be after from (2026-03-29T05:00), found "
                        + "'2026-03-29T01:00'"),
                m);
        assertTrue(m.contains("business.maintenance[2].from: expected a date-time, found 'yesterday'"), m);
        assertTrue(m.contains("business.maintenance[2].to: missing required key 'to'"), m);
        assertTrue(m.contains("business.hollidays: unknown key (did you mean 'holidays'?)"), m);
    }
}

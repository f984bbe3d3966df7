package io.wattguard.report;

import io.wattguard.config.Section;
import java.nio.file.Path;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code report:} section: the daemon writes last month's report at {@code at} (local time in business.zone)
 * on the 1st into {@code dir/YYYY-MM/}, in every language of {@code langs} and format of {@code formats}.
 *
 * @param dir where the month folders go
 * @param at local time of day on the 1st
 * @param langs subset of {@link ReportText#LANGUAGES}, in file order
 * @param formats subset of {@link Reports#FORMATS}, in file order
 * @param font the CJK font for a zh-CN PDF, a .ttf file or a folder to search; null: env WATTGUARD_REPORT_FONT,
 *     then the system's font folders
 */
public record ReportSettings(Path dir, LocalTime at, List<String> langs, Set<String> formats, String font) {
    /** The environment variable that names the CJK font when the section has no {@code font}. */
    public static final String FONT_ENV = "WATTGUARD_REPORT_FONT";

    public static final LocalTime DEFAULT_AT = LocalTime.of(6, 0);

    /** The section, or null when the file has none; every problem is added to the section's problems. */
    public static ReportSettings read(Section root, String key) {
        if (!root.has(key)) {
            return null;
        }
        Section s = root.section(key);
        Path dir = null;
        String d = s.requiredString(
                "dir", "the folder the monthly reports are written into, e.g. /var/lib/wattguard/reports");
        if (d != null) {
            dir = s.resolve(d);
        }
        LocalTime at = DEFAULT_AT;
        String a = s.string("at", null);
        if (a != null) {
            at = time(a);
            if (at == null) {
                s.error(
                        "at",
                        "expected a local time of day as HH:MM (in business.zone), e.g. \"06:00\", found '" + a + "'");
                at = DEFAULT_AT;
            }
        }
        List<String> langs = new ArrayList<>();
        if (s.has("langs")) {
            for (String l : s.strings("langs")) {
                String t = l.trim();
                if (!ReportText.LANGUAGES.contains(t)) {
                    s.error(
                            "langs",
                            "expected a list of " + String.join(", ", ReportText.LANGUAGES) + ", found '" + t + "'");
                } else if (!langs.contains(t)) {
                    langs.add(t);
                }
            }
            if (langs.isEmpty()) {
                s.error("langs", "expected at least one of " + String.join(", ", ReportText.LANGUAGES));
            }
        } else {
            langs.add("en");
        }
        Set<String> formats = new LinkedHashSet<>();
        if (s.has("formats")) {
            for (String f : s.strings("formats")) {
                String t = f.trim().toLowerCase(Locale.ROOT);
                if (!Reports.FORMATS.contains(t)) {
                    s.error(
                            "formats",
                            "expected a list of " + String.join(", ", Reports.FORMATS) + ", found '" + f.trim() + "'");
                } else {
                    formats.add(t);
                }
            }
            if (formats.isEmpty()) {
                s.error("formats", "expected at least one of " + String.join(", ", Reports.FORMATS));
            }
        } else {
            formats.addAll(Reports.FORMATS);
        }
        String font = s.string("font", null);
        if (font != null && font.isBlank()) {
            s.error("font", "must not be empty: a TrueType (.ttf) file with Chinese glyphs, or a folder to search");
            font = null;
        }
        if (font != null) {
            font = s.resolve(font.trim()).toString();
        }
        ReportSettings r =
                new ReportSettings(dir, at, List.copyOf(langs), java.util.Collections.unmodifiableSet(formats), font);
        if (r.needsCjkFont()) {
            // Known up front: the report would otherwise fail on the 1st, a month from now.
            String env = s.context().env().apply(FONT_ENV);
            try {
                CjkFont.find(font != null ? font : env);
            } catch (IllegalStateException e) {
                s.error(font != null ? "font" : "langs", "a zh-CN PDF needs a CJK font: " + e.getMessage());
            }
        }
        s.finish();
        return r;
    }

    /** Whether a zh-CN PDF is asked for. */
    public boolean needsCjkFont() {
        return langs.contains("zh-CN") && formats.contains("pdf");
    }

    /** The font the report uses: the section's {@code font} wins over the environment's. */
    public String fontOverride(java.util.function.Function<String, String> env) {
        return font != null ? font : env.apply(FONT_ENV);
    }

    private static LocalTime time(String text) {
        String t = text.trim();
        if (!t.matches("\\d{1,2}:\\d{2}")) {
            return null;
        }
        try {
            return LocalTime.parse(t.length() == 4 ? "0" + t : t);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}

package io.wattguard.report;

import java.awt.Font;
import java.awt.FontFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A TrueType font with Chinese glyphs that the PDF can embed. PDFBox embeds TrueType outlines ({@code glyf}); the
 * CFF-flavoured OpenType collections many systems ship (Noto CJK {@code .ttc}/{@code .otc}) it cannot, so only
 * {@code .ttf} files are taken, and only those that really draw the report's Chinese (a font that lacks a glyph
 * would print boxes). Charts are pictures drawn by Java, which takes a glyph from one font only: {@link #chart} is
 * the system's sans-serif (which falls back to the CJK font through fontconfig) when it draws the Chinese and the
 * digits, else the CJK font itself if it has digits too (DroidSansFallbackFull has none). Debian's {@code fonts-droid-fallback} (DroidSansFallbackFull.ttf) is what
 * {@code scripts/setup.sh} installs.
 */
public record CjkFont(Path file, Font awt, Font chart) {
    /** Where Debian and most Linux systems keep fonts, searched in this order. */
    public static final List<Path> STANDARD_DIRS = List.of(
            Path.of("/usr/share/fonts"),
            Path.of("/usr/local/share/fonts"),
            Path.of(System.getProperty("user.home", "/root"), ".local/share/fonts"));

    /** Preferred files, by name, before any other that passes the glyph check. */
    private static final List<String> PREFERRED =
            List.of("DroidSansFallbackFull.ttf", "DroidSansFallback.ttf", "wqy-microhei.ttf", "uming.ttf");

    /** Characters of the report's Chinese: a font must draw every one. */
    static final String SAMPLE = "能耗与异常报告概要用电量无法解释的机柜主机";

    /** What else a chart draws: numbers, dates, zone names. */
    static final String LATIN = "0123456789,.:%()/-+ ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /** The one-line advice every "no font" error ends with. */
    public static final String ADVICE = "install Debian's fonts-droid-fallback (scripts/setup.sh does), or set "
            + "WATTGUARD_REPORT_FONT to a TrueType (.ttf) file with Chinese glyphs";

    /**
     * The font at {@code override} (a .ttf file, or a folder to search instead of the standard ones) or, without
     * one, the first suitable font in {@link #STANDARD_DIRS}.
     *
     * @throws IllegalStateException with one line naming where it looked and what to do
     */
    public static CjkFont find(String override) {
        List<Path> dirs = STANDARD_DIRS;
        if (override != null && !override.isBlank()) {
            Path p = Path.of(override.trim());
            if (Files.isRegularFile(p)) {
                CjkFont f = load(p);
                if (f == null) {
                    throw new IllegalStateException("WATTGUARD_REPORT_FONT: " + p
                            + " is not a TrueType font that draws Chinese (a .ttf with glyf outlines is needed), or"
                            + " the charts have no font that draws both it and digits; "
                            + ADVICE);
                }
                return f;
            }
            if (!Files.isDirectory(p)) {
                throw new IllegalStateException("WATTGUARD_REPORT_FONT: " + p + " does not exist; " + ADVICE);
            }
            dirs = List.of(p);
        }
        List<Path> candidates = new ArrayList<>();
        for (Path dir : dirs) {
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(dir, 6)) {
                files.filter(f -> f.getFileName()
                                .toString()
                                .toLowerCase(java.util.Locale.ROOT)
                                .endsWith(".ttf"))
                        .forEach(candidates::add);
            } catch (IOException | java.io.UncheckedIOException e) {
                // an unreadable folder is not where the font is: keep looking elsewhere
            }
        }
        candidates.sort((a, b) -> Integer.compare(rank(a), rank(b)));
        for (Path c : candidates) {
            CjkFont f = load(c);
            if (f != null) {
                return f;
            }
        }
        throw new IllegalStateException("no TrueType font with Chinese glyphs found in "
                + String.join(", ", dirs.stream().map(Path::toString).toList())
                + ", so the zh-CN PDF would print boxes; " + ADVICE);
    }

    private static int rank(Path p) {
        int i = PREFERRED.indexOf(p.getFileName().toString());
        return i < 0 ? PREFERRED.size() : i;
    }

    /** The font, if it is a TrueType file that draws the sample; null otherwise. */
    static CjkFont load(Path file) {
        try {
            Font f = Font.createFont(Font.TRUETYPE_FONT, file.toFile());
            if (f.canDisplayUpTo(SAMPLE) != -1) {
                return null;
            }
            Font logical = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
            Font chart = logical.canDisplayUpTo(SAMPLE + LATIN) == -1
                    ? logical
                    : f.canDisplayUpTo(SAMPLE + LATIN) == -1 ? f : null;
            return chart == null ? null : new CjkFont(file, f, chart);
        } catch (FontFormatException | IOException e) {
            return null;
        }
    }
}

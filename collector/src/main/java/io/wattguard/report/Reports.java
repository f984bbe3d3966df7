package io.wattguard.report;

import io.wattguard.report.HtmlReport.ChartForm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Writes a {@link MonthlyReport} in the formats asked for, into one folder; returns the files written. */
public final class Reports {
    /** What {@code --format} takes. */
    public static final List<String> FORMATS = List.of("html", "pdf", "csv");

    private static final String BROWSER_FONTS =
            "'DejaVu Sans', 'Noto Sans CJK SC', 'Droid Sans Fallback', 'Microsoft YaHei', 'PingFang SC', sans-serif";

    private Reports() {}

    /**
     * @param lang one of {@link ReportText#LANGUAGES}
     * @param formats a subset of {@link #FORMATS}
     * @param font the CJK font; required for a zh-CN PDF, used for nothing else
     */
    public static List<Path> write(MonthlyReport report, String lang, Set<String> formats, Path dir, CjkFont font)
            throws IOException {
        if (formats.contains("pdf") && lang.equals("zh-CN") && font == null) {
            throw new IllegalArgumentException("a zh-CN PDF needs a CJK font");
        }
        Files.createDirectories(dir);
        ReportText text = new ReportText(lang, report.month().zone(), report.currency());
        List<Path> written = new ArrayList<>();
        List<String> csvNames = new ArrayList<>();
        if (formats.contains("csv")) {
            written.add(CsvReport.energy(report, dir));
            written.add(CsvReport.episodes(report, dir));
            written.forEach(p -> csvNames.add(p.getFileName().toString()));
        }
        String base = "report-" + report.month() + "." + lang;
        if (formats.contains("html")) {
            Charts charts = new Charts(text, null);
            String html = new HtmlReport(text, charts, ChartForm.SVG, BROWSER_FONTS).render(report, csvNames);
            Path file = dir.resolve(base + ".html");
            Files.writeString(file, html, StandardCharsets.UTF_8);
            written.add(file);
        }
        if (formats.contains("pdf")) {
            boolean chinese = lang.equals("zh-CN");
            Charts charts = new Charts(text, chinese ? font.chart() : null);
            String family = chinese ? "'" + PdfReport.CJK_FAMILY + "', sans-serif" : "sans-serif";
            String page = new HtmlReport(text, charts, ChartForm.PNG, family).render(report, csvNames);
            Path file = dir.resolve(base + ".pdf");
            PdfReport.write(page, chinese ? font : null, file);
            written.add(file);
        }
        return written;
    }
}

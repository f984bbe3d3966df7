package io.wattguard.report;

import freemarker.template.Configuration;
import freemarker.template.Template;
import freemarker.template.TemplateException;
import freemarker.template.TemplateExceptionHandler;
import io.wattguard.report.MonthlyReport.DailyEnergy;
import io.wattguard.report.MonthlyReport.EpisodeReport;
import io.wattguard.report.MonthlyReport.Level;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jfree.chart.JFreeChart;

/**
 * The report as one self-contained XHTML page from the one template {@code report/report.ftlh}: inline CSS,
 * charts inline (SVG for a browser, PNG {@code data:} images for the PDF renderer), no external fetch. Well-formed
 * XML on purpose, so the PDF renderer reads the very same page.
 */
final class HtmlReport {
    /** How charts are embedded. */
    enum ChartForm {
        SVG,
        PNG
    }

    /** A room's or rack's energy over the month, and its share of its level's total. */
    public record Total(String name, double kwh, double share) {}

    private static final Configuration FREEMARKER = configuration();

    private final ReportText text;
    private final Charts charts;
    private final ChartForm form;
    private final String fontFamily;
    private int charted;

    /**
     * @param fontFamily the CSS font-family list of the page's text
     */
    HtmlReport(ReportText text, Charts charts, ChartForm form, String fontFamily) {
        this.text = text;
        this.charts = charts;
        this.form = form;
        this.fontFamily = fontFamily;
    }

    private static Configuration configuration() {
        Configuration c = new Configuration(Configuration.VERSION_2_3_34);
        c.setClassLoaderForTemplateLoading(HtmlReport.class.getClassLoader(), "report");
        c.setDefaultEncoding("UTF-8");
        // A template error is a bug: fail the report rather than print a half page.
        c.setTemplateExceptionHandler(TemplateExceptionHandler.RETHROW_HANDLER);
        c.setLogTemplateExceptions(false);
        c.setWrapUncheckedExceptions(true);
        c.setFallbackOnNullLoopVariable(false);
        return c;
    }

    /** The page, with {@code csvFiles} named in it when CSV files are written beside it. */
    String render(MonthlyReport report, List<String> csvFiles) {
        Map<String, Object> model = new HashMap<>();
        model.put("r", report);
        model.put("t", text);
        model.put("s", report.summary());
        model.put("fontFamily", fontFamily);
        model.put("csvFiles", String.join(", ", csvFiles));
        model.put("severities", ReportReader.SEVERITIES);
        model.put("rooms", totals(report, Level.ROOM));
        model.put("rackTotals", totals(report, Level.RACK));
        List<Map<String, Object>> heat = new ArrayList<>();
        for (MonthlyReport.HeatMap h : report.heatMaps()) {
            Map<String, Object> m = new HashMap<>();
            m.put("h", h);
            m.put("chart", chart(charts.heatMap(h)));
            StringBuilder cells = new StringBuilder();
            for (double[] day : h.meanW()) {
                for (double w : day) {
                    cells.append(cells.length() == 0 ? "" : ",").append(Double.isNaN(w) ? "" : Double.toString(w));
                }
            }
            m.put("cells", cells.toString());
            heat.add(m);
        }
        model.put("heatMaps", heat);
        model.put("roomChart", chart(charts.daily(of(report, Level.ROOM))));
        model.put("rackChart", chart(charts.daily(of(report, Level.RACK))));
        List<Map<String, Object>> episodes = new ArrayList<>();
        for (EpisodeReport e : report.episodes()) {
            Map<String, Object> m = new HashMap<>();
            m.put("e", e);
            m.put("chart", chart(charts.episode(e, report.dataUntilMs())));
            Map<String, List<Map<String, String>>> groups = new LinkedHashMap<>();
            e.evidence().forEach(x -> groups.computeIfAbsent(x.group(), g -> new ArrayList<>())
                    .add(x.fields()));
            m.put("evidence", groups);
            long end = e.endedMs() != null ? e.endedMs() : e.lastPointMs();
            m.put("duration", text.duration(end - e.startedMs()));
            episodes.add(m);
        }
        model.put("episodes", episodes);
        List<MonthlyReport.Ranked> hosts = report.hosts();
        List<MonthlyReport.Ranked> shown =
                hosts.stream().filter(h -> h.unexplainedKwh() > 0).toList();
        // Hosts without unexplained energy add nothing to "where": the top ones for scale, the rest in the CSV.
        if (shown.size() < 10) {
            shown = hosts.subList(0, Math.min(10, hosts.size()));
        }
        model.put("hostsShown", shown);
        model.put("hostsMore", hosts.size() - shown.size());
        try {
            Template t = FREEMARKER.getTemplate("report.ftlh");
            StringWriter out = new StringWriter();
            t.process(model, out);
            return out.toString();
        } catch (IOException e) {
            throw new UncheckedIOException("the report template report/report.ftlh could not be read", e);
        } catch (TemplateException e) {
            throw new IllegalStateException("the report template failed: " + e.getMessage(), e);
        }
    }

    private String chart(JFreeChart chart) {
        if (chart == null) {
            return "";
        }
        if (form == ChartForm.SVG) {
            return Charts.svg(chart, "chart" + (++charted) + "-");
        }
        return "<img class=\"chart\" alt=\"\" width=\"" + Charts.WIDTH + "\" height=\"" + Charts.HEIGHT + "\" src=\""
                + Charts.pngDataUri(chart) + "\"/>";
    }

    static List<DailyEnergy> of(MonthlyReport report, Level level) {
        return report.energyByDay().stream().filter(d -> d.level() == level).toList();
    }

    /** Each room's or rack's energy over the month, largest first. */
    static List<Total> totals(MonthlyReport report, Level level) {
        Map<String, Double> sum = new TreeMap<>();
        for (DailyEnergy d : of(report, level)) {
            sum.merge(d.name(), d.kwh(), Double::sum);
        }
        double all = sum.values().stream().mapToDouble(Double::doubleValue).sum();
        List<Total> out = new ArrayList<>();
        sum.forEach((n, k) -> out.add(new Total(n, k, all > 0 ? k / all : 0)));
        out.sort((a, b) -> Double.compare(b.kwh(), a.kwh()));
        return out;
    }
}

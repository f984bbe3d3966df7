package io.wattguard.report;

import io.wattguard.report.MonthlyReport.BandPoint;
import io.wattguard.report.MonthlyReport.DailyEnergy;
import io.wattguard.report.MonthlyReport.EpisodeReport;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Rectangle;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.List;
import java.util.TimeZone;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.CategoryLabelPositions;
import org.jfree.chart.axis.DateAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.LegendTitle;
import org.jfree.data.category.DefaultCategoryDataset;
import org.jfree.data.time.FixedMillisecond;
import org.jfree.data.time.TimeSeries;
import org.jfree.data.time.TimeSeriesCollection;
import org.jfree.svg.SVGGraphics2D;

/**
 * The report's charts, drawn by JFreeChart: as inline SVG (JFreeSVG) for the HTML, and as PNG for the PDF, whose
 * renderer draws no SVG without Batik (several megabytes more in the agent's jar for the same pictures). Labels come
 * from {@link ReportText}; {@code font}, when given, is the family every label is drawn in (the CJK font for
 * Chinese, so the PNG carries real glyphs).
 */
final class Charts {
    static final int WIDTH = 720;
    static final int HEIGHT = 260;
    private static final Color ACTUAL = new Color(0xC0392B);
    private static final Color EXPECTED = new Color(0x2C7BB6);
    private static final Color UPPER = new Color(0x7FB3D5);
    private static final Color EPISODE = new Color(0xF5B7B1);

    private final ReportText text;
    private final Font font;

    /** @param font the base font of every label, or null for JFreeChart's own */
    Charts(ReportText text, Font font) {
        this.text = text;
        this.font = font;
    }

    /** Actual power against the expected band of an episode, the episode itself shaded; null without points. */
    JFreeChart episode(EpisodeReport e, long dataUntilMs) {
        if (e.chart().isEmpty()) {
            return null;
        }
        TimeSeries actual = new TimeSeries(text.t("chart.actual"));
        TimeSeries expected = new TimeSeries(text.t("chart.expected"));
        TimeSeries upper = new TimeSeries(text.t("chart.upper"));
        for (BandPoint p : e.chart()) {
            FixedMillisecond t = new FixedMillisecond(p.timeMs());
            actual.addOrUpdate(t, p.actualW());
            expected.addOrUpdate(t, p.expectedW());
            upper.addOrUpdate(t, p.upperW());
        }
        TimeSeriesCollection data = new TimeSeriesCollection();
        data.addSeries(actual);
        data.addSeries(expected);
        data.addSeries(upper);
        DateAxis time = new DateAxis(
                text.t("chart.time", text.zone().getId()), TimeZone.getTimeZone(text.zone()), text.locale());
        NumberAxis watts = new NumberAxis(text.t("chart.watts"));
        watts.setAutoRangeIncludesZero(false);
        XYLineAndShapeRenderer lines = new XYLineAndShapeRenderer(true, false);
        // One path per series rather than an element per segment: a tenth of the SVG's size.
        lines.setDrawSeriesLineAsPath(true);
        lines.setSeriesPaint(0, ACTUAL);
        lines.setSeriesStroke(0, new BasicStroke(2f));
        lines.setSeriesPaint(1, EXPECTED);
        lines.setSeriesStroke(1, new BasicStroke(1.5f));
        lines.setSeriesPaint(2, UPPER);
        lines.setSeriesStroke(
                2, new BasicStroke(1.2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
        XYPlot plot = new XYPlot(data, time, watts, lines);
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        long end = e.endedMs() != null ? e.endedMs() : e.lastPointMs();
        IntervalMarker marker = new IntervalMarker(e.startedMs(), end, EPISODE);
        marker.setAlpha(0.35f);
        marker.setLabel(text.t("chart.episode"));
        plot.addDomainMarker(marker, org.jfree.chart.ui.Layer.BACKGROUND);
        JFreeChart chart = new JFreeChart(null, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        return styled(chart);
    }

    /** Energy per local day, one stacked bar per day, one colour per room (or rack); null when there is none. */
    JFreeChart daily(List<DailyEnergy> energy) {
        if (energy.isEmpty()) {
            return null;
        }
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (DailyEnergy d : energy) {
            String day = String.valueOf(d.day().getDayOfMonth());
            Number before =
                    data.getRowKeys().contains(d.name()) && data.getColumnKeys().contains(day)
                            ? data.getValue(d.name(), day)
                            : null;
            data.setValue((before == null ? 0 : before.doubleValue()) + d.kwh(), d.name(), day);
        }
        JFreeChart chart = ChartFactory.createStackedBarChart(
                null, text.t("chart.day"), text.t("chart.kwh"), data, PlotOrientation.VERTICAL, true, false, false);
        CategoryPlot plot = chart.getCategoryPlot();
        plot.setBackgroundPaint(Color.WHITE);
        plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
        CategoryAxis days = plot.getDomainAxis();
        days.setCategoryLabelPositions(CategoryLabelPositions.STANDARD);
        days.setCategoryMargin(0.1);
        return styled(chart);
    }

    /** Residual watts by hour of day (x) and day of week (y): red above the expectation, blue below. */
    JFreeChart heatMap(MonthlyReport.HeatMap heat) {
        org.jfree.data.xy.DefaultXYZDataset data = new org.jfree.data.xy.DefaultXYZDataset();
        List<double[]> cells = new java.util.ArrayList<>();
        double max = 1;
        for (int d = 0; d < 7; d++) {
            for (int h = 0; h < 24; h++) {
                double w = heat.meanW()[d][h];
                if (!Double.isNaN(w)) {
                    cells.add(new double[] {h, d, w});
                    max = Math.max(max, Math.abs(w));
                }
            }
        }
        double[][] xyz = new double[3][cells.size()];
        for (int i = 0; i < cells.size(); i++) {
            xyz[0][i] = cells.get(i)[0];
            xyz[1][i] = cells.get(i)[1];
            xyz[2][i] = cells.get(i)[2];
        }
        data.addSeries(heat.name(), xyz);
        NumberAxis hours = new NumberAxis(text.t("chart.hour"));
        hours.setRange(-0.5, 23.5);
        hours.setTickUnit(new org.jfree.chart.axis.NumberTickUnit(2));
        String[] days = new String[7];
        for (int d = 0; d < 7; d++) {
            days[d] = java.time.DayOfWeek.of(d + 1).getDisplayName(java.time.format.TextStyle.SHORT, text.locale());
        }
        org.jfree.chart.axis.SymbolAxis weekdays = new org.jfree.chart.axis.SymbolAxis(text.t("chart.weekday"), days);
        weekdays.setInverted(true);
        org.jfree.chart.renderer.xy.XYBlockRenderer blocks = new org.jfree.chart.renderer.xy.XYBlockRenderer();
        org.jfree.chart.renderer.LookupPaintScale scale =
                new org.jfree.chart.renderer.LookupPaintScale(-max, max, Color.WHITE);
        int steps = 10;
        for (int i = 0; i < steps; i++) {
            double a = -max + 2 * max * i / steps;
            double mid = (a + max / steps) / max; // -1..1
            int shade = (int) Math.round(255 * (1 - Math.min(1, Math.abs(mid))));
            scale.add(a, mid < 0 ? new Color(shade, shade, 255) : new Color(255, shade, shade));
        }
        blocks.setPaintScale(scale);
        XYPlot plot = new XYPlot(data, hours, weekdays, blocks);
        plot.setBackgroundPaint(new Color(0xF4F4F4));
        plot.setDomainGridlinesVisible(false);
        plot.setRangeGridlinesVisible(false);
        JFreeChart chart = new JFreeChart(null, JFreeChart.DEFAULT_TITLE_FONT, plot, false);
        NumberAxis legendAxis = new NumberAxis(text.t("chart.residual"));
        legendAxis.setRange(-max, max);
        org.jfree.chart.title.PaintScaleLegend legend = new org.jfree.chart.title.PaintScaleLegend(scale, legendAxis);
        legend.setPosition(org.jfree.chart.ui.RectangleEdge.RIGHT);
        // Room on the right for the scale's widest tick ("-1,500"), which JFreeChart would otherwise clip.
        legend.setMargin(4, 4, 4, 24);
        legend.setStripWidth(10);
        if (font != null) {
            legendAxis.setLabelFont(font.deriveFont(Font.PLAIN, 11f));
            legendAxis.setTickLabelFont(font.deriveFont(Font.PLAIN, 10f));
        }
        chart.addSubtitle(legend);
        return styled(chart);
    }

    private JFreeChart styled(JFreeChart chart) {
        chart.setBackgroundPaint(Color.WHITE);
        chart.setAntiAlias(true);
        if (font != null) {
            requireDrawable(chart);
            Font label = font.deriveFont(Font.PLAIN, 12f);
            Font tick = font.deriveFont(Font.PLAIN, 10f);
            var plot = chart.getPlot();
            if (plot instanceof XYPlot xy) {
                xy.getDomainAxis().setLabelFont(label);
                xy.getDomainAxis().setTickLabelFont(tick);
                xy.getRangeAxis().setLabelFont(label);
                xy.getRangeAxis().setTickLabelFont(tick);
                var markers = xy.getDomainMarkers(org.jfree.chart.ui.Layer.BACKGROUND);
                if (markers != null) {
                    for (Object m : markers) {
                        ((org.jfree.chart.plot.Marker) m).setLabelFont(tick);
                    }
                }
            } else if (plot instanceof CategoryPlot cat) {
                cat.getDomainAxis().setLabelFont(label);
                cat.getDomainAxis().setTickLabelFont(tick);
                cat.getRangeAxis().setLabelFont(label);
                cat.getRangeAxis().setTickLabelFont(tick);
            }
            LegendTitle legend = chart.getLegend();
            if (legend != null) {
                legend.setItemFont(label);
            }
        }
        return chart;
    }

    /**
     * Fails rather than draw a box: every label, legend entry and tick of the chart must have its glyphs in the
     * chart's font (a tick's text is checked through a sample of its format).
     */
    private void requireDrawable(JFreeChart chart) {
        List<String> texts = new java.util.ArrayList<>();
        if (chart.getPlot() instanceof XYPlot xy) {
            texts.add(xy.getDomainAxis().getLabel());
            texts.add(xy.getRangeAxis().getLabel());
            for (int i = 0; i < xy.getDataset().getSeriesCount(); i++) {
                texts.add(String.valueOf(xy.getDataset().getSeriesKey(i)));
            }
            if (xy.getDomainAxis() instanceof DateAxis d) {
                texts.add(d.getTickUnit().valueToString(System.currentTimeMillis()));
            }
        } else if (chart.getPlot() instanceof CategoryPlot cat) {
            texts.add(cat.getDomainAxis().getLabel());
            texts.add(cat.getRangeAxis().getLabel());
            cat.getDataset().getRowKeys().forEach(k -> texts.add(String.valueOf(k)));
        }
        for (String t : texts) {
            if (t != null && font.canDisplayUpTo(t) != -1) {
                throw new IllegalStateException(
                        "the chart font " + font.getFontName() + " cannot draw '" + t + "': " + CjkFont.ADVICE);
            }
        }
    }

    /**
     * The chart as an {@code <svg>} element, to inline in the HTML; {@code id} prefixes its clip paths' ids, which
     * must differ between the charts of one page.
     */
    static String svg(JFreeChart chart, String id) {
        SVGGraphics2D g = new SVGGraphics2D(WIDTH, HEIGHT);
        g.setDefsKeyPrefix(id);
        // A tenth of a pixel is finer than any screen shows; 17 digits per coordinate only make the page heavy.
        g.setGeomDoubleConverter(v -> String.format(java.util.Locale.ROOT, "%.1f", v));
        g.setTransformDoubleConverter(v -> String.format(java.util.Locale.ROOT, "%.3f", v));
        chart.draw(g, new Rectangle(0, 0, WIDTH, HEIGHT));
        return g.getSVGElement();
    }

    /** The chart as a PNG {@code data:} URI at twice the resolution, for the PDF. */
    static String pngDataUri(JFreeChart chart) {
        BufferedImage image = chart.createBufferedImage(WIDTH * 2, HEIGHT * 2, WIDTH, HEIGHT, null);
        try {
            return "data:image/png;base64," + Base64.getEncoder().encodeToString(ChartUtils.encodeAsPNG(image));
        } catch (IOException e) {
            throw new UncheckedIOException("could not encode a chart as PNG", e);
        }
    }
}

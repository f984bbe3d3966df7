package io.wattguard.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.wattguard.daemon.Settings;
import io.wattguard.testing.Cli;
import io.wattguard.testing.InfluxdTest;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report's HTML opened in Debian's {@code chromium}, headless, as a reader would open the file: no console
 * error or script exception, no request that leaves the file, every chart the report's model calls for drawn
 * with its data, and a screenshot of each section (of each episode, in the episodes section) kept in
 * {@code target/report-artefacts/browser/}.
 */
class ReportInBrowserTest extends InfluxdTest {
    static final Path SHOTS = Path.of("target", "report-artefacts", "browser");

    @TempDir
    static Path dir;

    static MonthlyReport model;
    static Path out;

    @BeforeAll
    static void report() throws Exception {
        Chromium.binary(); // fail first, and plainly, without a browser
        SimulatedMonth month = SimulatedMonth.write(influxd.url(), dir);
        out = dir.resolve("out");
        for (String lang : List.of("en", "zh-CN")) {
            Cli.Result r = Cli.run(
                    "report",
                    "--config",
                    month.config.toString(),
                    "--month",
                    MonthlyReportTest.MARCH.toString(),
                    "--out",
                    out.toString(),
                    "--lang",
                    lang,
                    "--format",
                    "html");
            assertEquals(0, r.code(), r.out() + r.err());
        }
        // The model the page is made from, read as the command reads it: what charts the page must have.
        Settings settings = Settings.load(month.config);
        try (ReportReader reader = new ReportReader(
                settings.influx(),
                settings.analysis().settings().tariff(),
                System::currentTimeMillis,
                settings.topology().site())) {
            model = reader.read(MonthlyReportTest.MARCH, (step, of, what) -> {});
        }
        Files.createDirectories(SHOTS);
    }

    @Test
    void theEnglishPageLoadsCleanlyWithEveryChartDrawn() throws Exception {
        check("en");
    }

    @Test
    void theChinesePageLoadsCleanlyWithEveryChartDrawn() throws Exception {
        check("zh-CN");
    }

    /** The checks below can fail: a page that logs an error, throws and fetches from the network is caught. */
    @Test
    void theChecksCatchAnErrorAnExceptionAndAnExternalFetch() throws Exception {
        Path bad = Files.writeString(
                dir.resolve("bad.html"),
                "<!DOCTYPE html><html><body><img src=\"http://127.0.0.1:9/pixel.png\">"
                        + "<script>console.error('boom'); throw new Error('bang');</script></body></html>");
        try (Chromium browser = Chromium.launch(Files.createTempDirectory(dir, "profile"))) {
            Loaded page = load(browser, bad);
            assertTrue(page.errors.stream().anyMatch(e -> e.contains("boom")), "console.error seen: " + page.errors);
            assertTrue(page.errors.stream().anyMatch(e -> e.contains("bang")), "exception seen: " + page.errors);
            assertEquals(List.of("http://127.0.0.1:9/pixel.png"), page.offenders, "the external fetch is named");
        }
    }

    private void check(String lang) throws Exception {
        Path html = out.resolve("report-2026-03." + lang + ".html");
        try (Chromium browser = Chromium.launch(Files.createTempDirectory(dir, "profile"))) {
            Loaded page = load(browser, html);
            assertEquals(List.of(), page.errors, "no console error or exception in " + html.getFileName());
            assertEquals(List.of(), page.offenders, "no request leaves the file " + html.getFileName());
            assertTrue(page.requests >= 1, "the page itself was requested");

            charts(browser, lang);
            screenshots(browser, lang);
        }
    }

    /** Every chart of the model is in the page, has a size, and draws its data. */
    private void charts(Chromium browser, String lang) throws Exception {
        List<MonthlyReport.EpisodeReport> charted =
                model.episodes().stream().filter(e -> !e.chart().isEmpty()).toList();
        boolean rooms = model.energyByDay().stream().anyMatch(d -> d.level() == MonthlyReport.Level.ROOM);
        boolean racks = model.energyByDay().stream().anyMatch(d -> d.level() == MonthlyReport.Level.RACK);
        int expected = charted.size() + model.heatMaps().size() + (rooms ? 1 : 0) + (racks ? 1 : 0);
        assertTrue(charted.size() >= 3 && model.heatMaps().size() == 2 && rooms && racks, "the month has charts");

        JsonNode found = browser.evaluate(CHARTS);
        System.out.printf(
                "%s: %d charts expected from the model, the browser finds %d%n", lang, expected, found.size());
        assertEquals(expected, found.size(), "one chart per charted episode, heat map, and energy by room and rack");
        int episode = 0;
        int heat = 0;
        for (JsonNode c : found) {
            String name = c.path("chart").asText();
            System.out.println("  " + c);
            assertTrue(c.path("svg").asBoolean(), name + ": an inline SVG");
            assertTrue(
                    c.path("w").asDouble() >= 300 && c.path("h").asDouble() >= 150,
                    name + ": a chart a reader can see, not " + c.path("w") + "x" + c.path("h"));
            if (name.equals("episode")) {
                // A line of actual power through every bucket of the episode's chart, as well as the band's.
                int points = charted.get(episode++).chart().size();
                assertTrue(
                        c.path("segments").asInt() >= points,
                        name + " " + episode + ": its lines have at least " + points + " segments: " + c);
            } else if (name.startsWith("heat-")) {
                // A coloured cell for each hour of the week that has a figure.
                double[][] w = model.heatMaps().get(heat++).meanW();
                int cells = 0;
                for (double[] day : w) {
                    for (double v : day) {
                        cells += Double.isNaN(v) ? 0 : 1;
                    }
                }
                assertTrue(cells > 100, name + ": the model has cells: " + cells);
                assertTrue(c.path("cells").asInt() >= cells, name + ": " + cells + " cells drawn: " + c);
                assertTrue(c.path("fills").asInt() >= 5, name + ": cells in several colours: " + c);
            } else {
                // A bar per day with energy, stacked per room or rack.
                MonthlyReport.Level level = name.equals("rooms") ? MonthlyReport.Level.ROOM : MonthlyReport.Level.RACK;
                long bars = model.energyByDay().stream()
                        .filter(d -> d.level() == level && d.kwh() > 0)
                        .count();
                assertTrue(bars > 0, name + ": the model has energy");
                assertTrue(c.path("cells").asInt() >= bars, name + ": " + bars + " bars drawn: " + c);
                long names = model.energyByDay().stream()
                        .filter(d -> d.level() == level)
                        .map(MonthlyReport.DailyEnergy::name)
                        .distinct()
                        .count();
                assertTrue(c.path("fills").asInt() >= names, name + ": a colour for each of " + names + ": " + c);
            }
        }
        assertEquals(charted.size(), episode, "every charted episode's chart");
    }

    /** The tallest screenshot taken whole; a taller element would have to be cut, which the test refuses. */
    static final double MAX_SHOT_PX = 16_000;

    /**
     * One PNG per section, clipped to it, except the episodes section (a month of episodes is far taller than a
     * screenshot can be): one PNG per episode there, {@code LANG-episodes-episode-N.png}. Each shows its element
     * whole and has more than a blank page's colours.
     */
    private void screenshots(Chromium browser, String lang) throws Exception {
        JsonNode parts = browser.evaluate("""
                (() => {
                  const box = (id, el) => { const r = el.getBoundingClientRect();
                    return {id: id, x: r.left + scrollX, y: r.top + scrollY, w: r.width, h: r.height}; };
                  const out = [];
                  for (const s of document.querySelectorAll('section')) {
                    const episodes = s.id === 'episodes' ? [...s.querySelectorAll('.episode')] : [];
                    if (episodes.length) { episodes.forEach(e => out.push(box('episodes-' + e.id, e))); }
                    else { out.push(box(s.id, s)); }
                  }
                  return out;
                })()""");
        long episodeShots = 0;
        for (JsonNode p : parts) {
            episodeShots += p.path("id").asText().startsWith("episodes-") ? 1 : 0;
        }
        assertTrue(parts.size() - episodeShots >= 5, "the report's sections: " + parts);
        assertEquals(model.episodes().size(), episodeShots, "one screenshot per episode of the model: " + parts);
        // This language's shots of an earlier run (a section since split, episodes since gone) would mislead.
        try (var old = Files.list(SHOTS)) {
            for (Path f : old.filter(f -> f.getFileName().toString().startsWith(lang + "-"))
                    .toList()) {
                Files.delete(f);
            }
        }
        for (JsonNode s : parts) {
            String id = s.path("id").asText();
            double h = s.path("h").asDouble();
            assertTrue(s.path("w").asDouble() > 0 && h > 0, id + ": an element with a size: " + s);
            assertTrue(h <= MAX_SHOT_PX, id + ": " + h + " px, taller than a whole screenshot");
            JsonNode shot = browser.call(
                    "Page.captureScreenshot",
                    Map.of(
                            "format",
                            "png",
                            "captureBeyondViewport",
                            true,
                            "clip",
                            Map.of(
                                    "x",
                                    s.path("x").asDouble(),
                                    "y",
                                    s.path("y").asDouble(),
                                    "width",
                                    s.path("w").asDouble(),
                                    "height",
                                    h,
                                    "scale",
                                    1)));
            byte[] png = Base64.getDecoder().decode(shot.path("data").asText());
            Path file = SHOTS.resolve(lang + "-" + id + ".png");
            Files.write(file, png);
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
            Set<Integer> colours = new HashSet<>();
            for (int y = 0; y < img.getHeight(); y += 3) {
                for (int x = 0; x < img.getWidth(); x += 3) {
                    colours.add(img.getRGB(x, y));
                }
            }
            System.out.printf(
                    "%s: %dx%d px, %d colours, %d bytes%n",
                    file, img.getWidth(), img.getHeight(), colours.size(), png.length);
            assertTrue(colours.size() > 2, id + ": the screenshot shows something: " + file);
        }
    }

    /** What a page did while it loaded. */
    record Loaded(List<String> errors, List<String> offenders, int requests) {}

    private static Loaded load(Chromium browser, Path file) throws Exception {
        for (String domain : List.of("Runtime", "Log", "Network", "Page")) {
            browser.call(domain + ".enable");
        }
        browser.clearEvents();
        JsonNode nav = browser.call("Page.navigate", Map.of("url", file.toUri().toString()));
        assertTrue(!nav.has("errorText"), "navigation failed: " + nav);
        browser.await("Page.loadEventFired", e -> true, 60);
        Thread.sleep(500); // errors and requests that follow the load event
        List<String> errors = new ArrayList<>();
        for (JsonNode e : browser.events("Runtime.consoleAPICalled")) {
            if (List.of("error", "assert").contains(e.path("type").asText())) {
                errors.add("console." + e.path("type").asText() + ": " + e.path("args"));
            }
        }
        for (JsonNode e : browser.events("Runtime.exceptionThrown")) {
            errors.add("exception: " + e.path("exceptionDetails"));
        }
        for (JsonNode e : browser.events("Log.entryAdded")) {
            if (e.path("entry").path("level").asText().equals("error")) {
                errors.add("log: " + e.path("entry").path("text").asText() + " "
                        + e.path("entry").path("url").asText());
            }
        }
        List<String> offenders = new ArrayList<>();
        List<JsonNode> requests = browser.events("Network.requestWillBeSent");
        for (JsonNode e : requests) {
            String url = e.path("request").path("url").asText();
            if (!url.startsWith("file:") && !url.startsWith("data:")) {
                offenders.add(url);
            }
        }
        return new Loaded(errors, offenders, requests.size());
    }

    /**
     * Per chart box: its SVG's size, the segments of its paths and lines, its filled rectangles narrower than the
     * plot (heat map cells, bars, a legend's box), and their distinct colours other than white.
     */
    private static final String CHARTS = """
            [...document.querySelectorAll('[data-chart]')].map(b => {
              const s = b.querySelector('svg');
              if (!s) return {chart: b.dataset.chart, svg: false};
              const r = s.getBoundingClientRect();
              let segments = 0, cells = 0;
              const fills = new Set();
              for (const e of s.querySelectorAll('path, line, polyline, rect')) {
                const bb = e.getBBox();
                if (bb.width < 0.5 && bb.height < 0.5) continue;
                if (e.tagName === 'line') segments++;
                else if (e.tagName === 'path') segments += (e.getAttribute('d').match(/[LCQ]/gi) || []).length;
                else if (e.tagName === 'polyline') segments += e.points.numberOfItems - 1;
                else {
                  // Not the chart's or plot's background or outline: a cell, a bar (or the legend's box).
                  const fill = getComputedStyle(e).fill;
                  if (fill === 'none' || bb.width > r.width * 0.8) continue;
                  cells++;
                  if (fill !== 'rgb(255, 255, 255)') fills.add(fill);
                }
              }
              return {chart: b.dataset.chart, section: b.closest('section').id, svg: true,
                      w: r.width, h: r.height, segments, cells, fills: fills.size};
            })
            """;
}

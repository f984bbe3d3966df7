package io.wattguard.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.analytics.Tariff;
import io.wattguard.daemon.Settings;
import io.wattguard.simulator.site.Label;
import io.wattguard.testing.Cli;
import io.wattguard.testing.InfluxdTest;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code wattguard report} over a simulated month written through the real pipeline and analysed by the real
 * analysis, in a real influxd: the figures it prints agree with a computation of our own from the raw stored
 * points, and its CSV files agree with its HTML.
 */
class MonthlyReportTest extends InfluxdTest {
    static final ZoneId ZONE = ZoneId.of("Europe/Berlin");
    static final ReportMonth MARCH = ReportMonth.parse("2026-03", ZONE);

    @TempDir
    static Path dir;

    static SimulatedMonth month;
    static Path en;

    @BeforeAll
    static void site() throws Exception {
        month = SimulatedMonth.write(influxd.url(), dir);
        en = dir.resolve("en");
        Cli.Result r = report("--out", en.toString(), "--format", "html,csv");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.err().contains("report 100%"), "a progress bar on stderr: " + r.err());
        keep(en);
    }

    /** Copies a report folder to target/report-artefacts, so a person can open what the tests checked. */
    static void keep(Path out) throws java.io.IOException {
        Path to = Path.of("target", "report-artefacts", out.getFileName().toString());
        Files.createDirectories(to);
        try (var files = Files.list(out)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    static Cli.Result report(String... more) {
        List<String> args =
                new ArrayList<>(List.of("report", "--config", month.config.toString(), "--month", MARCH.toString()));
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    static String html(Path out, String lang) throws Exception {
        return Files.readString(out.resolve("report-2026-03." + lang + ".html"));
    }

    /** The {@code data-figure} value of a summary card. */
    static double figure(String html, String name) {
        Matcher m = Pattern.compile("data-figure=\"" + name + "\" data-value=\"([^\"]+)\"")
                .matcher(html);
        assertTrue(m.find(), "no summary figure " + name);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void energyAndCostAgreeWithTheRoomMetersRawCounters() throws Exception {
        String html = html(en, "en");
        // Independently: every raw point of the rooms' meter counters, from the last one before the month to the
        // last one in it, rises summed (a counter that restarts is not a negative energy), each priced at the tariff
        // of the hour it ends in.
        Tariff tariff = Settings.load(month.config).analysis().settings().tariff();
        long from = MARCH.fromMs();
        long to = MARCH.toMs();
        List<Map<String, Object>> raw = query(
                SimulatedMonth.DB,
                "SELECT energy_kwh FROM meter WHERE kind = 'meter' AND time >= " + (from - 3_600_000) + "ms AND time < "
                        + to + "ms GROUP BY device, channel");
        assertFalse(raw.isEmpty(), "the room meters wrote counters");
        Map<String, Double> previous = new HashMap<>();
        double kwh = 0;
        double cost = 0;
        for (Map<String, Object> p : raw) {
            String series = p.get("device") + "/" + p.get("channel");
            long t = ((Number) p.get("time")).longValue();
            double v = ((Number) p.get("energy_kwh")).doubleValue();
            Double before = previous.put(series, v);
            if (t >= from && before != null && v >= before) {
                kwh += v - before;
                long hour = Math.floorDiv(t, 3_600_000L) * 3_600_000L;
                cost += (v - before) * tariff.pricePerKwh(hour + 1_800_000);
            }
        }
        double reported = figure(html, "energy");
        System.out.printf("energy: report %.3f kWh, raw counters %.3f kWh%n", reported, kwh);
        assertTrue(kwh > 100, "a site of 12 hosts uses more than 100 kWh in a week: " + kwh);
        assertEquals(kwh, reported, kwh * 0.005, "energy within 0.5% of the raw counters");
        double reportedCost = figure(html, "cost");
        System.out.printf("cost: report %.2f EUR, raw counters %.2f EUR%n", reportedCost, cost);
        assertEquals(cost, reportedCost, cost * 0.01, "cost within 1% of the raw counters priced per hour");
        assertTrue(reportedCost > kwh * 0.2 && reportedCost < kwh * 0.3, "between the two prices: " + reportedCost);
        assertTrue(html.contains("€"), "money in euros");
    }

    @Test
    void unexplainedEnergyAndEpisodesAgreeWithTheStoredAnomalyPoints() throws Exception {
        String html = html(en, "en");
        // Independently: every anomaly point of March, the last of each episode, its energy less what it had
        // before March; host and rack episodes count.
        List<Map<String, Object>> raw = query(
                SimulatedMonth.DB,
                "SELECT * FROM anomaly WHERE time >= " + MARCH.fromMs() + "ms AND time < " + MARCH.toMs() + "ms");
        Map<String, Map<String, Object>> last = new TreeMap<>();
        for (Map<String, Object> p : raw) {
            Map<String, Object> seen = last.get((String) p.get("id"));
            if (seen == null || ((Number) seen.get("time")).longValue() <= ((Number) p.get("time")).longValue()) {
                last.put((String) p.get("id"), p);
            }
        }
        double unexplained = 0;
        for (Map<String, Object> p : last.values()) {
            if (!List.of("host", "rack").contains(p.get("level"))) {
                continue;
            }
            double before = 0;
            if (((Number) p.get("started_ms")).longValue() < MARCH.fromMs()) {
                List<Map<String, Object>> b = query(
                        SimulatedMonth.DB,
                        "SELECT last(energy_kwh) FROM anomaly WHERE id = '" + p.get("id") + "' AND time >= "
                                + (MARCH.fromMs() - 40L * 86_400_000) + "ms AND time < " + MARCH.fromMs() + "ms");
                before = b.isEmpty() ? 0 : ((Number) b.get(0).get("last")).doubleValue();
            }
            unexplained += ((Number) p.get("energy_kwh")).doubleValue() - before;
        }
        double reported = figure(html, "unexplained");
        System.out.printf(
                "unexplained: report %.3f kWh, anomaly points %.3f kWh, %d episodes%n",
                reported, unexplained, last.size());
        assertTrue(unexplained > 1, "the injected mining is unexplained energy: " + unexplained);
        assertEquals(unexplained, reported, 1e-6 * Math.max(1, unexplained));

        Set<String> listed = new LinkedHashSet<>(values(html, "data-id"));
        assertEquals(last.keySet(), new java.util.TreeSet<>(listed), "every episode of March, each once");
        assertEquals(listed.size(), (int) figure(html, "episodes"), "the summary counts them all");
        // The simulator's mining is in the report: each mined host is among the entities of its episodes.
        Set<String> entities = new java.util.HashSet<>();
        last.values().forEach(p -> entities.add(String.valueOf(p.get("entity"))));
        int found = 0;
        for (Label l : month.miningInMarch()) {
            if (entities.stream().anyMatch(e -> e.equals(l.entity()) || e.startsWith(l.entity() + ":"))) {
                found++;
            }
        }
        System.out.printf(
                "mining injected in March: %d, with an episode in the report: %d%n",
                month.miningInMarch().size(), found);
        assertTrue(found >= month.miningInMarch().size() - 1, "the injected mining shows as episodes");
        // Each episode has its chart of actual against expected and says what it is.
        int charts = html.split("data-chart=\"episode\"", -1).length - 1;
        assertEquals(listed.size(), charts, "a chart for every episode");
        assertTrue(html.contains("<svg"), "inline SVG charts");
        assertFalse(html.matches("(?s).*(src|href)=\"https?:.*"), "nothing fetched from the network");
    }

    @Test
    void theCsvFilesAgreeWithTheHtml() throws Exception {
        String html = html(en, "en");
        Map<String, Double> roomsCsv = new TreeMap<>();
        Map<String, Double> racksCsv = new TreeMap<>();
        try (Reader r = Files.newBufferedReader(en.resolve("energy-2026-03.csv"), StandardCharsets.UTF_8)) {
            for (CSVRecord rec : CSVFormat.RFC4180
                    .builder()
                    .setHeader()
                    .setSkipHeaderRecord(true)
                    .get()
                    .parse(r)) {
                double kwh = Double.parseDouble(rec.get("kwh"));
                if (rec.get("level").equals("room")) {
                    roomsCsv.merge(rec.get("name"), kwh, Double::sum);
                } else if (rec.get("level").equals("rack")) {
                    racksCsv.merge(rec.get("name"), kwh, Double::sum);
                }
            }
        }
        assertEquals(attributes(html, "data-room", "data-kwh").keySet(), roomsCsv.keySet());
        attributes(html, "data-room", "data-kwh").forEach((room, kwh) -> assertEquals(kwh, roomsCsv.get(room), 1e-3));
        assertEquals(attributes(html, "data-rack", "data-kwh").keySet(), racksCsv.keySet());
        attributes(html, "data-rack", "data-kwh").forEach((rack, kwh) -> assertEquals(kwh, racksCsv.get(rack), 1e-3));
        double site =
                roomsCsv.values().stream().mapToDouble(Double::doubleValue).sum();
        assertEquals(figure(html, "energy"), site, 1e-3, "the rooms' days add up to the summary's energy");

        List<String> ids = new ArrayList<>();
        double unexplained = 0;
        try (Reader r = Files.newBufferedReader(en.resolve("episodes-2026-03.csv"), StandardCharsets.UTF_8)) {
            var parsed = CSVFormat.RFC4180
                    .builder()
                    .setHeader()
                    .setSkipHeaderRecord(true)
                    .get()
                    .parse(r);
            assertTrue(
                    parsed.getHeaderNames().containsAll(io.wattguard.store.Schema.Anomaly.M.fields()),
                    "every field of the anomaly schema: " + parsed.getHeaderNames());
            for (CSVRecord rec : parsed) {
                ids.add(rec.get("id"));
                if (rec.get("state").equals("open")) {
                    // Open at the month's end: known to last until its last point, not to the end of the month.
                    long last = Long.parseLong(rec.get("last_point_ms"));
                    assertTrue(
                            last >= Long.parseLong(rec.get("started_ms")) && last < SimulatedMonth.LATE_TO,
                            rec.toString());
                }
                if (List.of("host", "rack").contains(rec.get("level"))) {
                    unexplained += Double.parseDouble(rec.get("month_kwh"));
                }
                assertFalse(rec.get("evidence").isEmpty() && rec.get("kind").equals("miner_process"), rec.toString());
            }
        }
        assertEquals(values(html, "data-id"), ids, "the same episodes in the same order");
        assertEquals(figure(html, "unexplained"), unexplained, 1e-3);
    }

    @Test
    void zhCnTranslatesEveryLabelAndLeavesNoEnglishOne() throws Exception {
        Path zh = dir.resolve("zh-CN");
        Cli.Result r = report("--out", zh.toString(), "--lang", "zh-CN", "--format", "html");
        assertEquals(0, r.code(), r.out() + r.err());
        keep(zh);
        String html = html(zh, "zh-CN");
        assertTrue(html.contains("lang=\"zh-CN\""), "the page says it is Chinese");
        for (String expected : List.of("能耗与异常报告", "2026年3月", "用电量", "无法解释的用电量", "异常事件", "数据的计算方法", "按机房和机柜统计的用电量")) {
            assertTrue(html.contains(expected), "Chinese: " + expected);
        }
        // What a reader sees: the text of the page and of its charts, without the markup.
        String visible = html.replaceAll("(?s)<style.*?</style>", " ")
                .replaceAll("<[^>]+>", " ")
                .replace("&#39;", "'");
        // Episode ids are identifiers (unexplained_power-host-...), the same in every language: not labels.
        for (String id : values(html, "data-id")) {
            visible = visible.replace(id, " ");
        }
        List<String> leaks = new ArrayList<>();
        for (Pattern label : ChineseReportTest.englishLabels()) {
            Matcher m = label.matcher(visible);
            if (m.find()) {
                leaks.add(m.group() + " ..."
                        + visible.substring(Math.max(0, m.start() - 40), Math.min(visible.length(), m.end() + 40))
                                .replaceAll("\\s+", " "));
            }
        }
        assertEquals(List.of(), leaks, "no English label in the zh-CN page");
        // The same figures as the English page: only the words change.
        assertEquals(figure(html(en, "en"), "energy"), figure(html, "energy"), 1e-9);
        assertEquals(values(html(en, "en"), "data-id"), values(html, "data-id"));
    }

    @Test
    void theZhCnPdfEmbedsAChineseFontAndItsTextExtractsAsChinese() throws Exception {
        Path out = dir.resolve("pdf-zh");
        Cli.Result r = report("--out", out.toString(), "--lang", "zh-CN", "--format", "pdf");
        assertEquals(0, r.code(), r.out() + r.err());
        keep(out);
        Path pdf = out.resolve("report-2026-03.zh-CN.pdf");
        String text = Poppler.text(pdf);
        for (String expected : List.of("能耗与异常报告", "2026年3月", "概要", "无法解释的用电量", "按严重程度统计的异常事件", "数据的计算方法")) {
            assertTrue(
                    text.contains(expected),
                    "pdftotext finds " + expected + " in: " + text.substring(0, Math.min(600, text.length())));
        }
        assertFalse(text.contains("\uFFFD"), "no replacement characters");
        // Each episode's title, stored in English by the analysis, is on the page in Chinese and not in English.
        ReportText zh = new ReportText("zh-CN", ZONE, "EUR");
        String page = text.replaceAll("\\s+", ""); // pdftotext breaks long cells into lines
        int titles = 0;
        try (Reader rd = Files.newBufferedReader(en.resolve("episodes-2026-03.csv"), StandardCharsets.UTF_8)) {
            for (CSVRecord rec : CSVFormat.RFC4180
                    .builder()
                    .setHeader()
                    .setSkipHeaderRecord(true)
                    .get()
                    .parse(rd)) {
                String english = rec.get("title");
                String chinese = zh.episodeTitle(rec.get("kind"), rec.get("entity"), english);
                assertNotEquals(
                        zh.t("episode.heading", zh.word("kind", rec.get("kind")), rec.get("entity")),
                        chinese,
                        "a title form ReportText knows: " + english);
                assertTrue(page.contains(chinese.replaceAll("\\s+", "")), "in Chinese: " + chinese);
                assertFalse(page.contains(english.replaceAll("\\s+", "")), "not in English: " + english);
                titles++;
            }
        }
        assertTrue(titles > 0, "the simulated month has episodes");
        assertChartsCarryData(pdf);
    }

    @Test
    void theEnglishPdfHasTheSameFiguresAndChartsWithData() throws Exception {
        Path out = dir.resolve("pdf-en");
        Cli.Result r = report("--out", out.toString(), "--format", "pdf");
        assertEquals(0, r.code(), r.out() + r.err());
        keep(out);
        Path pdf = out.resolve("report-2026-03.en.pdf");
        String text = Poppler.text(pdf);
        assertTrue(text.contains("Energy and anomaly report") && text.contains("March 2026"), text.substring(0, 400));
        String html = html(en, "en");
        Matcher energy = Pattern.compile("<span class=\"v\">([^<]+)</span><span class=\"k\">Energy used")
                .matcher(html);
        assertTrue(energy.find());
        assertTrue(text.contains(energy.group(1)), "the PDF shows the HTML's energy " + energy.group(1));
        assertChartsCarryData(pdf);
    }

    /**
     * Rendered by pdftoppm, the pages show the charts' lines: the measured (red) and expected (blue) series drawn
     * over a real stretch of the page, not an empty frame.
     */
    static void assertChartsCarryData(Path pdf) throws Exception {
        List<java.awt.image.BufferedImage> pages = Poppler.pages(pdf, 50);
        assertTrue(pages.size() >= 3, "a summary, episodes and an appendix: " + pages.size() + " pages");
        int red = 0;
        int blue = 0;
        for (var page : pages) {
            red += Poppler.pixels(page, 0xC0392B, 40);
            blue += Poppler.pixels(page, 0x2C7BB6, 40);
        }
        System.out.printf(
                "%s: %d pages, %d measured-line pixels, %d expected-line pixels%n",
                pdf.getFileName(), pages.size(), red, blue);
        assertTrue(red > 500 && blue > 500, "chart lines drawn: red " + red + ", blue " + blue);
    }

    @Test
    void theConfigsReportFontWinsOverTheEnvironmentForTheCommandToo() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("no-fonts-config"));
        Path config = dir.resolve("with-report-font.yaml");
        Files.writeString(
                config,
                Files.readString(month.config) + "\nreport:\n  dir: " + dir.resolve("monthly") + "\n  font: " + empty
                        + "\n");
        java.io.StringWriter e = new java.io.StringWriter();
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("WATTGUARD_REPORT_FONT", "/usr/share/fonts"); // where a font is: the config's folder must win
        int code = io.wattguard.cli.Main.execute(
                new java.io.PrintWriter(java.io.Writer.nullWriter()),
                new java.io.PrintWriter(e, true),
                env,
                "report",
                "--config",
                config.toString(),
                "--month",
                "2026-03",
                "--out",
                dir.resolve("pdf-config-font").toString(),
                "--lang",
                "zh-CN",
                "--format",
                "pdf");
        assertEquals(1, code, e.toString());
        assertTrue(e.toString().contains(empty.toString()), "names the config's folder: " + e);
    }

    @Test
    void withoutAChineseFontAZhCnPdfStopsWithOneClearLine() throws Exception {
        Path empty = Files.createDirectories(dir.resolve("no-fonts"));
        Path out = dir.resolve("pdf-none");
        java.io.StringWriter o = new java.io.StringWriter();
        java.io.StringWriter e = new java.io.StringWriter();
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("WATTGUARD_REPORT_FONT", empty.toString());
        int code = io.wattguard.cli.Main.execute(
                new java.io.PrintWriter(o, true),
                new java.io.PrintWriter(e, true),
                env,
                "report",
                "--config",
                month.config.toString(),
                "--month",
                "2026-03",
                "--out",
                out.toString(),
                "--lang",
                "zh-CN",
                "--format",
                "pdf");
        String err = e.toString().trim();
        assertEquals(1, code, err);
        assertEquals(1, err.lines().count(), "one line: " + err);
        assertTrue(
                err.contains("Chinese")
                        && err.contains("fonts-droid-fallback")
                        && err.contains("WATTGUARD_REPORT_FONT"),
                err);
        assertFalse(Files.exists(out.resolve("report-2026-03.zh-CN.pdf")), "no PDF with boxes");
        // The English PDF needs no such font.
        env.put("WATTGUARD_REPORT_FONT", empty.toString());
        code = io.wattguard.cli.Main.execute(
                new java.io.PrintWriter(o, true),
                new java.io.PrintWriter(e, true),
                env,
                "report",
                "--config",
                month.config.toString(),
                "--month",
                "2026-03",
                "--out",
                out.toString(),
                "--format",
                "pdf");
        assertEquals(0, code, e.toString());
    }

    @Test
    void aGapAndAHostAddedMidMonthAreReportedAsTheStoredPointsShow() throws Exception {
        String html = html(en, "en");
        // The data stops on 7 March: the report says on how many days it has energy, counted from raw points.
        Set<java.time.LocalDate> days = new java.util.TreeSet<>();
        for (Map<String, Object> p : query(
                SimulatedMonth.DB,
                "SELECT energy_kwh FROM meter WHERE kind = 'meter' AND time >= " + MARCH.fromMs() + "ms AND time < "
                        + MARCH.toMs() + "ms")) {
            days.add(java.time.Instant.ofEpochMilli(((Number) p.get("time")).longValue())
                    .atZone(ZONE)
                    .toLocalDate());
        }
        assertTrue(
                html.replace("&#39;", "'").contains("Energy data on " + days.size() + " of the month's 31 days"),
                "partial data said");
        assertTrue(html.contains("id=\"previous-days\""), "February's few days said beside the change");

        // Outlets: the share of points that arrived and the gaps, from the raw points' hours.
        Map<String, TreeMap<Long, Long>> perHour = new TreeMap<>();
        for (Map<String, Object> p : query(
                SimulatedMonth.DB,
                "SELECT energy_kwh FROM meter WHERE kind = 'outlet' AND time >= " + MARCH.fromMs() + "ms AND time < "
                        + MARCH.toMs() + "ms GROUP BY device, channel, host")) {
            long hour = (((Number) p.get("time")).longValue() - MARCH.fromMs()) / 3_600_000L;
            perHour.computeIfAbsent(p.get("device") + "/" + p.get("channel"), k -> new TreeMap<>())
                    .merge(hour, 1L, Long::sum);
        }
        long hours = (MARCH.toMs() - MARCH.fromMs()) / 3_600_000L;
        long expected = 0;
        long arrived = 0;
        int gaps = 0;
        for (TreeMap<Long, Long> h : perHour.values()) {
            long cadence = h.values().stream().mapToLong(Long::longValue).max().orElse(0);
            expected += cadence * hours;
            arrived += h.values().stream().mapToLong(c -> Math.min(c, cadence)).sum();
            long previous = h.firstKey();
            for (long k : h.keySet()) {
                gaps += k > previous + 1 ? 1 : 0;
                previous = k;
            }
            gaps += previous < hours - 1 ? 1 : 0;
        }
        Matcher row = Pattern.compile(
                        "data-source=\"outlets\" data-share=\"([^\"]+)\"><td>[^<]*</td><td class=\"n\">(\\d+)</td><td class=\"n\">[^<]*</td><td class=\"n\">(\\d+)</td>")
                .matcher(html);
        assertTrue(row.find(), "an outlets row in Data completeness");
        System.out.printf(
                "outlets: %d series, share %.4f (raw %.4f), gaps %s (raw %d)%n",
                perHour.size(), Double.parseDouble(row.group(1)), (double) arrived / expected, row.group(3), gaps);
        assertEquals((double) arrived / expected, Double.parseDouble(row.group(1)), 1e-9);
        assertEquals(perHour.size(), Integer.parseInt(row.group(2)));
        assertEquals(gaps, Integer.parseInt(row.group(3)), "gpu-005's six hours and every outlet's end of data");
        assertTrue(gaps > perHour.size(), "the hole in gpu-005's outlet counts beside the data's end");

        // The host added on 4 March: named as starting then, and its energy is its counter's whole rise.
        assertTrue(
                html.contains("data-late=\"pdu-r02/23 (gpu-new)\" data-first=\"" + SimulatedMonth.LATE_FROM + "\""),
                "the late host is named with its first hour");
        double late = 0;
        try (Reader r = Files.newBufferedReader(en.resolve("energy-2026-03.csv"), StandardCharsets.UTF_8)) {
            for (CSVRecord rec : CSVFormat.RFC4180
                    .builder()
                    .setHeader()
                    .setSkipHeaderRecord(true)
                    .get()
                    .parse(r)) {
                if (rec.get("level").equals("host") && rec.get("name").equals(SimulatedMonth.LATE_HOST)) {
                    late += Double.parseDouble(rec.get("kwh"));
                }
            }
        }
        assertEquals(SimulatedMonth.LATE_KWH, late, 1e-3, "its first day counts from its first reading");
        assertTrue(html.contains("data-host=\"gpu-new\"") || html.contains("more hosts"), "ranked with the others");
    }

    @Test
    void aMonthWithoutDataSaysSoAndStillWritesEveryFile() throws Exception {
        Path out = dir.resolve("empty");
        Cli.Result r = Cli.run(
                "report",
                "--config",
                month.config.toString(),
                "--month",
                "2026-01",
                "--out",
                out.toString(),
                "--format",
                "html,csv");
        assertEquals(0, r.code(), r.err());
        String html = Files.readString(out.resolve("report-2026-01.en.html"));
        for (String id : List.of("no-data", "no-episodes", "no-points", "no-previous")) {
            assertTrue(html.contains("id=\"" + id + "\""), "says " + id);
        }
        assertEquals(0, figure(html, "energy"));
        assertEquals(0, figure(html, "episodes"));
        assertEquals(1, Files.readAllLines(out.resolve("episodes-2026-01.csv")).size(), "a header and no rows");
        keep(out);
    }

    @Test
    void theHeatMapsPlaceTheResidualByHourOfWeekAsTheRawBaselinesDo() throws Exception {
        String html = html(en, "en");
        // Independently: every raw host baseline row of March; each host's mean per hour, summed over hosts, then
        // averaged per local weekday and hour.
        Map<Long, Map<String, double[]>> hourly = new TreeMap<>();
        for (Map<String, Object> p : query(
                SimulatedMonth.DB,
                "SELECT residual_w FROM baseline WHERE level = 'host' AND time >= " + MARCH.fromMs() + "ms AND time < "
                        + MARCH.toMs() + "ms GROUP BY entity")) {
            long hour = Math.floorDiv(((Number) p.get("time")).longValue(), 3_600_000L) * 3_600_000L;
            double[] acc = hourly.computeIfAbsent(hour, k -> new HashMap<>())
                    .computeIfAbsent((String) p.get("entity"), k -> new double[2]);
            acc[0] += ((Number) p.get("residual_w")).doubleValue();
            acc[1]++;
        }
        double[][] sum = new double[7][24];
        int[][] n = new int[7][24];
        hourly.forEach((hour, hosts) -> {
            var t = java.time.Instant.ofEpochMilli(hour).atZone(ZONE);
            double w = hosts.values().stream().mapToDouble(a -> a[0] / a[1]).sum();
            sum[t.getDayOfWeek().getValue() - 1][t.getHour()] += w;
            n[t.getDayOfWeek().getValue() - 1][t.getHour()]++;
        });
        Matcher site = Pattern.compile("data-chart=\"heat-0\" data-entity=\"site\" data-cells=\"([^\"]*)\"")
                .matcher(html);
        assertTrue(site.find(), "a heat map of the site");
        String[] cells = site.group(1).split(",", -1);
        assertEquals(168, cells.length);
        int compared = 0;
        for (int d = 0; d < 7; d++) {
            for (int h = 0; h < 24; h++) {
                String c = cells[d * 24 + h];
                if (n[d][h] == 0) {
                    assertEquals("", c, "no data, no value: day " + d + " hour " + h);
                } else {
                    assertEquals(sum[d][h] / n[d][h], Double.parseDouble(c), 1e-6 * Math.max(1, Math.abs(sum[d][h])));
                    compared++;
                }
            }
        }
        assertTrue(compared >= 24 * 6, "six days of March: " + compared + " cells");
        // The second is the rack ranked first by unexplained energy.
        Matcher first =
                Pattern.compile("<tr data-rack=\"([^\"]+)\" data-unexplained").matcher(html);
        assertTrue(first.find());
        assertTrue(
                html.contains("data-chart=\"heat-1\" data-entity=\"" + first.group(1) + "\""), "the worst rack's map");
    }

    @Test
    void everyQueryIsBoundedAndAnAggregate() throws Exception {
        Settings settings = Settings.load(month.config);
        List<String> queries = new ArrayList<>();
        try (ReportReader reader = new ReportReader(
                settings.influx(), settings.analysis().settings().tariff(), System::currentTimeMillis, "lab")) {
            reader.onQuery(queries::add);
            reader.read(MARCH, (s, of, what) -> {});
        }
        assertFalse(queries.isEmpty());
        for (String q : queries) {
            assertTrue(q.contains("time >= ") && q.contains("time < "), "both time bounds: " + q);
            assertFalse(q.contains("FROM \"gpu\""), "no GPU telemetry: " + q);
            // Telemetry and baselines only as aggregates over time; anomaly points are the month's episodes.
            if (q.contains("FROM \"meter\"") || q.contains("FROM \"baseline\"") || q.contains("FROM \"host\"")) {
                assertTrue(q.contains("GROUP BY time("), "an aggregate over time: " + q);
            }
        }
    }

    @Test
    void badArgumentsAreBadInputNamingTheOption() {
        Cli.Result r = report("--out", dir.resolve("x").toString(), "--lang", "fr");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--lang") && r.err().contains("zh-CN"), r.err());
        r = report("--out", dir.resolve("x").toString(), "--format", "html,docx");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--format") && r.err().contains("docx"), r.err());
        r = Cli.run("report", "--config", month.config.toString(), "--month", "2026-13", "--out", "x");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("--month") && r.err().contains("YYYY-MM"), r.err());
        r = Cli.run("report", "--config", month.config.toString(), "--month", "March", "--out", "x");
        assertEquals(2, r.code(), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }

    static List<String> values(String html, String attribute) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile(attribute + "=\"([^\"]*)\"").matcher(html);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    /** {@code key -> value} of every element that has both attributes, the key attribute first. */
    static Map<String, Double> attributes(String html, String key, String value) {
        Map<String, Double> out = new TreeMap<>();
        Matcher m = Pattern.compile(key + "=\"([^\"]*)\" " + value + "=\"([^\"]*)\"")
                .matcher(html);
        while (m.find()) {
            out.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return out;
    }
}

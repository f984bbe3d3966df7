package io.wattguard.cli;

import io.wattguard.daemon.Settings;
import io.wattguard.report.CjkFont;
import io.wattguard.report.MonthlyReport;
import io.wattguard.report.ReportMonth;
import io.wattguard.report.ReportReader;
import io.wattguard.report.ReportSettings;
import io.wattguard.report.ReportText;
import io.wattguard.report.Reports;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
        name = "report",
        mixinStandardHelpOptions = true,
        description = {
            "Write the monthly energy and anomaly report of one month.",
            "",
            "Reads hourly and daily energy from the meters' counters, the month's",
            "'anomaly' points and the 'baseline' around each episode (aggregates with",
            "both time bounds, no raw telemetry), and writes into --out:",
            "  report-YYYY-MM.LANG.html  one self-contained page, charts inline",
            "  report-YYYY-MM.LANG.pdf   the same page as PDF",
            "  energy-YYYY-MM.csv        kWh per local day per room, rack and host",
            "  episodes-YYYY-MM.csv      every field of every episode",
            "The month runs from local midnight of the 1st in business.zone; costs use",
            "analysis.tariff. A zh-CN PDF embeds a TrueType font with Chinese glyphs",
            "from the system's font folders (Debian: fonts-droid-fallback), or the file",
            "or folder in report.font or $WATTGUARD_REPORT_FONT; without one it stops with exit 1.",
            "",
            "Exit codes: 0 written, 1 InfluxDB unreachable or no CJK font, 2 bad input."
        },
        footer = {
            "",
            "Examples:",
            "  wattguard report --config /etc/wattguard/central.yaml --month 2026-11 \\",
            "      --out /srv/reports",
            "  wattguard report --config site.yaml --month 2026-11 --out out --lang zh-CN",
            "  wattguard report --config site.yaml --month 2026-11 --out out --format csv"
        })
public final class ReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions options = new ConfigOptions();

    @Option(names = "--month", required = true, paramLabel = "YYYY-MM", description = "the month, such as 2026-11")
    String month;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "the folder to write into")
    Path out;

    @Option(
            names = "--lang",
            paramLabel = "LANG",
            defaultValue = "en",
            description = "en or zh-CN (default: ${DEFAULT-VALUE})")
    String lang;

    @Option(
            names = "--format",
            paramLabel = "LIST",
            defaultValue = "html,pdf,csv",
            description = "any of html,pdf,csv (default: ${DEFAULT-VALUE})")
    String format;

    /** The clock of "now" (the month still running, the report's date); tests give a fixed one. */
    private final Clock clock;

    public ReportCommand() {
        this(Clock.systemUTC());
    }

    ReportCommand(Clock clock) {
        this.clock = clock;
    }

    @Override
    public Integer call() throws Exception {
        // Arguments first, then the file: a typo is named before anything is read.
        if (!ReportText.LANGUAGES.contains(lang)) {
            throw new UserError(
                    "--lang: expected one of " + String.join(", ", ReportText.LANGUAGES) + ", found '" + lang + "'");
        }
        Set<String> formats = new LinkedHashSet<>();
        for (String f : format.split(",")) {
            String x = f.trim().toLowerCase(Locale.ROOT);
            if (!Reports.FORMATS.contains(x)) {
                throw new UserError("--format: expected a comma-separated list of " + String.join(", ", Reports.FORMATS)
                        + ", found '" + f.trim() + "'");
            }
            formats.add(x);
        }
        Settings settings = options.load();
        ReportMonth m;
        try {
            m = ReportMonth.parse(month, settings.schedule().zone());
        } catch (IllegalArgumentException e) {
            throw new UserError("--month: " + e.getMessage());
        }
        if (m.fromMs() >= clock.millis()) {
            throw new UserError("--month: " + month + " has not begun yet in " + m.zone() + " (business.zone)");
        }
        CjkFont font = null;
        if (formats.contains("pdf") && lang.equals("zh-CN")) {
            // Before any reading: a missing font is known in a millisecond, not after a minute of queries.
            try {
                // The config's report.font wins over the environment's, as in the daemon.
                String env = Main.env(spec).get(ReportSettings.FONT_ENV);
                font = CjkFont.find(
                        settings.report() != null ? settings.report().fontOverride(k -> env) : env);
            } catch (IllegalStateException e) {
                throw new Failure("report: " + e.getMessage());
            }
        }
        PrintWriter err = spec.commandLine().getErr();
        // The reader's queries, then the files.
        Progress progress = new Progress(err, "report", ReportReader.STEPS + 1);
        long started = System.nanoTime();
        MonthlyReport report;
        try (ReportReader reader = new ReportReader(
                settings.influx(),
                settings.analysis().settings().tariff(),
                clock::millis,
                settings.topology().site())) {
            report = reader.read(m, (step, of, what) -> progress.update(step, what));
        } catch (IOException e) {
            throw new Failure("report: " + e.getMessage());
        }
        progress.update(ReportReader.STEPS, "writing " + String.join(", ", formats));
        List<Path> files;
        try {
            files = Reports.write(report, lang, formats, out, font);
        } catch (IOException e) {
            throw new Failure("report: could not write into " + out + ": " + e.getMessage());
        }
        progress.done(String.format(
                Locale.ROOT,
                "%d episodes, %d files in %.1f s",
                report.episodes().size(),
                files.size(),
                (System.nanoTime() - started) / 1e9));
        PrintWriter o = spec.commandLine().getOut();
        files.forEach(f -> o.println(f));
        return 0;
    }
}

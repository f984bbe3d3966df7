package io.wattguard.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.config.ConfigException;
import io.wattguard.daemon.Settings;
import io.wattguard.testing.Cli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code report:} section: defaults, and every mistake named at its key, all at once, by check-config. */
class ReportSettingsTest {
    private static final String SOURCES =
            "sources: [{name: s, type: synthetic, series: [{measurement: gpu, fields: {power_w: 1}}]}]\n";

    @TempDir
    Path dir;

    private Path config(String report) throws IOException {
        return Files.writeString(dir.resolve("c.yaml"), SOURCES + report);
    }

    @Test
    void checkConfigListsEveryMistakeOfTheSectionAtItsPlace() throws IOException {
        Path c = config("""
                report:
                  at: "6am"
                  langs: [en, fr]
                  formats: [html, docx]
                  colour: blue
                """);
        Cli.Result r = Cli.run("check-config", "--config", c.toString());
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals(
                "5 problems in the configuration:\n"
                        + "  " + c + ":3:3: report.dir: missing required key 'dir' (the folder the monthly reports are"
                        + " written into, e.g. /var/lib/wattguard/reports)\n"
                        + "  " + c + ":3:7: report.at: expected a local time of day as HH:MM (in business.zone), e.g."
                        + " \"06:00\", found '6am'\n"
                        + "  " + c + ":4:10: report.langs: expected a list of en, zh-CN, found 'fr'\n"
                        + "  " + c + ":5:12: report.formats: expected a list of html, pdf, csv, found 'docx'\n"
                        + "  " + c + ":6:11: report.colour: unknown key; known keys here: dir, at, langs, formats,"
                        + " font\n",
                r.err());
    }

    @Test
    void defaultsAreSixOnTheFirstInEnglishInEveryFormat() throws IOException {
        ReportSettings r = Settings.load(config("report: {dir: reports}\n")).report();
        assertEquals(dir.resolve("reports"), r.dir(), "relative to the config file's folder");
        assertEquals(LocalTime.of(6, 0), r.at());
        assertEquals(List.of("en"), r.langs());
        assertEquals(List.of("html", "pdf", "csv"), List.copyOf(r.formats()));
        assertNull(r.font());
        assertNull(Settings.load(config("")).report(), "no section, no monthly report");
    }

    @Test
    void givenValuesAreTaken() throws IOException {
        ReportSettings r = Settings.load(config(
                        "report: {dir: /srv/r, at: \"7:30\", langs: [zh-CN], formats: [csv], font: fonts/x.ttf}\n"))
                .report();
        assertEquals(LocalTime.of(7, 30), r.at());
        assertEquals(List.of("zh-CN"), r.langs());
        assertEquals(List.of("csv"), List.copyOf(r.formats()));
        assertEquals(dir.resolve("fonts/x.ttf").toString(), r.font(), "no PDF: the font is not looked at");
    }

    @Test
    void aChinesePdfWithoutAUsableFontIsAnErrorUpFront() throws IOException {
        Path c = config("report: {dir: r, langs: [en, zh-CN], formats: [pdf], font: /nonexistent/cjk.ttf}\n");
        ConfigException e = assertThrows(ConfigException.class, () -> Settings.load(c, k -> null));
        assertTrue(e.getMessage().contains(c + ":2:60: report.font: a zh-CN PDF needs a CJK font: "), e.getMessage());
        assertTrue(e.getMessage().contains("/nonexistent/cjk.ttf does not exist"), e.getMessage());

        // No font key: the environment's is judged, and the problem is put on langs (what asks for Chinese).
        Path c2 = config("report: {dir: r, langs: [zh-CN]}\n");
        ConfigException e2 = assertThrows(
                ConfigException.class,
                () -> Settings.load(c2, Map.of(ReportSettings.FONT_ENV, "/nonexistent/dir")::get));
        assertTrue(e2.getMessage().contains("report.langs: a zh-CN PDF needs a CJK font: "), e2.getMessage());
    }

    @Test
    void theConfigFontWinsOverTheEnvironment() throws IOException {
        Path font = CjkFont.find(null).file(); // this machine's (scripts/setup.sh installs one)
        Path c = config("report: {dir: r, langs: [zh-CN], font: \"" + font + "\"}\n");
        ReportSettings r = Settings.load(c, Map.of(ReportSettings.FONT_ENV, "/nonexistent/dir")::get)
                .report();
        assertEquals(font.toString(), r.fontOverride(Map.of(ReportSettings.FONT_ENV, "/nonexistent/dir")::get));
        // Without the key, the environment still works.
        ReportSettings r2 = Settings.load(
                        config("report: {dir: r, langs: [zh-CN]}\n"),
                        Map.of(ReportSettings.FONT_ENV, font.toString())::get)
                .report();
        assertEquals(font.toString(), r2.fontOverride(Map.of(ReportSettings.FONT_ENV, font.toString())::get));
    }
}

package io.wattguard.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The report in Chinese ({@code --lang zh-CN}) over the same simulated month: every label and sentence translated,
 * none of the English ones left on the page, numbers and dates as a Chinese reader writes them.
 */
class ChineseReportTest {
    static Properties bundle(String name) throws Exception {
        Properties p = new Properties();
        try (InputStream in = ChineseReportTest.class.getResourceAsStream("/report/" + name)) {
            p.load(new java.io.InputStreamReader(in, StandardCharsets.UTF_8));
        }
        return p;
    }

    @Test
    void bothBundlesHaveTheSameKeys() throws Exception {
        Set<String> en = new TreeSet<>(bundle("messages.properties").stringPropertyNames());
        Set<String> zh = new TreeSet<>(bundle("messages_zh_CN.properties").stringPropertyNames());
        assertEquals(en, zh, "every English key translated, and no Chinese key without an English one");
    }

    /** The English labels a zh-CN page must not show: each fixed run of words of every English message. */
    static List<Pattern> englishLabels() throws Exception {
        Properties en = bundle("messages.properties");
        Properties zh = bundle("messages_zh_CN.properties");
        List<Pattern> out = new ArrayList<>();
        for (String key : en.stringPropertyNames()) {
            if (key.startsWith("format.") || en.getProperty(key).equals(zh.getProperty(key))) {
                continue; // date patterns, and words the same in both (GPU)
            }
            for (String part : en.getProperty(key).split("\\{\\d[^}]*}")) {
                String words = part.replaceAll("[^A-Za-z ]", " ").trim();
                if (words.length() >= 3) {
                    out.add(Pattern.compile("\\b" + Pattern.quote(words) + "\\b"));
                }
            }
        }
        return out;
    }

    @Test
    void zhCnFormatsNumbersAndDatesAsChineseReadersWriteThem() {
        ReportText t = new ReportText("zh-CN", MonthlyReportTest.ZONE, "EUR");
        assertEquals("2026年3月", t.month(MonthlyReportTest.MARCH));
        assertEquals("1,234.5 kWh", t.kwh(1234.5));
        assertTrue(t.time(MonthlyReportTest.MARCH.fromMs()).startsWith("2026年3月1日"), t.time(0));
        assertTrue(t.money(12.5).contains("12.50"), t.money(12.5));
        assertEquals("2 小时 05 分钟", t.duration(125 * 60_000L));
        ReportText en = new ReportText("en", MonthlyReportTest.ZONE, "EUR");
        assertEquals("March 2026", en.month(MonthlyReportTest.MARCH));
        assertEquals("€12.50", en.money(12.5));
    }
}

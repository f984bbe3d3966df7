package io.wattguard.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
                // A run the Chinese message keeps itself ("GPU {0} ..." and "GPU {0} 在...") is not a leak.
                if (words.length() >= 3 && !zh.getProperty(key).contains(words)) {
                    out.add(Pattern.compile("\\b" + Pattern.quote(words) + "\\b"));
                }
            }
        }
        return out;
    }

    /**
     * Every title form the analysis writes (io.wattguard.analytics: Analyzer for host, rack and room, GpuAttribution,
     * Evidence for miner, pool and off-hours), as it formats them: in Chinese with the names, watts and processes
     * kept, no English run of words left; in English exactly as stored.
     */
    @Test
    void everyEpisodeTitleTheAnalysisWritesIsTranslatedKeepingNamesAndNumbers() throws Exception {
        ReportText zh = new ReportText("zh-CN", MonthlyReportTest.ZONE, "EUR");
        ReportText en = new ReportText("en", MonthlyReportTest.ZONE, "EUR");
        String[][] cases = {
            {
                "unexplained_power",
                "gpu-07",
                "gpu-07 draws 612 W that business load does not explain",
                "gpu-07 有 612 W 的功率无法由业务负载解释"
            },
            {
                "unaccounted_power",
                "r02",
                "rack r02: 1.2 kW more at the PDU than its hosts explain",
                "机柜 r02：PDU 测得的功率比其主机能解释的多 1.2 kW"
            },
            {
                "unaccounted_power",
                "hall-a",
                "room hall-a: -850 W more at the meter than its racks explain",
                "机房 hall-a：电表测得的功率比其机柜能解释的多 -850 W"
            },
            {
                "unexplained_gpu",
                "gpu-07:3",
                "GPU gpu-07:3 busy without a business process: python3 (pid 4242, user bob, container c1)",
                "GPU gpu-07:3 在没有业务进程的情况下繁忙：python3（进程号 4242，用户 bob，容器 c1）"
            },
            {
                "unexplained_gpu",
                "gpu-07:3",
                "GPU gpu-07:3 busy without a business process: python3 (pid 7)",
                "GPU gpu-07:3 在没有业务进程的情况下繁忙：python3（进程号 7）"
            },
            {"unexplained_gpu", "gpu-07:3", "GPU gpu-07:3 busy without a business process", "GPU gpu-07:3 在没有业务进程的情况下繁忙"
            },
            {"miner_process", "gpu-07", "gpu-07 runs a miner: xmrig (pid 4242)", "gpu-07 运行着挖矿程序：xmrig（进程号 4242）"},
            {"miner_process", "gpu-07", "gpu-07 runs a miner", "gpu-07 运行着挖矿程序"},
            {
                "pool_connection",
                "gpu-07",
                "gpu-07 talks to a mining pool: 203.0.113.9:3333 stratum+tcp",
                "gpu-07 正在与矿池通信：203.0.113.9:3333 stratum+tcp"
            },
            {
                "off_hours_gpu",
                "gpu-07",
                "gpu-07: GPUs busy out of business hours without business load",
                "gpu-07：非工作时间 GPU 繁忙，且没有业务负载"
            },
        };
        List<Pattern> english = englishLabels();
        for (String[] c : cases) {
            String chinese = zh.episodeTitle(c[0], c[1], c[2]);
            assertEquals(c[3], chinese, c[2]);
            for (Pattern p : english) {
                assertFalse(p.matcher(chinese).find(), "English '" + p + "' left in " + chinese);
            }
            assertEquals(c[2], en.episodeTitle(c[0], c[1], c[2]), "English as the analysis wrote it");
        }
        // A form this report does not know (a newer analysis): the heading in Chinese, the stored title in English.
        assertEquals("h1 上的挖矿进程", zh.episodeTitle("miner_process", "h1", "h1 mines in a new way"));
        assertEquals("h1 mines in a new way", en.episodeTitle("miner_process", "h1", "h1 mines in a new way"));
        assertEquals("Miner process on h1", en.episodeTitle("miner_process", "h1", ""));
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

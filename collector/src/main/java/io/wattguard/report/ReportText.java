package io.wattguard.report;

import java.text.MessageFormat;
import java.text.NumberFormat;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.FormatStyle;
import java.util.Currency;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.MissingResourceException;
import java.util.ResourceBundle;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The report's words and numbers in one language: labels and sentences from the {@code report/messages} bundle
 * ({@code messages.properties} English, {@code messages_zh_CN.properties} Chinese), numbers, money and dates in
 * that locale's conventions and the site's zone. Templates and charts ask this, so nothing user-visible is
 * spelled in code.
 */
public final class ReportText {
    /** The languages {@code --lang} takes, as written there. */
    public static final List<String> LANGUAGES = List.of("en", "zh-CN");

    private final Locale locale;
    private final ResourceBundle bundle;
    private final ZoneId zone;
    private final String currency;

    /**
     * @param lang one of {@link #LANGUAGES}
     * @param currency the tariff's ISO code (EUR, CNY, ...), or "" when none
     */
    public ReportText(String lang, ZoneId zone, String currency) {
        if (!LANGUAGES.contains(lang)) {
            throw new IllegalArgumentException("expected a language among " + LANGUAGES + ", found '" + lang + "'");
        }
        this.locale = Locale.forLanguageTag(lang);
        // Without the fallback control a zh-CN bundle on a machine whose default locale is zh would still work,
        // but an English one on such a machine would come out Chinese: pin "no fallback to the default locale".
        this.bundle = ResourceBundle.getBundle(
                "report.messages",
                locale,
                ResourceBundle.Control.getNoFallbackControl(ResourceBundle.Control.FORMAT_PROPERTIES));
        this.zone = zone;
        this.currency = currency == null ? "" : currency;
    }

    public Locale locale() {
        return locale;
    }

    /** The HTML {@code lang} attribute. */
    public String lang() {
        return locale.toLanguageTag();
    }

    /** The sentence or label {@code key}, with {@code args} put in its {0}, {1}... */
    public String t(String key, Object... args) {
        String pattern;
        try {
            pattern = bundle.getString(key);
        } catch (MissingResourceException e) {
            throw new IllegalStateException("report/messages has no '" + key + "' for " + locale, e);
        }
        return args.length == 0 ? pattern : new MessageFormat(pattern, locale).format(args);
    }

    /**
     * A stored word (a kind, level, state, severity or evidence group) in this language: {@code prefix.word} from
     * the bundle, or the word itself when the bundle has none (a kind a newer analysis wrote).
     */
    public String word(String prefix, String word) {
        String key = prefix + "." + word;
        return bundle.containsKey(key) ? bundle.getString(key) : word;
    }

    /** Watts as the analysis writes them in a title: {@code 630 W}, {@code 1.2 kW}. */
    private static final String WATTS = "(-?[0-9]+(?:\\.[0-9]+)? k?W)";
    /** The optional tail of a title: {@code : xmrig (pid 4242)}, {@code : 203.0.113.9:3333}. */
    private static final String DETAIL = "(?:: (.+))?";

    /** The analysis' title forms (English, in io.wattguard.analytics), each with its bundle key. */
    private static final List<Map.Entry<String, Pattern>> TITLES = List.of(
            Map.entry("title.host", Pattern.compile("(.+) draws " + WATTS + " that business load does not explain")),
            Map.entry("title.rack", Pattern.compile("rack (.+): " + WATTS + " more at the PDU than its hosts explain")),
            Map.entry(
                    "title.room", Pattern.compile("room (.+): " + WATTS + " more at the meter than its racks explain")),
            Map.entry("title.unexplained_gpu", Pattern.compile("GPU (.+?) busy without a business process" + DETAIL)),
            Map.entry("title.miner_process", Pattern.compile("(.+?) runs a miner" + DETAIL)),
            Map.entry("title.pool_connection", Pattern.compile("(.+?) talks to a mining pool" + DETAIL)),
            Map.entry(
                    "title.off_hours_gpu",
                    Pattern.compile("(.+): GPUs busy out of business hours without business load")));

    /** A process as a title names it: {@code xmrig (pid 4242, user bob, container c1)}. */
    private static final Pattern PROCESS =
            Pattern.compile("(.+) \\(pid ([0-9]+)(?:, user (.+?))?(?:, container (.+?))?\\)");

    /**
     * An episode's one-line title in this language. The analysis stores it in English; it is read back with the
     * forms of {@code title.*} and written with this language's, keeping entity names, watts, processes and
     * connections as stored. A title in no known form (a newer analysis) is shown as stored in English, and as
     * the episode's heading (kind on entity) in any other language, so no English sentence reaches that reader.
     */
    public String episodeTitle(String kind, String entity, String title) {
        String stored = title == null ? "" : title;
        for (Map.Entry<String, Pattern> form : TITLES) {
            Matcher m = form.getValue().matcher(stored);
            if (m.matches()) {
                String tail = m.groupCount() < 2 || m.group(2) == null ? "" : m.group(2);
                if (DETAIL_KEYS.contains(form.getKey())) {
                    tail = tail.isEmpty() ? "" : t("title.detail", process(tail));
                }
                return t(form.getKey(), m.group(1), tail);
            }
        }
        if (!stored.isEmpty() && lang().equals("en")) {
            return stored;
        }
        return t("episode.heading", word("kind", kind), entity);
    }

    private static final java.util.Set<String> DETAIL_KEYS =
            java.util.Set.of("title.unexplained_gpu", "title.miner_process", "title.pool_connection");

    private String process(String detail) {
        Matcher p = PROCESS.matcher(detail);
        if (!p.matches()) {
            return detail; // a connection, or a process in a form not known here: data, shown as stored
        }
        String user = p.group(3) == null ? "" : t("title.user", p.group(3));
        String container = p.group(4) == null ? "" : t("title.container", p.group(4));
        return t("title.process", p.group(1), p.group(2), user, container);
    }

    /** A number with {@code decimals} decimals and the locale's grouping. */
    public String num(double v, int decimals) {
        NumberFormat f = NumberFormat.getNumberInstance(locale);
        f.setMinimumFractionDigits(decimals);
        f.setMaximumFractionDigits(decimals);
        return f.format(v);
    }

    /** Energy: {@code 1,234.5 kWh}. */
    public String kwh(double v) {
        return num(v, v != 0 && Math.abs(v) < 10 ? 2 : 1) + " kWh";
    }

    /** Power: {@code 630 W}. */
    public String watts(double v) {
        return Double.isNaN(v) ? "–" : num(v, 0) + " W";
    }

    /** Money in the tariff's currency, as the locale writes it ({@code €1,234.56}, {@code ¥1,234.56}). */
    public String money(double v) {
        if (currency.isEmpty()) {
            return num(v, 2);
        }
        try {
            NumberFormat f = NumberFormat.getCurrencyInstance(locale);
            f.setCurrency(Currency.getInstance(currency));
            return f.format(v);
        } catch (IllegalArgumentException e) {
            return num(v, 2) + " " + currency; // not an ISO code: as the operator wrote it
        }
    }

    /** A change against the previous month: {@code +12.3%}; "–" when there is nothing to compare with. */
    public String change(double now, double before) {
        if (before == 0) {
            return "–";
        }
        double pct = (now - before) / before * 100;
        return (pct > 0 ? "+" : "") + num(pct, 1) + "%";
    }

    /** A date and time in the site's zone, as the locale writes it. */
    public String time(long ms) {
        return DateTimeFormatter.ofLocalizedDateTime(FormatStyle.MEDIUM, FormatStyle.SHORT)
                .withLocale(locale)
                .withZone(zone)
                .format(Instant.ofEpochMilli(ms));
    }

    /** A local date as the locale writes it. */
    public String date(LocalDate d) {
        return DateTimeFormatter.ofLocalizedDate(FormatStyle.MEDIUM)
                .withLocale(locale)
                .format(d);
    }

    /** The month's title: {@code March 2026}, {@code 2026年3月}. */
    public String month(ReportMonth m) {
        return DateTimeFormatter.ofPattern(t("format.month"), locale).format(m.month());
    }

    /** A duration in hours and minutes: {@code 2 h 05 min}. */
    public String duration(long ms) {
        long min = Math.max(0, ms) / 60_000;
        return t("format.duration", min / 60, String.format(Locale.ROOT, "%02d", min % 60));
    }

    public ZoneId zone() {
        return zone;
    }
}

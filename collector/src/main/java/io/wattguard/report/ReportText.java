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
import java.util.MissingResourceException;
import java.util.ResourceBundle;

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

package io.wattguard.report;

import io.wattguard.alert.ReportSummary;
import io.wattguard.analytics.Tariff;
import io.wattguard.core.Health;
import io.wattguard.store.InfluxSettings;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The monthly report inside the daemon: at {@link ReportSettings#at} local time (business.zone) on the 1st it writes
 * the month before into {@code dir/YYYY-MM/}, every configured language and format, then publishes one event to the
 * alert outputs and last writes {@code dir/YYYY-MM/.done} (temporary file, then rename). A month is done when that
 * marker exists: a run missed because the daemon was down is made up at the next start, and a run that failed or
 * crashed half-way (no marker) is redone whole at the next start or the next hour. Only the latest month due is
 * made up; older ones are for {@code wattguard report}. It runs on its own thread; a failure is logged with its
 * cause and counted, never thrown.
 */
public final class MonthlyReports implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(MonthlyReports.class);

    /** The marker that says a month's report is complete. */
    public static final String MARKER = ".done";
    /** After a failure, the next attempt. */
    static final Duration RETRY = Duration.ofHours(1);
    /** The longest wait between looks at the clock, so a clock that jumps (suspend, NTP) is noticed. */
    private static final Duration MAX_WAIT = Duration.ofMinutes(1);

    private static final Set<PosixFilePermission> DIR_PERMS = PosixFilePermissions.fromString("rwxr-x---");
    private static final Set<PosixFilePermission> FILE_PERMS = PosixFilePermissions.fromString("rw-r-----");

    private final ReportSettings config;
    private final InfluxSettings influx;
    private final Tariff tariff;
    private final String site;
    private final ZoneId zone;
    private final Clock clock;
    private final Function<String, String> env;
    private final Consumer<ReportSummary> alerts;
    private final Health health;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final Object lock = new Object();
    private final Thread thread;
    private volatile boolean closed;
    private long retryAtMs; // report thread only (or the caller of runDue)

    /**
     * @param env the environment, for {@code WATTGUARD_REPORT_FONT} when the section names no font
     * @param alerts takes the one event per report; must not block
     */
    public MonthlyReports(
            ReportSettings config,
            InfluxSettings influx,
            Tariff tariff,
            String site,
            ZoneId zone,
            Clock clock,
            Function<String, String> env,
            Consumer<ReportSummary> alerts) {
        this.config = config;
        this.influx = influx;
        this.tariff = tariff;
        this.site = site;
        this.zone = zone;
        this.clock = clock;
        this.env = env;
        this.alerts = alerts;
        this.health = new Health(clock, Duration.ZERO);
        this.thread = new Thread(this::loop, "wattguard-report");
        this.thread.setDaemon(true);
    }

    public void start() {
        if (!closed) {
            thread.start();
        }
    }

    private void loop() {
        while (!closed) {
            runDue();
            long wait = Math.min(nextAttemptMs() - clock.millis(), MAX_WAIT.toMillis());
            synchronized (lock) {
                if (closed) {
                    break;
                }
                try {
                    lock.wait(Math.max(1, wait));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
    }

    /** When the 1st of the month after {@code now}'s month at {@code at} falls, or the retry after a failure. */
    long nextAttemptMs() {
        ZonedDateTime now = clock.instant().atZone(zone);
        YearMonth m = YearMonth.from(now);
        long next = scheduled(m).toInstant().toEpochMilli();
        if (next <= clock.millis()) {
            next = scheduled(m.plusMonths(1)).toInstant().toEpochMilli();
        }
        return retryAtMs > 0 ? Math.min(next, retryAtMs) : next;
    }

    private ZonedDateTime scheduled(YearMonth m) {
        return m.atDay(1).atTime(config.at()).atZone(zone);
    }

    /** The latest month whose report is due by now: the one before the latest 1st at {@code at} that has passed. */
    public ReportMonth due() {
        ZonedDateTime now = clock.instant().atZone(zone);
        YearMonth m = YearMonth.from(now);
        YearMonth report = now.isBefore(scheduled(m)) ? m.minusMonths(2) : m.minusMonths(1);
        return new ReportMonth(report, zone);
    }

    /** The folder of one month's report. */
    public Path folder(ReportMonth month) {
        return config.dir().resolve(month.toString());
    }

    /**
     * Writes the month due unless its marker exists or a failure's retry time has not come; what the thread does at
     * each wake-up. Never throws.
     *
     * @return true when a report was written by this call
     */
    public boolean runDue() {
        ReportMonth month = due();
        Path folder = folder(month);
        if (Files.exists(folder.resolve(MARKER))) {
            retryAtMs = 0;
            return false;
        }
        if (retryAtMs > 0 && clock.millis() < retryAtMs) {
            return false;
        }
        try {
            write(month, folder);
            retryAtMs = 0;
            written.incrementAndGet();
            health.succeeded();
            return true;
        } catch (IOException | RuntimeException e) {
            failures.incrementAndGet();
            retryAtMs = clock.millis() + RETRY.toMillis();
            String cause = e.getMessage() == null ? e.toString() : e.getMessage();
            health.failed("report " + month + ": " + cause);
            log.warn(
                    "monthly report {} into {} failed, will retry at {} or the next start: {}",
                    month,
                    folder,
                    Instant.ofEpochMilli(retryAtMs),
                    cause,
                    e instanceof RuntimeException ? e : null);
            return false;
        }
    }

    private void write(ReportMonth month, Path folder) throws IOException {
        long started = System.nanoTime();
        // The font first: a missing one is known before a minute of queries.
        CjkFont font = config.needsCjkFont() ? CjkFont.find(config.fontOverride(env)) : null;
        MonthlyReport report;
        try (ReportReader reader = new ReportReader(influx, tariff, clock::millis, site)) {
            report = reader.read(month, (step, of, what) -> {});
        }
        privateDir(config.dir());
        privateDir(folder);
        // The CSV files do not depend on the language: each language rewrites the same two, listed once.
        Set<Path> written = new LinkedHashSet<>();
        for (String lang : config.langs()) {
            written.addAll(Reports.write(report, lang, config.formats(), folder, font));
        }
        List<Path> files = List.copyOf(written);
        for (Path f : files) {
            privateFile(f);
        }
        alerts.accept(event(report, folder, files));
        Path tmp = folder.resolve(MARKER + ".tmp");
        Files.writeString(tmp, clock.instant() + "\n" + String.join("\n", names(files)) + "\n");
        privateFile(tmp);
        try {
            Files.move(
                    tmp, folder.resolve(MARKER), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, folder.resolve(MARKER), StandardCopyOption.REPLACE_EXISTING);
        }
        log.info(
                "monthly report {} written into {}: {} files, {} episodes, in {} s",
                month,
                folder,
                files.size(),
                report.episodes().size(),
                String.format(Locale.ROOT, "%.1f", (System.nanoTime() - started) / 1e9));
    }

    private static List<String> names(List<Path> files) {
        return files.stream().map(f -> f.getFileName().toString()).toList();
    }

    /** The one alert event: the month, its files and its headline figures. */
    ReportSummary event(MonthlyReport report, Path folder, List<Path> files) {
        MonthlyReport.Summary s = report.summary();
        return new ReportSummary(
                report.month().toString(),
                report.site().isEmpty() ? "site" : report.site(),
                report.month().fromMs(),
                report.month().toMs(),
                folder,
                files,
                s.energyKwh(),
                s.cost(),
                report.currency() == null || report.currency().isEmpty() ? null : report.currency(), // no tariff
                s.unexplainedKwh(),
                s.unexplainedCost(),
                s.episodesBySeverity(),
                report.episodes().size(),
                s.daysWithData(),
                s.days());
    }

    private static void privateDir(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            try {
                if (posix(dir.getParent() == null ? dir : dir.getParent())) {
                    Files.createDirectories(dir.getParent());
                    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_PERMS));
                } else {
                    Files.createDirectories(dir);
                }
            } catch (FileAlreadyExistsException e) {
                // another writer made it: its permissions are set below
            }
        }
        if (posix(dir)) {
            Files.setPosixFilePermissions(dir, DIR_PERMS);
        }
    }

    private static void privateFile(Path f) throws IOException {
        if (posix(f)) {
            Files.setPosixFilePermissions(f, FILE_PERMS);
        }
    }

    private static boolean posix(Path p) {
        try {
            Path existing = p;
            while (existing != null && !Files.exists(existing)) {
                existing = existing.getParent();
            }
            return existing != null && Files.getFileStore(existing).supportsFileAttributeView("posix");
        } catch (IOException e) {
            return false;
        }
    }

    /** ok, or failing while the last attempt failed. */
    public String state() {
        return health.ok() ? "ok" : "failing";
    }

    public Health health() {
        return health;
    }

    /** Reports written since start. */
    public long written() {
        return written.get();
    }

    /** Failed attempts since start. */
    public long failures() {
        return failures.get();
    }

    @Override
    public void close() {
        synchronized (lock) {
            if (closed && !thread.isAlive()) {
                return;
            }
            closed = true;
            lock.notifyAll();
        }
        if (thread.isAlive() && thread != Thread.currentThread()) {
            thread.interrupt();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

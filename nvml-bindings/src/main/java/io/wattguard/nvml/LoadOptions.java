package io.wattguard.nvml;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.LongSupplier;

/** How to find and start NVML. Immutable; each {@code with} returns a copy. */
public final class LoadOptions {
    private final String libraryPath;
    private final Integer initFlags;
    private final Duration lostRetryInterval;
    private final LongSupplier ticker;
    private final String osName;
    private final Map<String, String> environment;

    private LoadOptions(
            String libraryPath,
            Integer initFlags,
            Duration lostRetryInterval,
            LongSupplier ticker,
            String osName,
            Map<String, String> environment) {
        this.libraryPath = libraryPath;
        this.initFlags = initFlags;
        this.lostRetryInterval = lostRetryInterval;
        this.ticker = ticker;
        this.osName = osName;
        this.environment = environment;
    }

    /** The platform's usual places, plain nvmlInit_v2, a lost GPU retried every 30 s. */
    public static LoadOptions defaults() {
        return new LoadOptions(
                null,
                null,
                Duration.ofSeconds(30),
                System::nanoTime,
                System.getProperty("os.name", ""),
                System.getenv());
    }

    /** Use this file only (config override): nothing else is searched. */
    public LoadOptions withLibraryPath(String path) {
        return new LoadOptions(Objects.requireNonNull(path), initFlags, lostRetryInterval, ticker, osName, environment);
    }

    /** Start with nvmlInitWithFlags (e.g. NVML_INIT_FLAG_NO_GPUS = 1) instead of nvmlInit_v2. */
    public LoadOptions withInitFlags(int flags) {
        return new LoadOptions(libraryPath, flags, lostRetryInterval, ticker, osName, environment);
    }

    /** How long a lost GPU is left alone before the binding asks the driver for it again. */
    public LoadOptions withLostRetryInterval(Duration interval) {
        if (interval.isNegative()) {
            throw new IllegalArgumentException("lost retry interval must not be negative: " + interval);
        }
        return new LoadOptions(libraryPath, initFlags, interval, ticker, osName, environment);
    }

    /** Monotonic nanoseconds, for retry timing; tests pass a manual ticker. */
    public LoadOptions withTicker(LongSupplier nanoTicker) {
        return new LoadOptions(
                libraryPath, initFlags, lostRetryInterval, Objects.requireNonNull(nanoTicker), osName, environment);
    }

    /** The platform whose library locations are searched (defaults to this JVM's). */
    public LoadOptions withPlatform(String os, Map<String, String> env) {
        return new LoadOptions(
                libraryPath, initFlags, lostRetryInterval, ticker, Objects.requireNonNull(os), Map.copyOf(env));
    }

    public Optional<String> libraryPath() {
        return Optional.ofNullable(libraryPath);
    }

    public OptionalInt initFlags() {
        return initFlags == null ? OptionalInt.empty() : OptionalInt.of(initFlags);
    }

    public Duration lostRetryInterval() {
        return lostRetryInterval;
    }

    public LongSupplier ticker() {
        return ticker;
    }

    public String osName() {
        return osName;
    }

    public Map<String, String> environment() {
        return environment;
    }
}

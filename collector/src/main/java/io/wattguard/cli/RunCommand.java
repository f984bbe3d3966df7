package io.wattguard.cli;

import io.wattguard.daemon.Batcher;
import io.wattguard.daemon.Daemon;
import io.wattguard.daemon.Settings;
import java.io.IOException;
import java.time.Clock;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description = {
            "Run the collector daemon until SIGTERM or Ctrl-C.",
            "",
            "Polls every configured source at its interval, writes every sample to InfluxDB",
            "through the durable spool (nothing read is lost if InfluxDB or the daemon goes",
            "away), and serves /health and /metrics on http.listen (loopback by default).",
            "",
            "The configuration is validated first; every problem is listed and the exit",
            "code is 2. Secrets come from *_env or *_file keys, never from the file itself.",
            "See docs/configuration.md."
        },
        footer = {
            "",
            "Examples:",
            "  wattguard run --config /etc/wattguard/wattguard.yaml",
            "  WATTGUARD_LOG_LEVEL=DEBUG wattguard run --config examples/synthetic.yaml",
            "",
            "  # The same file against another InfluxDB, e.g. a test server:",
            "  wattguard run --config site.yaml --influx-url http://10.0.0.5:8086"
        })
final class RunCommand implements java.util.concurrent.Callable<Integer> {
    @Mixin
    ConfigOptions options = new ConfigOptions();

    @Override
    public Integer call() throws Exception {
        Settings settings = options.load();
        Daemon daemon = new Daemon(settings, Clock.systemUTC());
        Runtime.getRuntime().addShutdownHook(new Thread(daemon::close, "wattguard-shutdown"));
        try {
            daemon.start();
        } catch (IOException e) {
            daemon.close();
            // The file was valid; the machine refused (a port in use, a folder not writable): a run-time failure.
            throw new Failure(options.config + ": cannot start: " + e.getMessage());
        }
        // Returns only when the daemon can no longer collect; SIGTERM and Ctrl-C end the JVM through the hook.
        Batcher.Failed f = daemon.failed().get();
        throw new Failure("wattguard stopped: " + f.getMessage());
    }
}

package io.wattguard.cli;

import io.wattguard.config.ConfigException;
import io.wattguard.daemon.Daemon;
import io.wattguard.daemon.Settings;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Run the collector daemon until SIGTERM or Ctrl-C.",
                "",
                "Polls every configured source at its interval, writes every sample to InfluxDB through the",
                "durable spool (nothing read is lost if InfluxDB or the daemon goes away), and serves /health",
                "and /metrics on http.listen (loopback by default).",
                "",
                "The configuration is validated first; every problem is listed and the exit code is 2.",
                "Secrets come from *_env or *_file keys, never from the file itself. See docs/configuration.md."},
        footer = {"", "Examples:", "  wattguard run --config /etc/wattguard/wattguard.yaml",
                "  WATTGUARD_LOG_LEVEL=DEBUG wattguard run --config examples/synthetic.yaml"})
final class RunCommand implements java.util.concurrent.Callable<Integer> {
    @Option(names = {"-c", "--config"}, required = true, paramLabel = "FILE", description = "the YAML configuration")
    Path config;

    @Override
    public Integer call() throws Exception {
        Settings settings = load(config);
        Daemon daemon = new Daemon(settings, Clock.systemUTC());
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            daemon.close();
            stopped.countDown();
        }, "wattguard-shutdown"));
        try {
            daemon.start();
        } catch (IOException e) {
            daemon.close();
            throw new UserError(config + ": " + e.getMessage());
        }
        stopped.await();
        return 0;
    }

    static Settings load(Path config) {
        try {
            return Settings.load(config);
        } catch (ConfigException e) {
            throw new UserError(e.getMessage());
        }
    }
}

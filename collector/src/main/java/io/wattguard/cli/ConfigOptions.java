package io.wattguard.cli;

import io.wattguard.config.ConfigException;
import io.wattguard.daemon.Settings;
import io.wattguard.store.InfluxSettings;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The options of every command that reads a configuration: the file, and where InfluxDB is when that is not
 * the file's {@code influxdb.url}, so one file serves a test server or a move without being edited.
 * {@code --influx-url} wins over {@code WATTGUARD_INFLUX_URL}, which wins over the file.
 */
final class ConfigOptions {
    static final String INFLUX_URL_ENV = "WATTGUARD_INFLUX_URL";

    @Option(
            names = {"-c", "--config"},
            required = true,
            paramLabel = "FILE",
            description = "the YAML configuration")
    Path config;

    // Option descriptions are laid out by hand in lines that fit their column at 80 columns: picocli would
    // otherwise break a URL at its '.' or ':'.
    @Option(
            names = "--influx-url",
            paramLabel = "URL",
            description = {
                "the InfluxDB to use, such as http://10.0.0.5:8086",
                "(default: $" + INFLUX_URL_ENV + " if set,",
                "else influxdb.url in the file)"
            })
    String influxUrl;

    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    /** The validated configuration, with InfluxDB where the options or the environment say; bad input is exit 2. */
    Settings load() {
        Map<String, String> env = Main.env(command);
        // Checked before the file, so a typo in the override is named even when the file has problems too.
        String from = influxUrl != null ? "--influx-url" : nonBlank(env.get(INFLUX_URL_ENV)) ? INFLUX_URL_ENV : null;
        URI url = null;
        if (from != null) {
            try {
                url = InfluxSettings.parseUrl(influxUrl != null ? influxUrl : env.get(INFLUX_URL_ENV));
            } catch (IllegalArgumentException e) {
                throw new UserError(from + ": " + e.getMessage());
            }
        }
        Settings settings;
        try {
            settings = Settings.load(config, env::get);
        } catch (ConfigException e) {
            throw new UserError(e.getMessage());
        }
        return url == null ? settings : settings.withInflux(settings.influx().withUrl(url, from));
    }

    /** An empty variable is taken as unset, as {@code WATTGUARD_INFLUX_URL=} in a unit file or compose file means. */
    private static boolean nonBlank(String s) {
        return s != null && !s.isBlank();
    }
}

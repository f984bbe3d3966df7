package io.wattguard.cli;

import io.wattguard.config.Durations;
import io.wattguard.core.SourceSpec;
import io.wattguard.daemon.Settings;
import picocli.CommandLine.Command;

@Command(
        name = "check-config",
        mixinStandardHelpOptions = true,
        description = {
            "Validate a configuration without starting anything.",
            "",
            "Reports every problem at once, each as FILE:LINE:COLUMN: key.path: what was",
            "expected, including unknown keys (with a did-you-mean), missing secrets and",
            "unreadable secret files. Exit code 0 when the file is good, 2 when it is not.",
            "",
            "A good file is summed up as run would use it. The InfluxDB URL says where it",
            "came from: influxdb.url, default, --influx-url or WATTGUARD_INFLUX_URL."
        },
        footer = {
            "",
            "Examples:",
            "  wattguard check-config --config /etc/wattguard/wattguard.yaml",
            "  WATTGUARD_INFLUX_URL=https://influx.example.net:8086 \\",
            "      wattguard check-config --config /etc/wattguard/wattguard.yaml"
        })
final class CheckConfigCommand implements java.util.concurrent.Callable<Integer> {
    @picocli.CommandLine.Mixin
    ConfigOptions options = new ConfigOptions();

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        java.io.PrintWriter out = spec.commandLine().getOut();
        Settings s = options.load();
        out.println(options.config + ": OK");
        out.println("  instance  " + s.instance());
        out.println("  influxdb  " + s.influx().url() + " (" + s.influx().urlFrom() + ") database '"
                + s.influx().database() + "'"
                + (s.influx().username() != null ? " as " + s.influx().username() : "")
                + (s.influx().token() != null ? " with a token" : ""));
        out.println("  spool     " + s.spool().dir() + " (max " + s.spool().maxBytes() / (1 << 20) + " MiB, fsync "
                + s.spool().fsync().name().toLowerCase(java.util.Locale.ROOT) + ")");
        out.println("  http      "
                + (s.http().enabled()
                        ? s.http().listen().getAddress().getHostAddress() + ":"
                                + s.http().listen().getPort()
                        : "off"));
        out.println("  topology  " + s.topology().rooms().size() + " rooms, "
                + s.topology().racks().size() + " racks, "
                + s.topology().hosts().size() + " hosts");
        out.println("  sources   " + s.sources().size());
        for (SourceSpec spec : s.sources()) {
            SourceSpec.Common c = spec.common();
            out.printf(
                    "    %-20s %-12s every %s%s%n",
                    c.name(),
                    c.type(),
                    Durations.format(c.interval()),
                    spec.note().isEmpty() ? "" : "; " + spec.note());
        }
        var cal = s.schedule();
        out.println("  business  "
                + (cal.isAlways()
                        ? "no calendar (every hour is business hours)"
                        : "zone " + cal.zone() + ", "
                                + (cal.weeklyHours() == null
                                        ? "no weekly hours"
                                        : cal.weeklyHours().size() + " working days")
                                + ", " + cal.holidays().size() + " holidays, "
                                + cal.maintenanceWindows().size() + " maintenance windows"));
        var a = s.analysis();
        var as = a.settings();
        out.println("  analysis  "
                + (a.enabled()
                        ? "live in this daemon, every " + Durations.format(java.time.Duration.ofMillis(as.stepMs()))
                                + " (" + Durations.format(a.warmup()) + " warm-up, floors "
                                + Math.round(as.floorW()) + " W, " + Math.round(as.floorPerGpuW()) + " W/GPU, "
                                + Math.round(as.floorShare() * 100) + "% of nameplate; balance "
                                + Math.round(as.balanceFloorW()) + " W)"
                        : "off (wattguard analyze uses the defaults)"));
        var al = s.alerts();
        out.println("  alerts    "
                + (al.isEmpty()
                        ? "none"
                        : (al.jsonl() != null ? "jsonl " + al.jsonl().path() + "; " : "")
                                + al.webhooks().size() + " webhooks, "
                                + al.syslog().size() + " syslog"));
        return 0;
    }
}

package io.wattguard.cli;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/**
 * The demo's place in the production jar, so that help lists it where it always was: the demo writes a simulated
 * site, and the simulator is never on the production path. wattguard-demo.jar (module demo), which the launcher
 * runs for {@code demo}, puts the real command here (an {@link ExtraCommand}).
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "The whole pipeline on this machine, nothing to install or configure by hand.",
            "",
            "The demo is not in this jar: it needs the simulator, which the production",
            "jar (collector/target/wattguard.jar) leaves out. From a source checkout, the",
            "launcher builds and runs it from demo/target/wattguard-demo.jar, where",
            "'demo --help' lists its options."
        },
        footer = {"", "Examples:", "  ./wattguard demo", "  ./wattguard demo --help"})
final class DemoNotIncluded implements java.util.concurrent.Callable<Integer> {
    @Unmatched
    List<String> arguments;

    @Override
    public Integer call() {
        throw new Failure("demo: not in this jar, which carries no simulator; from a source checkout run "
                + "'./wattguard demo' (it runs demo/target/wattguard-demo.jar)");
    }
}

package io.wattguard.alert;

import io.wattguard.config.Problems;
import io.wattguard.config.Section;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Reads an {@code alerts:} section from YAML text the way the daemon reads its file. */
final class AlertConfigs {
    private AlertConfigs() {}

    record Read(AlertSettings settings, Problems problems, Path file) {}

    static Read read(Path dir, String yaml, Map<String, String> env) {
        try {
            Path f = Files.writeString(dir.resolve("wattguard.yaml"), yaml);
            Problems problems = new Problems();
            Section root = Section.load(f, new Section.Context(problems, env::get, dir));
            AlertSettings s = AlertSettings.read(root.section("alerts"));
            root.finish();
            return new Read(s, problems, f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Valid settings, or an AssertionError listing the problems. */
    static AlertSettings ok(Path dir, String yaml, Map<String, String> env) {
        Read r = read(dir, yaml, env);
        if (!r.problems().isEmpty()) {
            throw new AssertionError("unexpected config problems:\n" + r.problems());
        }
        return r.settings();
    }
}

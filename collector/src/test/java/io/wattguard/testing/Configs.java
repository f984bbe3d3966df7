package io.wattguard.testing;

import io.wattguard.daemon.Settings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Writes a config file for a test and loads it, the way an operator's file is loaded. */
public final class Configs {
    private Configs() {}

    public static Settings load(Path dir, String yaml) {
        return load(dir, yaml, Map.of());
    }

    public static Settings load(Path dir, String yaml, Map<String, String> env) {
        try {
            Path f = Files.writeString(dir.resolve("wattguard.yaml"), yaml);
            return Settings.load(f, env::get);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

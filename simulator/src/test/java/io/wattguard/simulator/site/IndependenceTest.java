package io.wattguard.simulator.site;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The generator must not know the detector: nothing here may use io.wattguard.analytics. */
class IndependenceTest {
    @Test
    void theSiteNeverTouchesTheAnalytics() throws IOException {
        Path dir = Path.of("src/main/java/io/wattguard/simulator/site");
        assertTrue(Files.isDirectory(dir), "run from the simulator module: " + dir.toAbsolutePath());
        List<Path> sources;
        try (Stream<Path> s = Files.list(dir)) {
            sources = s.filter(p -> p.toString().endsWith(".java")).toList();
        }
        assertFalse(sources.isEmpty());
        // An import or a qualified name (io.wattguard.analytics.Something); prose naming the package is fine.
        java.util.regex.Pattern use = java.util.regex.Pattern.compile("io\\.wattguard\\.analytics\\.[\\w*]");
        for (Path p : sources) assertFalse(use.matcher(Files.readString(p)).find(), p.toString());
    }
}

package io.wattguard.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The README and docs/ link only to files of this repository that exist, and the README reaches the schema and
 * the architecture: a reader of a checkout (or of a release tarball) follows every link without a network.
 */
class DocLinksTest {
    private static final Path TOP = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

    @Test
    void linksStayInTheRepositoryAndResolve() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(TOP.resolve("README.md")));
        try (Stream<Path> docs = Files.list(TOP.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        List<String> bad = new ArrayList<>();
        for (Path page : pages) {
            Matcher m = LINK.matcher(Files.readString(page));
            while (m.find()) {
                String link = m.group(1);
                if (link.startsWith("#")) {
                    continue;
                }
                Path target =
                        page.getParent().resolve(link.replaceFirst("#.*", "")).normalize();
                if (link.contains("://") || !target.startsWith(TOP) || !Files.exists(target)) {
                    bad.add(TOP.relativize(page) + ": " + link);
                }
            }
        }
        assertEquals(List.of(), bad, "links outside the repository or to nothing");
        String readme = Files.readString(TOP.resolve("README.md"));
        assertTrue(
                readme.contains("(docs/schema.md)") && readme.contains("(docs/architecture.md)"),
                "the README links to docs/schema.md and docs/architecture.md");
    }
}

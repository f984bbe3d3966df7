package io.wattguard.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.wattguard.simulator.site.SiteSpec;
import io.wattguard.simulator.site.SyntheticSite;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The {@link Schema} class and what others say of the schema agree: {@code docs/schema.md} names exactly its
 * measurements, tags and fields, and the simulator's site (which has its own encoder: the simulator must not
 * depend on the collector) writes nothing the schema does not name, so the demo and the detection evaluation
 * exercise the names production writes.
 */
class SchemaDocTest {
    private static final Path DOC = Path.of("..", "docs", "schema.md");
    private static final Pattern HEADING = Pattern.compile("^### `([a-z_]+)`$");
    private static final Pattern ROW = Pattern.compile("^\\| (tag|field) \\| `([a-z_]+)` \\|");

    /** {@code measurement tag name} and {@code measurement field name}, sorted. */
    private static Set<String> fromClass() {
        Set<String> out = new TreeSet<>();
        for (Schema.Measurement m : Schema.ALL) {
            m.tags().forEach(t -> out.add(m.name() + " tag " + t));
            m.fields().forEach(f -> out.add(m.name() + " field " + f));
        }
        return out;
    }

    private static Set<String> fromDoc() throws IOException {
        Set<String> out = new TreeSet<>();
        String measurement = null;
        for (String line : Files.readAllLines(DOC)) {
            Matcher h = HEADING.matcher(line);
            if (h.find()) {
                measurement = h.group(1);
                continue;
            }
            Matcher r = ROW.matcher(line);
            if (r.find()) {
                assertTrue(measurement != null, "a table row before the first measurement: " + line);
                out.add(measurement + " " + r.group(1) + " " + r.group(2));
            }
        }
        return out;
    }

    @Test
    void theDocumentNamesWhatTheClassNames() throws IOException {
        Set<String> doc = fromDoc();
        Set<String> code = fromClass();
        Set<String> onlyCode = new TreeSet<>(code);
        onlyCode.removeAll(doc);
        Set<String> onlyDoc = new TreeSet<>(doc);
        onlyDoc.removeAll(code);
        assertEquals(Set.of(), onlyCode, "in Schema, missing from docs/schema.md");
        assertEquals(Set.of(), onlyDoc, "in docs/schema.md, not in Schema");
    }

    @Test
    void theSimulatedSiteWritesOnlyTheSchemasNames() {
        SyntheticSite site = new SyntheticSite(SiteSpec.small());
        Set<String> unknown = new TreeSet<>();
        List<String> seen = new ArrayList<>();
        site.run(p -> {
            Schema.Measurement m = Schema.measurement(p.measurement());
            if (m == null) {
                unknown.add(p.measurement());
                return;
            }
            if (!seen.contains(m.name())) {
                seen.add(m.name());
            }
            p.tags().keySet().stream()
                    .filter(t -> !m.tags().contains(t))
                    .forEach(t -> unknown.add(m.name() + " tag " + t));
            p.fields().keySet().stream()
                    .filter(f -> !m.fields().contains(f))
                    .forEach(f -> unknown.add(m.name() + " field " + f));
        });
        assertEquals(Set.of(), unknown, "written by the simulator's site, not named by Schema");
        assertTrue(
                seen.containsAll(List.of("gpu", "gpu_process", "host", "meter", "business_load", "evidence")),
                "the site writes every measurement the analysis reads: " + seen);
    }
}

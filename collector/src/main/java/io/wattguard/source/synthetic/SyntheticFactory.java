package io.wattguard.source.synthetic;

import io.wattguard.config.Section;
import io.wattguard.core.SourceFactory;
import io.wattguard.core.SourceSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code type: synthetic}: configured series for trying a config without hardware, and for the demo and fault tests. */
public final class SyntheticFactory implements SourceFactory {
    private static final Pattern INDEX = Pattern.compile("\\{i(?::0(\\d))?}");

    @Override
    public String type() {
        return "synthetic";
    }

    @Override
    public String description() {
        return "generated series (constant, sine, random walk, steps, counter) for any measurement of the schema";
    }

    @Override
    public SourceSpec read(SourceSpec.Common common, Section section, io.wattguard.core.Topology topology) {
        long seed = section.integer("seed", 1, Long.MIN_VALUE, Long.MAX_VALUE);
        List<SyntheticSource.Series> series = new ArrayList<>();
        List<Section> list = section.sections("series");
        if (list.isEmpty()) {
            section.error("series", "a synthetic source needs at least one entry under 'series'");
        }
        for (Section s : list) {
            String measurement = s.requiredString("measurement", "the measurement name, e.g. gpu or meter");
            Map<String, String> tags = s.stringMap("tags");
            tags.forEach((k, v) -> {
                if (v.replaceAll(INDEX.pattern(), "").contains("{")) {
                    s.error(
                            "tags",
                            "tag " + k + ": '" + v + "' has a placeholder other than {i} or {i:0N} (e.g. {i:02})");
                }
            });
            int repeat = (int) s.integer("repeat", 1, 1, 100_000);
            boolean integer = s.bool("integer", false);
            Section fields = s.section("fields");
            if (fields.keys().isEmpty()) {
                s.error("fields", "expected at least one field, e.g. power_w: 300");
            }
            for (int i = 1; i <= repeat; i++) {
                Map<String, Generator> gens = new LinkedHashMap<>();
                for (String f : fields.keys()) {
                    // Each copy gets its own random walk; reporting a bad generator once is enough.
                    Section place = i == 1 ? fields : silent(fields);
                    // A seed per series copy and field, so random walks do not move in lockstep.
                    gens.put(f, Generator.read(place, f, seed * 7919 + series.size() * 131L + gens.size()));
                }
                Map<String, String> t = new LinkedHashMap<>();
                for (var e : tags.entrySet()) {
                    t.put(e.getKey(), expand(e.getValue(), i));
                }
                if (measurement != null) {
                    series.add(new SyntheticSource.Series(measurement, t, gens, integer));
                }
            }
            fields.finish();
            s.finish();
        }
        return SourceSpec.of(common, ctx -> new SyntheticSource(common, List.copyOf(series)));
    }

    /** A copy of the section that reports into a throw-away problem list. */
    private static Section silent(Section s) {
        var ctx = new Section.Context(
                new io.wattguard.config.Problems(),
                s.context().env(),
                s.context().baseDir());
        return new Section(s.node(), s.path(), ctx);
    }

    /** {@code gpu-{i:02}} with i = 7 gives {@code gpu-07}. */
    static String expand(String template, int i) {
        Matcher m = INDEX.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String digits = m.group(1) == null ? Integer.toString(i) : String.format("%0" + m.group(1) + "d", i);
            m.appendReplacement(sb, digits);
        }
        m.appendTail(sb);
        return sb.toString();
    }
}

package io.wattguard.source.synthetic;

import io.wattguard.config.Section;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A value as a function of time. Deterministic for a seed, so a replay of weeks of simulated time gives the
 * same series every run, which the fault tests compare value by value.
 */
sealed interface Generator {
    double at(long epochMs);

    record Constant(double value) implements Generator {
        public double at(long t) {
            return value;
        }
    }

    record Sine(double mean, double amplitude, long periodMs, long phaseMs) implements Generator {
        public double at(long t) {
            return mean + amplitude * Math.sin(2 * Math.PI * ((t + phaseMs) % periodMs) / periodMs);
        }
    }

    /** Steps at given instants; the value before the first step is {@code initial}. */
    record Steps(double initial, long[] at, double[] values) implements Generator {
        public double at(long t) {
            double v = initial;
            for (int i = 0; i < at.length && at[i] <= t; i++) {
                v = values[i];
            }
            return v;
        }
    }

    /** A cumulative counter growing at {@code ratePerSecond} since the epoch (for energy counters). */
    record Counter(double ratePerSecond) implements Generator {
        public double at(long t) {
            return ratePerSecond * (t / 1000.0);
        }
    }

    /**
     * A bounded random walk advanced once per call, so it is deterministic per poll sequence rather than per
     * instant; reflects at the bounds instead of sticking to them.
     */
    final class RandomWalk implements Generator {
        private final double step;
        private final double min;
        private final double max;
        private final SplittableRandom random;
        private double value;

        RandomWalk(double start, double step, double min, double max, long seed) {
            this.value = start;
            this.step = step;
            this.min = min;
            this.max = max;
            this.random = new SplittableRandom(seed);
        }

        public synchronized double at(long t) {
            double v = value + (random.nextDouble() * 2 - 1) * step;
            if (v > max) {
                v = 2 * max - v;
            } else if (v < min) {
                v = 2 * min - v;
            }
            value = Math.max(min, Math.min(max, v));
            return value;
        }
    }

    /** Reads one field's generator: a number, or a map with exactly one of the generator kinds. */
    static Generator read(Section fields, String key, long seed) {
        var node = fields.node().map().get(key);
        if (node != null && node.kind() == io.wattguard.config.ConfigNode.Kind.SCALAR) {
            return new Constant(fields.number(key, 0, -1e18, 1e18));
        }
        Section g = fields.section(key);
        List<String> kinds = List.of("constant", "sine", "random_walk", "steps", "counter");
        List<String> present = g.keys().stream().filter(kinds::contains).toList();
        if (present.size() != 1) {
            g.error("expected a number or exactly one of " + String.join(", ", kinds)
                    + (present.isEmpty() ? "" : ", found " + String.join(" and ", present)));
            g.accept(kinds.toArray(String[]::new));
            return new Constant(0);
        }
        Generator out;
        switch (present.get(0)) {
            case "constant" -> out = new Constant(g.number("constant", 0, -1e18, 1e18));
            case "sine" -> {
                Section s = g.section("sine");
                out = new Sine(
                        s.number("mean", 0, -1e18, 1e18),
                        s.number("amplitude", 1, 0, 1e18),
                        s.duration("period", Duration.ofDays(1), Duration.ofSeconds(1), Duration.ofDays(366))
                                .toMillis(),
                        s.duration("phase", Duration.ZERO, Duration.ZERO, Duration.ofDays(366))
                                .toMillis());
                s.finish();
            }
            case "random_walk" -> {
                Section s = g.section("random_walk");
                double min = s.number("min", 0, -1e18, 1e18);
                double max = s.number("max", 100, -1e18, 1e18);
                if (max < min) {
                    s.error("max", "must be at least min (" + min + ")");
                }
                out = new RandomWalk(
                        s.number("start", min, min, Math.max(min, max)), s.number("step", 1, 0, 1e18), min, max, seed);
                s.finish();
            }
            case "counter" -> {
                Section s = g.section("counter");
                out = new Counter(s.number("rate", 1, 0, 1e18));
                s.finish();
            }
            default -> out = readSteps(g);
        }
        g.finish();
        return out;
    }

    private static Generator readSteps(Section g) {
        Section s = g.section("steps");
        double initial = s.number("initial", 0, -1e18, 1e18);
        List<Long> at = new ArrayList<>();
        List<Double> values = new ArrayList<>();
        for (Section step : s.sections("at")) {
            String when = step.requiredString("time", "an RFC 3339 time such as 2026-11-01T00:00:00Z");
            double v = step.number("value", 0, -1e18, 1e18);
            if (when != null) {
                try {
                    long ms = Instant.parse(when).toEpochMilli();
                    if (!at.isEmpty() && ms < at.get(at.size() - 1)) {
                        step.error("time", "steps must be in time order");
                    }
                    at.add(ms);
                    values.add(v);
                } catch (DateTimeParseException e) {
                    step.error("time", "expected an RFC 3339 time such as 2026-11-01T00:00:00Z, found '" + when + "'");
                }
            }
            step.finish();
        }
        s.finish();
        return new Steps(
                initial,
                at.stream().mapToLong(Long::longValue).toArray(),
                values.stream().mapToDouble(Double::doubleValue).toArray());
    }
}

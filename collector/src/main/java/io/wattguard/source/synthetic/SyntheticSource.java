package io.wattguard.source.synthetic;

import io.wattguard.core.Emitter;
import io.wattguard.core.Sample;
import io.wattguard.core.Source;
import io.wattguard.core.SourceSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Emits every configured series at each tick, valued at the tick's time. */
final class SyntheticSource implements Source {
    record Series(String measurement, Map<String, String> tags, Map<String, Generator> fields, boolean integer) {}

    private final SourceSpec.Common common;
    private final List<Series> series;

    SyntheticSource(SourceSpec.Common common, List<Series> series) {
        this.common = common;
        this.series = series;
    }

    @Override
    public String name() {
        return common.name();
    }

    @Override
    public String type() {
        return "synthetic";
    }

    @Override
    public Duration interval() {
        return common.interval();
    }

    @Override
    public Duration timeout() {
        return common.timeout();
    }

    @Override
    public void poll(Emitter out) {
        long t = out.tickMs();
        for (Series s : series) {
            Sample.Builder b = out.point(s.measurement()).tags(common.tags()).tags(s.tags());
            for (var f : s.fields().entrySet()) {
                double v = f.getValue().at(t);
                if (s.integer()) {
                    b.field(f.getKey(), Math.round(v));
                } else {
                    b.field(f.getKey(), v);
                }
            }
            out.emit(b.build());
        }
    }
}

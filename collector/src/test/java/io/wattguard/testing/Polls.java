package io.wattguard.testing;

import io.wattguard.core.Emitter;
import io.wattguard.core.Sample;
import io.wattguard.core.Source;
import java.util.ArrayList;
import java.util.List;

/** One poll of a source at a given tick, outside the scheduler; a device error fails the test. */
public final class Polls {
    private Polls() {}

    public static List<Sample> poll(Source s, long tickMs) throws Exception {
        List<Sample> out = new ArrayList<>();
        s.poll(new Emitter() {
            @Override
            public long tickMs() {
                return tickMs;
            }

            @Override
            public void emit(Sample x) {
                out.add(x);
            }

            @Override
            public void error(String device, String message) {
                throw new AssertionError(device + ": " + message);
            }
        });
        return out;
    }
}

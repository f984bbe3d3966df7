package io.wattguard.simulator.site;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeterminismTest {
    private static final long DAY = 86_400_000L;

    static byte[] hash(SyntheticSite site, long from, long to) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        StringBuilder sb = new StringBuilder(256);
        site.run(from, to, p -> {
            sb.setLength(0);
            p.appendLineProtocol(sb);
            sb.append('\n');
            md.update(sb.toString().getBytes(StandardCharsets.UTF_8));
        });
        return md.digest();
    }

    @Test
    void sameSeedSameBytesDifferentSeedDifferentBytes() throws Exception {
        SiteSpec spec = SiteSpec.small();
        long from = spec.startMs();
        long to = from + 2 * DAY;
        byte[] a = hash(new SyntheticSite(spec), from, to);
        byte[] b = hash(new SyntheticSite(SiteSpec.small()), from, to);
        assertArrayEquals(a, b);
        byte[] c = hash(new SyntheticSite(spec.toBuilder().seed(8).build()), from, to);
        assertFalse(java.util.Arrays.equals(a, c));
        assertEquals(new SyntheticSite(spec).labels(), new SyntheticSite(SiteSpec.small()).labels());
    }

    @Test
    void aRangeIsExactlyThatSliceOfTheFullRunAndCountAgrees() {
        SyntheticSite site = new SyntheticSite(SiteSpec.small());
        long from = site.startMs() + 3 * DAY + 7 * 60_000;
        long to = from + 3 * 3_600_000L;
        List<String> full = new ArrayList<>();
        site.run(site.startMs(), to, p -> {
            if (p.timeMs() >= from) full.add(p.toLineProtocol());
        });
        List<String> slice = new ArrayList<>();
        site.run(from, to, p -> slice.add(p.toLineProtocol()));
        assertEquals(full, slice);
        assertEquals(slice.size(), site.count(from, to));
    }

    @Test
    void timeNeverGoesBackwards() {
        SyntheticSite site = new SyntheticSite(SiteSpec.small());
        long[] last = {Long.MIN_VALUE};
        long[] n = {0};
        site.run(p -> {
            assertTrue(p.timeMs() >= last[0]);
            last[0] = p.timeMs();
            n[0]++;
        });
        assertEquals(site.count(), n[0]);
        assertTrue(last[0] < site.endMs());
    }

    @Test
    void addingAHostDoesNotChangeTheOthers() {
        SiteSpec a = SiteSpec.builder()
                .seed(3)
                .days(2)
                .cleanDays(1)
                .room("hall-a", 1, HostModel.A100X8, HostModel.CPU)
                .build();
        SiteSpec b = a.toBuilder().room("hall-b", 1, HostModel.L40SX4).build();
        long to = a.startMs() + 6 * 3_600_000L;
        List<String> pa = new ArrayList<>();
        new SyntheticSite(a).run(a.startMs(), to, java.util.Set.of("gpu", "host"), p -> pa.add(p.toLineProtocol()));
        List<String> pb = new ArrayList<>();
        new SyntheticSite(b).run(b.startMs(), to, java.util.Set.of("gpu", "host"), p -> {
            if (!p.tags().get("room").equals("hall-b")) pb.add(p.toLineProtocol());
        });
        assertEquals(pa, pb);
    }
}

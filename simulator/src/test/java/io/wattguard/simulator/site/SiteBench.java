package io.wattguard.simulator.site;

import java.util.Set;

/**
 * Generation speed, run by hand (not a test): {@code java -Xmx64m -cp ... io.wattguard.simulator.site.SiteBench
 * [hosts days]}. Prints points/s for the evaluation site (counted; built; built and formatted as line protocol)
 * and for a lean bench site, under whatever heap it was given.
 */
public final class SiteBench {
    public static void main(String[] args) {
        SyntheticSite eval = timed("plan evaluation()", () -> new SyntheticSite(SiteSpec.evaluation()));
        measure("evaluation() count", eval, 0);
        measure("evaluation() points", eval, 1);
        measure("evaluation() line protocol", eval, 2);
        int hosts = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int days = args.length > 1 ? Integer.parseInt(args[1]) : 30;
        SyntheticSite bench =
                timed("plan bench(" + hosts + ", " + days + ")", () -> new SyntheticSite(SiteSpec.bench(hosts, days)));
        measure("bench(" + hosts + ", " + days + ") lean points", bench, 1);
        Runtime rt = Runtime.getRuntime();
        System.out.printf("max heap %d MB%n", rt.maxMemory() >> 20);
    }

    private static void measure(String what, SyntheticSite site, int mode) {
        long t0 = System.nanoTime();
        long[] n = {0, 0};
        StringBuilder sb = new StringBuilder(256);
        if (mode == 0) {
            n[0] = site.count();
        } else {
            site.run(Long.MIN_VALUE, Long.MAX_VALUE, Set.of(), p -> {
                n[0]++;
                if (mode == 2) {
                    sb.setLength(0);
                    p.appendLineProtocol(sb);
                    n[1] += sb.length() + 1;
                } else {
                    n[1] += p.fields().size();
                }
            });
        }
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf(
                "%-36s %,13d points in %6.2f s = %,11.0f points/s%s%n",
                what, n[0], s, n[0] / s, mode == 2 ? String.format(" (%,d MB of line protocol)", n[1] >> 20) : "");
    }

    private static <T> T timed(String what, java.util.function.Supplier<T> f) {
        long t0 = System.nanoTime();
        T t = f.get();
        System.out.printf("%-36s %6.2f s%n", what, (System.nanoTime() - t0) / 1e9);
        return t;
    }
}

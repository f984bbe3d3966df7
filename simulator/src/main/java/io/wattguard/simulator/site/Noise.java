package io.wattguard.simulator.site;

/**
 * Stateless noise: every value is a hash of (key, step, channel). Unlike a sequential generator this lets the
 * site evaluate any step on its own, which is what makes the ground-truth excess exact (the same step is
 * evaluated with and without an episode, with identical noise) and keeps one host's numbers independent of how
 * many other hosts or points exist.
 */
final class Noise {
    private Noise() {}

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    static long combine(long a, long b) {
        return mix(a * 0x9E3779B97F4A7C15L + b + 0x632BE59BD9B4E019L);
    }

    /** A 64-bit FNV-1a of a name: seeds per host and rack that do not depend on where the name sits in a list. */
    static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return mix(h);
    }

    /** Uniform in [0, 1). One SplitMix64 finalizer over a Weyl-style sum, as SplittableRandom does per draw. */
    static double uniform(long key, long step, int channel) {
        return (mix(key + step * 0x9E3779B97F4A7C15L + channel * 0xD1B54A32D192ED03L) >>> 11) * 0x1.0p-53;
    }

    /** Roughly standard normal: Irwin-Hall of the four 16-bit quarters of one hash, rescaled; bounded at +-3.5. */
    static double gauss(long key, long step, int channel) {
        long h = mix(key + step * 0x9E3779B97F4A7C15L + channel * 0xD1B54A32D192ED03L + 0x5851F42D4C957F2DL);
        double s = ((h >>> 48) + ((h >>> 32) & 0xffff) + ((h >>> 16) & 0xffff) + (h & 0xffff)) * 0x1.0p-16;
        return (s - 2.0) * 1.7320508075688772;
    }

    /** Smooth noise in [-1, 1]: linear between hashed knots every {@code period} steps, like slow load drift. */
    static double smooth(long key, long step, int channel, int period) {
        long k = Math.floorDiv(step, period);
        double f = (step - k * period) / (double) period;
        double a = uniform(key, k, channel + 7919) * 2 - 1;
        double b = uniform(key, k + 1, channel + 7919) * 2 - 1;
        return a + (b - a) * f;
    }
}

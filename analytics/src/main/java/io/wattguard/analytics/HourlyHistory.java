package io.wattguard.analytics;

import java.time.ZoneId;
import java.util.Arrays;

/**
 * The trailing weeks of one entity, one record per hour: the hour's mean measured watts, the mean of each
 * load feature (what the power model is fitted on), the mean of each feature as far as business load
 * explains it (what the baseline is computed on), and the hour's noise. For a host also the hour's mean
 * component watts (GPU and CPU package power as NVML and RAPL report them, whatever meters the host): the
 * component model and baseline that say whether the components corroborate an outlet excess. Hours with an
 * episode open, in a maintenance window or on a holiday are kept but marked: neither the model nor the
 * baseline learns from them, so a miner never becomes normal.
 *
 * <p>Hourly means are enough because the model is linear: the mean of the predictions is the prediction
 * of the means, so the baseline can be recomputed exactly whenever the model is refitted, from a few
 * kilobytes per entity instead of weeks of samples.
 */
final class HourlyHistory {
    private static final double MS_PER_HOUR = 3_600_000;
    private static final int NOISE_CAP = 120;
    /** Steps per block of the excess noise: the detector's sustained window. */
    static final int BLOCK = ExcessPowerDetector.SUSTAINED_SAMPLES;

    private final int features;
    private final int capacity;
    private final long[] hour;
    private final double[] actual;
    /** Mean component watts of the hour, NaN unless every step of it reported them. */
    private final double[] component;

    private final double[][] x;
    private final double[][] explained;
    private final double[] noise;
    /** Root mean square of the hour's {@link #BLOCK}-step means of the detector's excess; NaN without two. */
    private final double[] blockRms;

    private final boolean[] excluded;
    private int size;
    private int head;

    // The hour being accumulated.
    private long currentHour = Long.MIN_VALUE;
    private double sumActual;
    private double sumComponent;
    private int nComponent;
    private final double[] sumX;
    private final double[] sumExplained;
    private int n;
    private boolean currentExcluded;
    private final double[] diffs = new double[NOISE_CAP];
    private int nDiffs;
    private double lastActual = Double.NaN;
    private double blockSum;
    private int blockN;
    private double blockSquares;
    private int blocks;

    // The baseline computed at the last refit.
    private final double[] median = new double[HourOfWeek.HOURS];
    private double globalMedian;
    private double sigma = Double.NaN;
    // The component baseline computed at the last refit of the component model.
    private final double[] componentMedian = new double[HourOfWeek.HOURS];
    private boolean componentBaseline;
    /** Per hour of day, the usual {@link #blockRms}: the excess's noise on the scale the detector decides on. */
    private final double[] excessNoise = new double[24];

    private boolean hasExcessNoise;
    /**
     * Until the noise is known: {@link #BLOCK}-step means of measured watts and of the explained features,
     * {@code [hour, actual, explained...]} each, so that the first fit measures the noise over the history it
     * was fitted on (the model is linear: the residual of a mean is the mean of the residuals), instead of
     * waiting a day for the detector's own blocks. At most {@link #PENDING_CAP} blocks; freed once known.
     */
    private double[] pending;

    private int nPending;
    private long pendingHour = Long.MIN_VALUE;
    private int pendingN;
    private double pendingActual;
    private final double[] pendingExplained;
    private static final int PENDING_CAP = 3 * 24 * 6;

    HourlyHistory(int features, int weeks) {
        this.features = features;
        this.capacity = weeks * HourOfWeek.HOURS;
        this.hour = new long[capacity];
        this.actual = new double[capacity];
        this.component = new double[capacity];
        this.x = new double[capacity][features];
        this.explained = new double[capacity][features];
        this.noise = new double[capacity];
        this.blockRms = new double[capacity];
        this.excluded = new boolean[capacity];
        this.sumX = new double[features];
        this.sumExplained = new double[features];
        this.pendingExplained = new double[features];
        this.pending = new double[PENDING_CAP * (features + 2)];
    }

    /** Adds one step. {@code exclude} marks the whole hour as not to be learned from. */
    void add(long timeMs, double actualW, double[] features, double[] explainedFeatures, boolean exclude) {
        add(timeMs, actualW, Double.NaN, features, explainedFeatures, exclude);
    }

    /** Adds one step with the components' own watts ({@code componentW}, NaN when not reported). */
    void add(
            long timeMs,
            double actualW,
            double componentW,
            double[] features,
            double[] explainedFeatures,
            boolean exclude) {
        long h = (long) Math.floor(timeMs / MS_PER_HOUR);
        if (h != currentHour) {
            finishHour();
            currentHour = h;
        }
        sumActual += actualW;
        if (!Double.isNaN(componentW)) {
            sumComponent += componentW;
            nComponent++;
        }
        for (int i = 0; i < this.features; i++) {
            sumX[i] += features[i];
            sumExplained[i] += explainedFeatures[i];
        }
        n++;
        currentExcluded |= exclude;
        if (!Double.isNaN(lastActual) && nDiffs < NOISE_CAP) {
            diffs[nDiffs++] = actualW - lastActual;
        }
        lastActual = actualW;
        if (pending != null) {
            addPending(h, actualW, explainedFeatures, exclude);
        }
    }

    private void addPending(long h, double actualW, double[] explainedFeatures, boolean exclude) {
        if (exclude || h != pendingHour) {
            pendingN = 0; // a block never straddles hours, nor holds a step not to be learned from
            pendingActual = 0;
            Arrays.fill(pendingExplained, 0);
            pendingHour = h;
            if (exclude) {
                return;
            }
        }
        pendingActual += actualW;
        for (int i = 0; i < features; i++) {
            pendingExplained[i] += explainedFeatures[i];
        }
        if (++pendingN == BLOCK) {
            int width = features + 2;
            if (nPending == PENDING_CAP) { // keep the newest: drop the oldest block
                System.arraycopy(pending, width, pending, 0, (PENDING_CAP - 1) * width);
                nPending--;
            }
            int at = nPending++ * width;
            pending[at] = h;
            pending[at + 1] = pendingActual / BLOCK;
            for (int i = 0; i < features; i++) {
                pending[at + 2 + i] = pendingExplained[i] / BLOCK;
            }
            pendingN = 0;
            pendingActual = 0;
            Arrays.fill(pendingExplained, 0);
        }
    }

    /**
     * The detector's view of this step: the excess over the baseline it was fed. Its means over blocks of
     * {@link #BLOCK} steps within the hour are what {@link #excessNoise} is made of.
     */
    void addExcess(double excessW) {
        if (Double.isNaN(excessW)) {
            return;
        }
        blockSum += excessW;
        if (++blockN == BLOCK) {
            double mean = blockSum / BLOCK;
            blockSquares += mean * mean;
            blocks++;
            blockSum = 0;
            blockN = 0;
        }
    }

    /** Marks every remembered hour that overlaps {@code [startMs, now)}: an episode dated back to its change. */
    void excludeSince(long startMs) {
        currentExcluded = true;
        for (int j = size - 1; j >= 0; j--) {
            int i = (head + j) % capacity;
            if ((hour[i] + 1) * MS_PER_HOUR <= startMs) {
                break;
            }
            excluded[i] = true;
        }
    }

    /** Closes the hour being accumulated, if any, into the ring. */
    void finishHour() {
        if (n > 0) {
            int i = (head + size) % capacity;
            if (size == capacity) {
                head = (head + 1) % capacity;
            } else {
                size++;
            }
            hour[i] = currentHour;
            actual[i] = sumActual / n;
            component[i] = nComponent == n ? sumComponent / n : Double.NaN;
            for (int f = 0; f < features; f++) {
                x[i][f] = sumX[f] / n;
                explained[i][f] = sumExplained[f] / n;
            }
            // Successive differences of a series with independent noise have twice its variance; their MAD
            // ignores the few steps where a job started or stopped.
            noise[i] = nDiffs < 4 ? Double.NaN : Robust.medianAndSigma(Arrays.copyOf(diffs, nDiffs))[1] / Math.sqrt(2);
            blockRms[i] = blocks < 2 ? Double.NaN : Math.sqrt(blockSquares / blocks);
            excluded[i] = currentExcluded;
        }
        blockSum = 0;
        blockN = 0;
        blockSquares = 0;
        blocks = 0;
        n = 0;
        nDiffs = 0;
        sumActual = 0;
        sumComponent = 0;
        nComponent = 0;
        Arrays.fill(sumX, 0);
        Arrays.fill(sumExplained, 0);
        currentExcluded = false;
        lastActual = Double.NaN;
    }

    /** Hours the model and baseline may learn from. */
    int validHours() {
        int c = 0;
        for (int k = 0; k < size; k++) {
            if (!excluded[(head + k) % capacity]) {
                c++;
            }
        }
        return c;
    }

    /** Appends this entity's learnable hours as rows {@code [features..., actual]}, every {@code stride}th. */
    void rows(java.util.List<double[]> out, int stride, int offset) {
        int k = 0;
        for (int j = 0; j < size; j++) {
            int i = (head + j) % capacity;
            if (excluded[i]) {
                continue;
            }
            if ((k++ + offset) % stride == 0) {
                double[] row = Arrays.copyOf(x[i], features + 1);
                row[features] = actual[i];
                out.add(row);
            }
        }
    }

    /** Appends this entity's learnable hours with component watts as rows {@code [features..., component]}. */
    void componentRows(java.util.List<double[]> out, int stride, int offset) {
        int k = 0;
        for (int j = 0; j < size; j++) {
            int i = (head + j) % capacity;
            if (excluded[i] || Double.isNaN(component[i])) {
                continue;
            }
            if ((k++ + offset) % stride == 0) {
                double[] row = Arrays.copyOf(x[i], features + 1);
                row[features] = component[i];
                out.add(row);
            }
        }
    }

    /** Learnable hours with component watts. */
    int componentHours() {
        int c = 0;
        for (int k = 0; k < size; k++) {
            int i = (head + k) % capacity;
            if (!excluded[i] && !Double.isNaN(component[i])) {
                c++;
            }
        }
        return c;
    }

    /** Largest learnable hourly mean of measured watts, or NaN: a stand-in for a nameplate nobody declared. */
    double maxActual() {
        double m = Double.NaN;
        for (int j = 0; j < size; j++) {
            int i = (head + j) % capacity;
            if (!excluded[i] && (Double.isNaN(m) || actual[i] > m)) {
                m = actual[i];
            }
        }
        return m;
    }

    /**
     * Recomputes the residual baseline under {@code model}: per local hour of week the median over the
     * trailing weeks, falling back to the same hour of day, then to all hours; one sigma for the entity that
     * adds the week-to-week spread of those hourly residuals to the step-to-step noise.
     */
    void rebuild(LoadModel model, ZoneId zone, double sigmaFloor) {
        int valid = validHours();
        if (valid == 0) {
            globalMedian = 0;
            Arrays.fill(median, 0);
            sigma = Double.NaN;
            return;
        }
        double[] r = new double[valid];
        int[] how = new int[valid];
        double[] noises = new double[valid];
        int nNoise = 0;
        int k = 0;
        for (int j = 0; j < size; j++) {
            int i = (head + j) % capacity;
            if (excluded[i]) {
                continue;
            }
            r[k] = actual[i] - model.predict(explained[i]);
            how[k] = HourOfWeek.of((long) (hour[i] * MS_PER_HOUR), zone);
            if (!Double.isNaN(noise[i])) {
                noises[nNoise++] = noise[i];
            }
            k++;
        }
        globalMedian = medians(r, how, median);
        double[] dev = new double[valid];
        for (int i = 0; i < valid; i++) {
            dev[i] = r[i] - median[how[i]];
        }
        double between = valid < 3 ? 0 : Robust.medianAndSigma(dev)[1];
        double within = nNoise == 0 ? 0 : Robust.median(Arrays.copyOf(noises, nNoise));
        sigma = Math.max(sigmaFloor, Math.sqrt(between * between + within * within));
        rebuildExcessNoise(zone);
        if (!hasExcessNoise) {
            bootstrapExcessNoise(model);
        }
        if (hasExcessNoise) {
            pending = null;
        }
    }

    /**
     * {@link #excessNoise} from the {@link #pending} blocks, under the model just fitted: one figure for every
     * hour, against the median of all hours. A day holds each hour once, and an hour's own median would take
     * out the slow part of its noise, which is the part that matters.
     */
    private void bootstrapExcessNoise(LoadModel model) {
        int width = features + 2;
        double[] rms = new double[nPending];
        int n = 0;
        for (int b = 0; b < nPending; ) {
            long h = (long) pending[b * width];
            double squares = 0;
            int blocks = 0;
            for (; b < nPending && (long) pending[b * width] == h; b++) {
                double[] x = Arrays.copyOfRange(pending, b * width + 2, b * width + 2 + features);
                double r = pending[b * width + 1] - model.predict(x) - globalMedian;
                squares += r * r;
                blocks++;
            }
            if (blocks >= 2) {
                rms[n++] = Math.sqrt(squares / blocks);
            }
        }
        if (n > 0) {
            setExcessNoise(Arrays.copyOf(rms, n), new int[n]);
            Arrays.fill(excessNoise, excessNoise[0]);
        }
    }

    /**
     * Per local hour of day the root mean square of the learnable hours' {@link #blockRms} at that hour (then of
     * all), leaving out hours above three times their median. The hour of day, because noise grows with load (a
     * business figure off by a share of it) and load follows the hour of day, while an hour of week has only a
     * few weeks of values. A mean of squares, because one hour of autocorrelated noise holds only a couple of
     * independent blocks: the median of such hours sits well below their typical spread. Without the odd hour
     * with a job starting or an outlet burst, which would raise it.
     */
    private void rebuildExcessNoise(ZoneId zone) {
        int n = 0;
        for (int j = 0; j < size; j++) {
            int i = (head + j) % capacity;
            if (!excluded[i] && !Double.isNaN(blockRms[i])) {
                n++;
            }
        }
        if (n == 0) { // keep what is known: the first fit's, or the last refit's
            return;
        }
        double[] r = new double[n];
        int[] how = new int[n];
        int k = 0;
        for (int j = 0; j < size; j++) {
            int i = (head + j) % capacity;
            if (!excluded[i] && !Double.isNaN(blockRms[i])) {
                r[k] = blockRms[i];
                how[k++] = HourOfWeek.of((long) (hour[i] * MS_PER_HOUR), zone) % 24;
            }
        }
        setExcessNoise(r, how);
    }

    /** Per hour of day the trimmed RMS of the hourly values {@code rms} at {@code hod}, else of all of them. */
    private void setExcessNoise(double[] rms, int[] hod) {
        double all = trimmedRms(rms.clone());
        double[][] byHod = group(rms, hod, 24, h -> h);
        for (int h = 0; h < 24; h++) {
            excessNoise[h] = byHod[h].length > 0 ? trimmedRms(byHod[h]) : all;
        }
        hasExcessNoise = true;
    }

    private static double trimmedRms(double[] v) {
        double cut = 3 * Robust.median(v.clone());
        double sum = 0;
        int n = 0;
        for (double x : v) {
            if (x <= cut) {
                sum += x * x;
                n++;
            }
        }
        return Math.sqrt(sum / n);
    }

    /** Whether {@link #excessNoise} is known: from the first fit on, where the history held two blocks an hour. */
    boolean hasExcessNoise() {
        return hasExcessNoise;
    }

    /**
     * The usual spread of {@link #BLOCK}-step means of the excess at this hour of week's hour of day, in watts;
     * NaN before the detector has seen two blocks of a learnable hour. Autocorrelated noise (a slow wander, a business figure
     * that is off by a share of the load) shows here in full, where step-to-step differences hide it.
     */
    double excessNoise(int hourOfWeek) {
        return hasExcessNoise ? excessNoise[hourOfWeek % 24] : Double.NaN;
    }

    /**
     * Recomputes the component baseline under the component model: per local hour of week the median of the
     * components' watts less the model at the explained load, as {@link #rebuild} does for the measured watts.
     */
    void rebuildComponent(LoadModel model, ZoneId zone) {
        int valid = componentHours();
        componentBaseline = valid > 0;
        if (valid == 0) {
            return;
        }
        double[] r = new double[valid];
        int[] how = new int[valid];
        int k = 0;
        for (int j = 0; j < size; j++) {
            int i = (head + j) % capacity;
            if (excluded[i] || Double.isNaN(component[i])) {
                continue;
            }
            r[k] = component[i] - model.predict(explained[i]);
            how[k++] = HourOfWeek.of((long) (hour[i] * MS_PER_HOUR), zone);
        }
        medians(r, how, componentMedian);
    }

    /**
     * Fills {@code out} per hour of week with the median of the residuals {@code r} of that hour, falling back
     * to the same hour of day, then to all hours; returns the median of all.
     */
    private static double medians(double[] r, int[] how, double[] out) {
        double all = Robust.median(r.clone());
        double[][] byHow = group(r, how, HourOfWeek.HOURS, h -> h);
        double[][] byHod = group(r, how, 24, h -> h % 24);
        for (int h = 0; h < HourOfWeek.HOURS; h++) {
            if (byHow[h].length > 0) {
                out[h] = Robust.median(byHow[h]);
            } else if (byHod[h % 24].length > 0) {
                out[h] = Robust.median(byHod[h % 24]);
            } else {
                out[h] = all;
            }
        }
        return all;
    }

    private static double[][] group(double[] r, int[] how, int buckets, java.util.function.IntUnaryOperator key) {
        int[] count = new int[buckets];
        for (int h : how) {
            count[key.applyAsInt(h)]++;
        }
        double[][] out = new double[buckets][];
        for (int b = 0; b < buckets; b++) {
            out[b] = new double[count[b]];
        }
        int[] fill = new int[buckets];
        for (int i = 0; i < r.length; i++) {
            int b = key.applyAsInt(how[i]);
            out[b][fill[b]++] = r[i];
        }
        return out;
    }

    boolean hasBaseline() {
        return !Double.isNaN(sigma);
    }

    double median(int hourOfWeek) {
        return median[hourOfWeek];
    }

    boolean hasComponentBaseline() {
        return componentBaseline;
    }

    /** The components' usual watts above their model at this hour of week. */
    double componentMedian(int hourOfWeek) {
        return componentMedian[hourOfWeek];
    }

    double sigma() {
        return sigma;
    }
}

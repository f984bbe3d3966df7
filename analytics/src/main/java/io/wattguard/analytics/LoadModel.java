package io.wattguard.analytics;

import java.util.List;

/**
 * Expected watts as a linear function of load features, fitted robustly ({@link RobustLinearModel}) over
 * the learnable hours of every entity that shares it (hosts of one hardware model; a rack or room alone).
 * A feature that never varied in the history is left out of the fit: an always-idle GPU fleet says nothing
 * about what a busy GPU draws, and keeping the column would make the regression singular.
 */
final class LoadModel {
    private final int features;
    private final int[] columns;
    private final double[] beta;
    /** The largest value of each feature in the fit: beyond it the line is a guess. */
    private final double[] max;

    private LoadModel(int features, int[] columns, double[] beta, double[] max) {
        this.features = features;
        this.columns = columns;
        this.beta = beta;
        this.max = max;
    }

    /** Rows are {@code [features..., actual]}; null when there are too few to fit. */
    static LoadModel fit(List<double[]> rows, int features) {
        if (rows.size() < features + 3) {
            return null;
        }
        int[] cols = independent(rows, features);
        double[][] x = new double[rows.size()][cols.length];
        double[] y = new double[rows.size()];
        for (int i = 0; i < rows.size(); i++) {
            double[] r = rows.get(i);
            for (int j = 0; j < cols.length; j++) {
                x[i][j] = r[cols[j]];
            }
            y[i] = r[features];
        }
        double[] max = new double[features];
        java.util.Arrays.fill(max, Double.NEGATIVE_INFINITY);
        for (double[] r : rows) {
            for (int c = 0; c < features; c++) {
                max[c] = Math.max(max[c], r[c]);
            }
        }
        if (cols.length == 0) {
            return new LoadModel(features, cols, new double[] {Robust.median(y)}, max);
        }
        try {
            return new LoadModel(features, cols, RobustLinearModel.fit(x, y).coefficients(), max);
        } catch (RuntimeException singular) {
            if (cols.length == 1) {
                // One feature and still singular (every weight went to zero): the level is all that is known.
                return new LoadModel(features, new int[0], new double[] {Robust.median(y)}, max);
            }
            // Collinear features (memory utilisation that exactly tracks utilisation): keep the first alone.
            LoadModel one = fit(
                    rows.stream()
                            .map(r -> new double[] {r[cols[0]], r[features]})
                            .toList(),
                    1);
            return new LoadModel(features, one.columns.length == 0 ? one.columns : new int[] {cols[0]}, one.beta, max);
        }
    }

    /**
     * Whether the features lie within what the model was fitted on (hourly means, so a tenth of headroom
     * plus a little for one-step peaks).
     */
    boolean covers(double[] x) {
        for (int c = 0; c < features; c++) {
            if (x[c] > max[c] * 1.1 + 0.05 * Math.max(1, Math.abs(max[c]))) {
                return false;
            }
        }
        return true;
    }

    /**
     * The features that varied and are not (nearly) a linear combination of earlier ones. Fleets have
     * collinear load: memory utilisation that tracks utilisation, data-loader CPU that tracks the GPU. A fit
     * on such columns is singular or, worse, returns huge coefficients of opposite sign that cancel on the
     * history and explode as soon as business load splits the features apart (an expected 5e12 W). Greedy
     * Gram-Schmidt on the centred columns keeps a feature only if more than 10% of its spread is its own.
     */
    static int[] independent(List<double[]> rows, int features) {
        int n = rows.size();
        List<double[]> basis = new java.util.ArrayList<>();
        List<Integer> keep = new java.util.ArrayList<>();
        for (int c = 0; c < features; c++) {
            if (!varies(rows, c)) {
                continue;
            }
            double mean = 0;
            for (double[] r : rows) {
                mean += r[c];
            }
            mean /= n;
            double[] v = new double[n];
            for (int i = 0; i < n; i++) {
                v[i] = rows.get(i)[c] - mean;
            }
            double norm0 = norm(v);
            for (double[] q : basis) {
                double dot = 0;
                for (int i = 0; i < n; i++) {
                    dot += v[i] * q[i];
                }
                for (int i = 0; i < n; i++) {
                    v[i] -= dot * q[i];
                }
            }
            double left = norm(v);
            if (left > 0.1 * norm0) {
                for (int i = 0; i < n; i++) {
                    v[i] /= left;
                }
                basis.add(v);
                keep.add(c);
            }
        }
        return keep.stream().mapToInt(Integer::intValue).toArray();
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    private static boolean varies(List<double[]> rows, int c) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (double[] r : rows) {
            min = Math.min(min, r[c]);
            max = Math.max(max, r[c]);
        }
        return max - min > 1e-6;
    }

    double predict(double[] x) {
        double y = beta[0];
        for (int j = 0; j < columns.length; j++) {
            y += beta[j + 1] * x[columns[j]];
        }
        return y;
    }

    /** The fitted line in words: {@code 120 W + 1014 W x gpu_util + 38 W x cpu_util}, features by name. */
    String describe(String[] names) {
        StringBuilder sb = new StringBuilder(String.format(java.util.Locale.ROOT, "%.0f W", beta[0]));
        for (int j = 0; j < columns.length; j++) {
            double b = beta[j + 1];
            sb.append(String.format(
                    java.util.Locale.ROOT, " %s %.0f W x %s", b < 0 ? "-" : "+", Math.abs(b), names[columns[j]]));
        }
        return sb.toString();
    }

    int features() {
        return features;
    }
}

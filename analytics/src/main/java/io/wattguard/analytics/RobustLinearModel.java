package io.wattguard.analytics;

import java.util.Arrays;
import org.apache.commons.math3.stat.regression.OLSMultipleLinearRegression;

/**
 * Expected power as a linear function of load (for a GPU model: {@code P = a + b*util + c*mem_util}), fitted
 * by iteratively re-weighted least squares: Huber weights to convergence, then Tukey's bisquare. A fleet's
 * history holds miners, stuck sensors and idle-but-clocked GPUs; plain OLS lets those drag the fit. Huber
 * weights bound each point's influence; the bisquare then gives points beyond about 4.7 robust sigmas none.
 */
public final class RobustLinearModel {
    /** Huber's tuning constant: 95% efficiency at the normal distribution. */
    static final double HUBER_K = 1.345;

    private static final int MAX_ITERATIONS = 50;

    private final double[] coefficients;
    private final double scale;
    private final int iterations;

    private RobustLinearModel(double[] coefficients, double scale, int iterations) {
        this.coefficients = coefficients;
        this.scale = scale;
        this.iterations = iterations;
    }

    /**
     * Fits {@code y = b0 + b1*x1 + ...}. {@code x[i]} holds the regressors of observation {@code i} (no
     * intercept column); needs more observations than regressors + 1.
     */
    public static RobustLinearModel fit(double[][] x, double[] y) {
        int n = y.length;
        int p = x.length == 0 ? 0 : x[0].length;
        if (n != x.length || n <= p + 1) {
            throw new IllegalArgumentException(
                    "need more observations (" + n + ") than coefficients (" + (p + 1) + ")");
        }
        double[] w = new double[n];
        Arrays.fill(w, 1.0);
        double[] beta = weighted(x, y, w);
        // Huber first: convex, so it converges from the least-squares start and gives a robust scale.
        double scale = mad(residuals(x, y, beta));
        int it = 0;
        for (int i = 0; i < MAX_ITERATIONS && scale > 0; i++, it++) {
            double[] next = reweigh(x, y, beta, w, scale, false);
            scale = mad(residuals(x, y, next));
            boolean done = converged(beta, next);
            beta = next;
            if (done) {
                break;
            }
        }
        // Then Tukey's bisquare at that scale: a monotone estimator still feels outliers that crowd one
        // region (a miner at low reported utilisation pulls the intercept); a redescending one ignores them.
        for (int i = 0; i < MAX_ITERATIONS && scale > 0; i++, it++) {
            double[] next = reweigh(x, y, beta, w, scale, true);
            boolean done = converged(beta, next);
            beta = next;
            if (done) {
                break;
            }
        }
        return new RobustLinearModel(beta, scale == 0 ? 0 : mad(residuals(x, y, beta)), it);
    }

    /** Tukey's bisquare constant: 95% efficiency at the normal distribution. */
    static final double BISQUARE_C = 4.685;

    private static double[] reweigh(
            double[][] x, double[] y, double[] beta, double[] w, double scale, boolean bisquare) {
        double[] r = residuals(x, y, beta);
        for (int i = 0; i < y.length; i++) {
            double u = Math.abs(r[i]) / scale;
            if (bisquare) {
                double v = u / BISQUARE_C;
                w[i] = v < 1 ? (1 - v * v) * (1 - v * v) : 0;
            } else {
                w[i] = u <= HUBER_K ? 1.0 : HUBER_K / u;
            }
        }
        return weighted(x, y, w);
    }

    private static boolean converged(double[] a, double[] b) {
        double change = 0;
        for (int j = 0; j < a.length; j++) {
            change = Math.max(change, Math.abs(b[j] - a[j]) / (Math.abs(a[j]) + 1e-9));
        }
        return change < 1e-7;
    }

    /** Weighted least squares as OLS on rows scaled by the square root of their weight. */
    private static double[] weighted(double[][] x, double[] y, double[] w) {
        int n = y.length;
        int p = x[0].length;
        double[][] xs = new double[n][p + 1];
        double[] ys = new double[n];
        for (int i = 0; i < n; i++) {
            double s = Math.sqrt(w[i]);
            xs[i][0] = s;
            for (int j = 0; j < p; j++) {
                xs[i][j + 1] = x[i][j] * s;
            }
            ys[i] = y[i] * s;
        }
        OLSMultipleLinearRegression ols = new OLSMultipleLinearRegression();
        ols.setNoIntercept(true);
        ols.newSampleData(ys, xs);
        return ols.estimateRegressionParameters();
    }

    private static double[] residuals(double[][] x, double[] y, double[] beta) {
        double[] r = new double[y.length];
        for (int i = 0; i < y.length; i++) {
            r[i] = y[i] - predict(beta, x[i]);
        }
        return r;
    }

    private static double predict(double[] beta, double[] xi) {
        double v = beta[0];
        for (int j = 0; j < xi.length; j++) {
            v += beta[j + 1] * xi[j];
        }
        return v;
    }

    /** Median absolute deviation scaled to the standard deviation of a normal distribution. */
    static double mad(double[] r) {
        double med = Robust.median(r.clone());
        double[] d = new double[r.length];
        for (int i = 0; i < r.length; i++) {
            d[i] = Math.abs(r[i] - med);
        }
        return Robust.MAD_TO_SIGMA * Robust.median(d);
    }

    public double predict(double... xi) {
        return predict(coefficients, xi);
    }

    /** Intercept first, then one per regressor. */
    public double[] coefficients() {
        return coefficients.clone();
    }

    /** Robust standard deviation of the residuals at the final weights. */
    public double scale() {
        return scale;
    }

    public int iterations() {
        return iterations;
    }
}

package io.wattguard.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.apache.commons.math3.stat.regression.OLSMultipleLinearRegression;
import org.junit.jupiter.api.Test;

class RobustLinearModelTest {
    @Test
    void aMinerHidingInTheHistoryDoesNotDragThePowerModel() {
        // P = 60 W idle + 2.5 W per % SM utilisation + 0.8 W per % memory utilisation, 5 W noise;
        // 10% of samples are a miner: low reported business utilisation, +300 W.
        SplittableRandom rnd = new SplittableRandom(7);
        int n = 3000;
        double[][] x = new double[n][2];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            double util = rnd.nextDouble() * 100;
            double mem = util * 0.6 + rnd.nextDouble() * 20;
            x[i][0] = util;
            x[i][1] = mem;
            y[i] = 60 + 2.5 * util + 0.8 * mem + 5 * gaussian(rnd);
            if (i % 10 == 0) {
                x[i][0] = rnd.nextDouble() * 10;
                x[i][1] = rnd.nextDouble() * 5;
                y[i] = 60 + 300 + 5 * gaussian(rnd);
            }
        }
        RobustLinearModel m = RobustLinearModel.fit(x, y);
        double[] b = m.coefficients();
        assertEquals(60, b[0], 4, "idle watts");
        assertEquals(2.5, b[1], 0.08, "watts per % utilisation");
        assertEquals(0.8, b[2], 0.12, "watts per % memory utilisation");
        assertEquals(5, m.scale(), 1.0, "robust residual sigma is the noise, not the miner");

        OLSMultipleLinearRegression ols = new OLSMultipleLinearRegression();
        ols.newSampleData(y, x);
        double olsIdle = ols.estimateRegressionParameters()[0];
        assertTrue(Math.abs(olsIdle - 60) > 15, "plain least squares is dragged by the miner: " + olsIdle);
    }

    @Test
    void tooFewObservationsIsAClearError() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class,
                () -> RobustLinearModel.fit(new double[][] {{1, 2}, {2, 3}}, new double[] {1, 2}));
        assertEquals("need more observations (2) than coefficients (3)", e.getMessage());
    }

    static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
    }
}

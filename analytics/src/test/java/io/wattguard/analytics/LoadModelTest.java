package io.wattguard.analytics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoadModelTest {
    /** Rows [gpu util, mem util, cpu util, watts] from a fleet whose memory utilisation is exactly 0.6 x util. */
    private static List<double[]> collinear() {
        List<double[]> rows = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            double u = (i % 50) / 50.0 * 4;
            rows.add(new double[] {u, 0.6 * u, 0.2, 100 + 250 * u});
        }
        return rows;
    }

    @Test
    void collinearFeaturesFallBackToTheFirstInsteadOfFailing() {
        LoadModel m = LoadModel.fit(collinear(), 3);
        assertEquals(100 + 250 * 2, m.predict(new double[] {2, 1.2, 0.2}), 1);
    }

    @Test
    void collinearFeaturesDoNotExplodeWhenBusinessLoadSplitsThem() {
        // CPU util tracks GPU util in the history (data loaders); explained CPU is capped by business load
        // separately, so the features no longer move together: the prediction must stay a plausible wattage.
        List<double[]> rows = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            double u = (i % 60) / 60.0 * 4;
            rows.add(new double[] {u, 0.4 * u, 0.1 + 0.05 * u, 200 + 260 * u});
        }
        LoadModel m = LoadModel.fit(rows, 3);
        double split = m.predict(new double[] {2, 0.8, 0.0});
        assertTrue(split > 500 && split < 900, "plausible watts with the features split apart: " + split);
    }

    @Test
    void aFeatureThatNeverVariedIsLeftOutAndBeyondTheFittedRangeThereIsNoVerdict() {
        List<double[]> rows = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            rows.add(new double[] {0.05, 0.01, 0.1 + (i % 10) / 100.0, 300 + 100 * (0.1 + (i % 10) / 100.0)});
        }
        LoadModel m = LoadModel.fit(rows, 3);
        assertEquals(315, m.predict(new double[] {0.05, 0.01, 0.15}), 1);
        assertTrue(m.covers(new double[] {0.05, 0.01, 0.15}));
        assertFalse(m.covers(new double[] {3.5, 2, 0.15}), "a busy GPU is beyond an idle fleet's line");
    }
}

package io.wattguard.analytics;

/** Where the analysis puts what it concludes: the {@code baseline} rows and episode states. */
public interface AnalysisOutput {
    /** Takes nothing: for episodes that only need to reach the store. */
    AnalysisOutput NONE = episodes(e -> {});

    /** One {@code baseline} row of an entity at a step. */
    void baseline(
            long timeMs,
            String entity,
            String level,
            double actualW,
            double expectedW,
            double upperW,
            double residualW,
            double score,
            double businessLoad);

    /** An episode opened, grew or closed at {@code e.updatedMs()}. */
    void episode(Episode e);

    /**
     * The GPUs of one rack at a step, from the hosts that reported this step: how many, their mean utilisation
     * (percent) and their summed watts (NaN where none reported power). A rollup, so that a wall screen over a
     * month reads a row per rack and step, not every GPU's every sample.
     */
    default void gpus(long timeMs, String rack, String room, int gpus, double utilPct, double powerW) {}

    /** Takes only episode states, for whoever lists or forwards them. */
    static AnalysisOutput episodes(java.util.function.Consumer<Episode> consumer) {
        return new AnalysisOutput() {
            @Override
            public void baseline(
                    long timeMs,
                    String entity,
                    String level,
                    double actualW,
                    double expectedW,
                    double upperW,
                    double residualW,
                    double score,
                    double businessLoad) {}

            @Override
            public void episode(Episode e) {
                consumer.accept(e);
            }
        };
    }

    /** This output, then {@code next}, for every row and episode state. */
    default AnalysisOutput and(AnalysisOutput next) {
        AnalysisOutput first = this;
        return new AnalysisOutput() {
            @Override
            public void baseline(
                    long timeMs,
                    String entity,
                    String level,
                    double actualW,
                    double expectedW,
                    double upperW,
                    double residualW,
                    double score,
                    double businessLoad) {
                first.baseline(timeMs, entity, level, actualW, expectedW, upperW, residualW, score, businessLoad);
                next.baseline(timeMs, entity, level, actualW, expectedW, upperW, residualW, score, businessLoad);
            }

            @Override
            public void episode(Episode e) {
                first.episode(e);
                next.episode(e);
            }

            @Override
            public void gpus(long timeMs, String rack, String room, int gpus, double utilPct, double powerW) {
                first.gpus(timeMs, rack, room, gpus, utilPct, powerW);
                next.gpus(timeMs, rack, room, gpus, utilPct, powerW);
            }
        };
    }
}

package io.wattguard.analytics;

/** Where the analysis puts what it concludes: the {@code baseline} rows and episode states. */
public interface AnalysisOutput {
    /** Takes nothing: for episodes that only need to reach the store. */
    AnalysisOutput NONE = new AnalysisOutput() {
        @Override
        public void baseline(long timeMs, String entity, String level, double actualW, double expectedW,
                double upperW, double residualW, double score, double businessLoad) {}

        @Override
        public void episode(Episode e) {}
    };

    /** One {@code baseline} row of an entity at a step. */
    void baseline(long timeMs, String entity, String level, double actualW, double expectedW, double upperW,
            double residualW, double score, double businessLoad);

    /** An episode opened, grew or closed at {@code e.updatedMs()}. */
    void episode(Episode e);
}

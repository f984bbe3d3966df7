package io.wattguard.source.business;

import io.wattguard.analytics.BusinessFeeds;
import io.wattguard.core.Emitter;
import io.wattguard.core.Source;
import io.wattguard.core.SourceSpec;
import io.wattguard.store.write.InfluxWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.influxdb.dto.QueryResult;

/**
 * Runs each mapping over the last poll interval and writes {@code business_load{entity, level, source=query:NAME}}.
 * A failing query (bad InfluxQL, InfluxDB down) is an error on that query only; the others carry on.
 */
final class BusinessSource implements Source {
    private final SourceSpec.Common common;
    private final BusinessConfig config;
    private InfluxWriter influx;
    private boolean closed;

    BusinessSource(SourceSpec.Common common, BusinessConfig config) {
        this.common = common;
        this.config = config;
    }

    @Override
    public String name() {
        return common.name();
    }

    @Override
    public String type() {
        return "business";
    }

    @Override
    public Duration interval() {
        return common.interval();
    }

    @Override
    public Duration timeout() {
        return common.timeout();
    }

    @Override
    public synchronized void start() {
        if (influx == null && !closed) {
            influx = new InfluxWriter(config.influx());
        }
    }

    @Override
    public void poll(Emitter out) {
        InfluxWriter db;
        synchronized (this) {
            start();
            db = influx;
        }
        if (db == null) {
            return; // closed
        }
        long to = out.tickMs();
        long from = to - common.interval().toMillis();
        for (BusinessConfig.Query q : config.queries()) {
            try {
                run(db, q, from, to, out);
            } catch (RuntimeException e) {
                out.error("query " + q.name(), "InfluxDB at " + config.influx().url() + ": " + rootMessage(e));
            }
        }
    }

    private void run(InfluxWriter db, BusinessConfig.Query q, long from, long to, Emitter out) {
        QueryResult r = db.query(q.bounded(from, to));
        if (r.hasError()) {
            out.error("query " + q.name(), r.getError());
            return;
        }
        for (QueryResult.Result result : r.getResults()) {
            if (result.hasError()) {
                out.error("query " + q.name(), result.getError());
                continue;
            }
            if (result.getSeries() == null) {
                continue; // nothing in this interval: no load is claimed, none is denied
            }
            for (QueryResult.Series series : result.getSeries()) {
                Map<String, String> tags = series.getTags();
                String entity = tags == null ? null : tags.get(q.entityTag());
                if (entity == null || entity.isEmpty()) {
                    out.error(
                            "query " + q.name(),
                            "a result has no tag '" + q.entityTag() + "': GROUP BY " + q.entityTag());
                    continue;
                }
                Double raw = lastNumber(series);
                if (raw == null) {
                    continue;
                }
                out.emit(BusinessLoad.point(
                                entity,
                                q.level(),
                                BusinessFeeds.QUERY_PREFIX + q.name(),
                                q.normalise(raw),
                                raw,
                                out.tickMs())
                        .withDefaultTags(common.tags()));
            }
        }
    }

    /** The newest non-null number in the first value column (the one after time). */
    private static Double lastNumber(QueryResult.Series series) {
        List<List<Object>> rows = series.getValues();
        if (rows == null) {
            return null;
        }
        int col = series.getColumns().indexOf("time") == 0 ? 1 : 0;
        for (int i = rows.size() - 1; i >= 0; i--) {
            List<Object> row = rows.get(i);
            if (row.size() > col && row.get(col) instanceof Number n && Double.isFinite(n.doubleValue())) {
                return n.doubleValue();
            }
        }
        return null;
    }

    static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return t instanceof java.net.ConnectException || t instanceof java.net.SocketTimeoutException
                ? "cannot reach it: " + m
                : m;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (influx != null) {
            influx.close();
            influx = null;
        }
    }
}

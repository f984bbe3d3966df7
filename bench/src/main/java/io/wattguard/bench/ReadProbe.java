package io.wattguard.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.msgpack.core.MessageFormat;
import org.msgpack.core.MessagePack;
import org.msgpack.core.MessageUnpacker;

/**
 * Raw read alternatives over the lean dataset, to choose how the store reader asks: tags as columns or from
 * the series header ({@code GROUP BY} tags), JSON or MessagePack, measurements one after another or in
 * parallel, window and chunk sizes. Each variant reads every row of the range and touches every value (a
 * checksum), so it pays for decoding as the reader would.
 */
final class ReadProbe {
    private static final JsonFactory JSON = new JsonFactory();
    private static final String[][] QUERIES = {
        {
            "SELECT util_pct, mem_util_pct, power_w, power_limit_w, energy_j",
            "gpu",
            "\"host\", \"rack\", \"room\", \"gpu\", \"model\""
        },
        {"SELECT power_w, energy_kwh", "meter", "\"device\", \"channel\", \"kind\", \"host\", \"rack\", \"room\""},
        {"SELECT value", "business_load", "\"entity\", \"level\", \"source\""},
    };

    private final OkHttpClient http =
            new OkHttpClient.Builder().readTimeout(10, TimeUnit.MINUTES).build();
    private final URI url;
    private final String db;
    long rows;
    double checksum;

    ReadProbe(URI url, String db) {
        this.url = url;
        this.db = db;
    }

    /** Reads [from, to) window by window; returns rows/s. */
    double run(long from, long to, long windowMs, int chunk, boolean groupBy, boolean msgpack, int parallel)
            throws Exception {
        rows = 0;
        checksum = 0;
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, parallel));
        long t0 = System.nanoTime();
        try {
            for (long a = from; a < to; a += windowMs) {
                long b = Math.min(to, a + windowMs);
                List<Future<long[]>> fs = new ArrayList<>();
                for (String[] q : QUERIES) {
                    String ql = q[0] + (groupBy ? "" : ", " + q[2]) + " FROM " + q[1] + " WHERE time >= " + a
                            + "ms AND time < " + b + "ms" + (groupBy ? " GROUP BY " + q[2] : "");
                    fs.add(pool.submit(() -> query(ql, chunk, msgpack)));
                    if (parallel <= 1) {
                        fs.get(fs.size() - 1).get();
                    }
                }
                for (Future<long[]> f : fs) {
                    long[] r = f.get();
                    synchronized (this) {
                        rows += r[0];
                        checksum += Double.longBitsToDouble(r[1]);
                    }
                }
            }
        } finally {
            pool.shutdown();
        }
        return rows / ((System.nanoTime() - t0) / 1e9);
    }

    private long[] query(String ql, int chunk, boolean msgpack) throws IOException {
        String u = url.resolve("/query") + "?db=" + URLEncoder.encode(db, StandardCharsets.UTF_8)
                + "&epoch=ms&chunked=true&chunk_size=" + chunk + "&q=" + URLEncoder.encode(ql, StandardCharsets.UTF_8);
        Request req = new Request.Builder()
                .url(u)
                .header("Accept", msgpack ? "application/x-msgpack" : "application/json")
                .build();
        try (Response r = http.newCall(req).execute();
                InputStream in = r.body().byteStream()) {
            if (!r.isSuccessful()) {
                throw new IOException(r.code() + " " + r.body().string());
            }
            return msgpack ? msgpack(in) : json(in);
        }
    }

    private static long[] json(InputStream in) throws IOException {
        long n = 0;
        double sum = 0;
        try (JsonParser p = JSON.createParser(in)) {
            JsonToken tok;
            while ((tok = p.nextToken()) != null) {
                if (tok != JsonToken.FIELD_NAME) {
                    continue;
                }
                String name = p.currentName();
                if ("tags".equals(name)) {
                    p.nextToken();
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        p.nextToken();
                        sum += p.getText().length();
                    }
                } else if ("values".equals(name)) {
                    p.nextToken();
                    while (p.nextToken() == JsonToken.START_ARRAY) {
                        p.nextToken();
                        sum += p.getLongValue() & 1;
                        while ((tok = p.nextToken()) != JsonToken.END_ARRAY) {
                            if (tok == JsonToken.VALUE_NUMBER_FLOAT || tok == JsonToken.VALUE_NUMBER_INT) {
                                sum += p.getDoubleValue();
                            } else if (tok == JsonToken.VALUE_STRING) {
                                sum += p.getText().length();
                            }
                        }
                        n++;
                    }
                } else if ("error".equals(name)) {
                    p.nextToken();
                    throw new IOException(p.getText());
                }
            }
        }
        return new long[] {n, Double.doubleToLongBits(sum)};
    }

    /** Walks chunk maps {results:[{series:[{name,tags,columns,values:[[t,...],...]}]}]} without building trees. */
    private static long[] msgpack(InputStream in) throws IOException {
        long[] acc = new long[1];
        double[] sum = new double[1];
        try (MessageUnpacker u = MessagePack.newDefaultUnpacker(in)) {
            while (u.hasNext()) {
                walk(u, null, acc, sum);
            }
        }
        return new long[] {acc[0], Double.doubleToLongBits(sum[0])};
    }

    private static void walk(MessageUnpacker u, String key, long[] n, double[] sum) throws IOException {
        MessageFormat f = u.getNextFormat();
        switch (f.getValueType()) {
            case MAP -> {
                int len = u.unpackMapHeader();
                for (int i = 0; i < len; i++) {
                    String k = u.unpackString();
                    if ("values".equals(k)) {
                        int rowsLen = u.unpackArrayHeader();
                        for (int r = 0; r < rowsLen; r++) {
                            int cols = u.unpackArrayHeader();
                            sum[0] += u.unpackLong() & 1;
                            for (int c = 1; c < cols; c++) {
                                MessageFormat cf = u.getNextFormat();
                                switch (cf.getValueType()) {
                                    case FLOAT -> sum[0] += u.unpackDouble();
                                    case INTEGER -> sum[0] += u.unpackLong();
                                    case STRING -> sum[0] += u.unpackString().length();
                                    default -> u.skipValue();
                                }
                            }
                            n[0]++;
                        }
                    } else if ("error".equals(k)) {
                        throw new IOException(u.unpackString());
                    } else {
                        walk(u, k, n, sum);
                    }
                }
            }
            case ARRAY -> {
                int len = u.unpackArrayHeader();
                for (int i = 0; i < len; i++) {
                    walk(u, key, n, sum);
                }
            }
            case STRING -> sum[0] += u.unpackString().length();
            default -> u.skipValue();
        }
    }
}

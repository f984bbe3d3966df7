package io.wattguard.daemon;

import java.nio.ByteBuffer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One request and its one answer: what the endpoints need of the transport (Jetty core) and no more. The answer
 * is written without waiting; {@code callback} completes when it is sent, or when the exchange fails.
 */
final class Exchange {
    private final Request request;
    private final Response response;
    private final Callback callback;
    private volatile boolean answered;

    Exchange(Request request, Response response, Callback callback) {
        this.request = request;
        this.response = response;
        this.callback = callback;
    }

    Request request() {
        return request;
    }

    String method() {
        return request.getMethod();
    }

    String path() {
        return Request.getPathInContext(request);
    }

    /** The first value of a request header; null when absent. */
    String header(String name) {
        return request.getHeaders().get(name);
    }

    void setHeader(String name, String value) {
        response.getHeaders().put(name, value);
    }

    boolean answered() {
        return answered;
    }

    void send(int status, String type, byte[] body) {
        answered = true;
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    /** No answer can be sent (the client went away): Jetty closes the connection. */
    void fail(Throwable cause) {
        answered = true;
        callback.failed(cause);
    }
}

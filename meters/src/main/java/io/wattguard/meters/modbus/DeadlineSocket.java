package io.wattguard.meters.modbus;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.TimeUnit;

/**
 * A socket whose reads share one deadline. j2mod reads a response in several blocking reads, each with the
 * socket's timeout, so a device that trickles bytes could hold a poll for many timeouts; here every read
 * gets only what is left of the request's budget.
 */
final class DeadlineSocket extends Socket {
    private volatile long deadlineNanos = Long.MAX_VALUE;
    private InputStream in;

    void setDeadline(long nanos) {
        deadlineNanos = nanos;
    }

    @Override
    public synchronized InputStream getInputStream() throws IOException {
        if (in == null) {
            in = new FilterInputStream(super.getInputStream()) {
                @Override
                public int read() throws IOException {
                    arm();
                    return super.read();
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    arm();
                    return super.read(b, off, len);
                }
            };
        }
        return in;
    }

    private void arm() throws IOException {
        long left = deadlineNanos - System.nanoTime();
        if (left <= 0) {
            throw new SocketTimeoutException("no answer within the timeout");
        }
        setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(left) + 1)));
    }
}

package io.wattguard.alert;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** How syslog messages leave: one UDP datagram each, or a TCP stream with octet-counting framing. */
interface SyslogTransport extends Closeable {
    void send(byte[] message) throws IOException;

    /** Drops the connection after a failure, so the next send starts afresh (and resolves the host again). */
    @Override
    void close();

    /** RFC 5426: one message per datagram; no connection, so a receiver restart costs nothing. */
    final class Udp implements SyslogTransport {
        private final String host;
        private final int port;
        private DatagramChannel channel;
        private InetSocketAddress address;

        Udp(String host, int port) {
            this.host = host;
            this.port = port;
        }

        @Override
        public void send(byte[] message) throws IOException {
            if (channel == null) {
                address = resolve(host, port);
                channel = DatagramChannel.open();
            }
            channel.send(ByteBuffer.wrap(message), address);
        }

        @Override
        public void close() {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // nothing to do: it is being dropped
                }
                channel = null;
            }
        }
    }

    /**
     * RFC 6587 §3.4.1 octet counting: {@code LENGTH SP MESSAGE}. A blocking channel, so a receiver that stops
     * reading blocks only the delivery thread, and close() (an interrupt) still ends the wait.
     */
    final class Tcp implements SyslogTransport {
        private final String host;
        private final int port;
        private final Duration timeout;
        private SocketChannel channel;
        private volatile int connects;

        Tcp(String host, int port, Duration timeout) {
            this.host = host;
            this.port = port;
            this.timeout = timeout;
        }

        @Override
        public void send(byte[] message) throws IOException {
            if (channel != null && peerClosed()) {
                close();
            }
            if (channel == null) {
                SocketChannel c = SocketChannel.open();
                try {
                    c.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
                    c.socket().connect(resolve(host, port), (int) timeout.toMillis());
                } catch (IOException e) {
                    c.close();
                    throw e;
                }
                channel = c;
                connects++;
            }
            byte[] prefix = (message.length + " ").getBytes(StandardCharsets.US_ASCII);
            ByteBuffer frame = ByteBuffer.allocate(prefix.length + message.length)
                    .put(prefix)
                    .put(message)
                    .flip();
            while (frame.hasRemaining()) {
                channel.write(frame);
            }
        }

        /** Connections opened so far: one per receiver restart, not one per message. */
        int connects() {
            return connects;
        }

        /**
         * A syslog receiver never writes to us, so a readable end of stream means it closed the connection (it
         * restarted). Checked before each write, because the first write into a connection the peer closed
         * succeeds locally and its message is silently lost.
         */
        private boolean peerClosed() {
            try {
                channel.configureBlocking(false);
                try {
                    ByteBuffer one = ByteBuffer.allocate(64);
                    int n;
                    while ((n = channel.read(one)) > 0) {
                        one.clear();
                    }
                    return n < 0;
                } finally {
                    channel.configureBlocking(true);
                }
            } catch (IOException e) {
                return true;
            }
        }

        @Override
        public void close() {
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // nothing to do: it is being dropped
                }
                channel = null;
            }
        }
    }

    private static InetSocketAddress resolve(String host, int port) throws IOException {
        InetSocketAddress a = new InetSocketAddress(host, port);
        if (a.isUnresolved()) {
            throw new java.net.UnknownHostException(host);
        }
        return a;
    }
}

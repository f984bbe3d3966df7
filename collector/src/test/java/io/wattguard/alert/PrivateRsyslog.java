package io.wattguard.alert;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code rsyslogd} with a private configuration: UDP and TCP inputs on loopback, no /dev/log, and one
 * file where each received message is a line of the RFC 5424 parts rsyslog parsed out of it, tab-separated.
 * What rsyslog parsed, not what we sent, is what the tests assert.
 */
final class PrivateRsyslog implements AutoCloseable {
    static final Path RSYSLOGD = Path.of("/usr/sbin/rsyslogd");
    static final List<String> FIELDS =
            List.of("pri", "hostname", "app-name", "procid", "msgid", "structured-data", "timereported", "msg");

    final Path dir;
    final int udpPort;
    final int tcpPort;
    final Path out;
    private Process process;

    private PrivateRsyslog(Path dir, int udpPort, int tcpPort) {
        this.dir = dir;
        this.udpPort = udpPort;
        this.tcpPort = tcpPort;
        this.out = dir.resolve("received.tsv");
    }

    static PrivateRsyslog start(Path dir) throws IOException, InterruptedException {
        return start(dir, RSYSLOGD);
    }

    /** Fails, never skips, when the daemon is missing: a skipped syslog test would pass on an unprepared machine. */
    static PrivateRsyslog start(Path dir, Path rsyslogd) throws IOException, InterruptedException {
        if (!Files.isExecutable(rsyslogd)) {
            throw new AssertionError(rsyslogd + " is missing: the syslog tests need a real rsyslogd; run "
                    + "scripts/setup.sh test (or apt-get install -y rsyslog)");
        }
        int udp;
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            udp = s.getLocalPort();
        }
        int tcp;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            tcp = s.getLocalPort();
        }
        PrivateRsyslog r = new PrivateRsyslog(dir, udp, tcp);
        r.writeConfig();
        r.start();
        return r;
    }

    private void writeConfig() throws IOException {
        Files.createDirectories(dir.resolve("work"));
        StringBuilder t = new StringBuilder();
        for (int i = 0; i < FIELDS.size(); i++) {
            String f = FIELDS.get(i);
            t.append("  property(name=\"")
                    .append(f)
                    .append('"')
                    .append(f.equals("timereported") ? " dateFormat=\"rfc3339\"" : "")
                    .append(")\n")
                    .append("  constant(value=\"")
                    .append(i == FIELDS.size() - 1 ? "\\n" : "\\t")
                    .append("\")\n");
        }
        Files.writeString(dir.resolve("rsyslog.conf"), """
                global(workDirectory="%s" maxMessageSize="64k")
                module(load="imuxsock" SysSock.Use="off")
                module(load="imudp")
                module(load="imtcp")
                input(type="imudp" address="127.0.0.1" port="%d")
                input(type="imtcp" address="127.0.0.1" port="%d")
                template(name="parts" type="list") {
                %s}
                action(type="omfile" file="%s" template="parts")
                """.formatted(dir.resolve("work"), udpPort, tcpPort, t, out));
    }

    /** Starts rsyslogd and waits until a probe sent over UDP and one over TCP were both written. */
    void start() throws IOException, InterruptedException {
        process = new ProcessBuilder(
                        RSYSLOGD.toString(),
                        "-n",
                        "-f",
                        dir.resolve("rsyslog.conf").toString(),
                        "-i",
                        dir.resolve("rsyslogd.pid").toString())
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("rsyslogd.log").toFile())
                .start();
        String probe = "probe-" + System.nanoTime();
        long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        boolean udpSeen = false;
        boolean tcpSeen = false;
        try (DatagramSocket s = new DatagramSocket()) {
            while (!(udpSeen && tcpSeen)) {
                if (!process.isAlive()) {
                    throw new AssertionError("rsyslogd exited with " + process.exitValue() + ": " + log());
                }
                if (System.nanoTime() > end) {
                    throw new AssertionError("rsyslogd did not receive its probes within 20 s: " + log());
                }
                if (!udpSeen) {
                    byte[] m = ("<13>1 - - probe - udp - " + probe).getBytes(StandardCharsets.UTF_8);
                    s.send(new DatagramPacket(m, m.length, InetAddress.getLoopbackAddress(), udpPort));
                }
                if (!tcpSeen) {
                    try (var c = new java.net.Socket(InetAddress.getLoopbackAddress(), tcpPort)) {
                        String m = "<13>1 - - probe - tcp - " + probe;
                        c.getOutputStream().write((m.length() + " " + m).getBytes(StandardCharsets.UTF_8));
                    } catch (IOException notYet) {
                        // the TCP input is not listening yet
                    }
                }
                Thread.sleep(100);
                for (Map<String, String> line : lines()) {
                    if (line.get("msg").endsWith(probe)) {
                        udpSeen |= line.get("msgid").equals("udp");
                        tcpSeen |= line.get("msgid").equals("tcp");
                    }
                }
            }
        }
    }

    /** Every message received so far except the probes, as rsyslog parsed it. */
    List<Map<String, String>> messages() throws IOException {
        List<Map<String, String>> out = new ArrayList<>();
        for (Map<String, String> m : lines()) {
            if (!"probe".equals(m.get("app-name"))) {
                out.add(m);
            }
        }
        return out;
    }

    private List<Map<String, String>> lines() throws IOException {
        List<Map<String, String>> res = new ArrayList<>();
        if (!Files.exists(out)) {
            return res;
        }
        for (String l : Files.readAllLines(out, StandardCharsets.UTF_8)) {
            String[] parts = l.split("\t", FIELDS.size());
            if (parts.length < FIELDS.size()) {
                continue; // a line being written
            }
            Map<String, String> m = new LinkedHashMap<>();
            for (int i = 0; i < FIELDS.size(); i++) {
                m.put(FIELDS.get(i), parts[i]);
            }
            res.add(m);
        }
        return res;
    }

    String log() {
        try {
            return Files.readString(dir.resolve("rsyslogd.log"));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    /** SIGKILL: the receiver vanishes without a goodbye, as in a crash. */
    void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}

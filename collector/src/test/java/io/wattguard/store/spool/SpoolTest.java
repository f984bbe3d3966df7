package io.wattguard.store.spool;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SpoolTest {
    @TempDir
    Path tmp;

    private Spool open(Path dir, long max, long seg) throws IOException {
        return new Spool(dir, max, seg, FsyncPolicy.BATCH, 1000, Clock.systemUTC());
    }

    private static byte[] batch(int i) {
        return ("m,host=h" + i + " v=" + i + " " + i + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static List<String> drain(Spool s) throws IOException {
        List<String> out = new ArrayList<>();
        Spool.Entry e;
        while ((e = s.peek()) != null) {
            out.add(e.text().trim());
            s.ack(e);
        }
        return out;
    }

    @Test
    void batchesComeBackInOrderAcrossSegmentsAndRestarts() throws IOException {
        Path dir = tmp.resolve("spool");
        try (Spool s = open(dir, 1 << 20, 4096)) {
            for (int i = 0; i < 300; i++) {
                s.append(batch(i), 1);
            }
            assertTrue(s.segmentFiles().size() > 1, "rolled into several segments");
            for (int i = 0; i < 100; i++) {
                s.ack(s.peek());
            }
        }
        try (Spool s = open(dir, 1 << 20, 4096)) {
            List<String> rest = drain(s);
            assertEquals(200, rest.size());
            assertEquals("m,host=h100 v=100 100", rest.get(0));
            assertEquals("m,host=h299 v=299 299", rest.get(199));
            assertEquals(1, s.segmentFiles().size(), "delivered segments are deleted");
        }
    }

    @Test
    void aTornLastRecordIsCutOffAndAppendsContinue() throws IOException {
        Path dir = tmp.resolve("spool");
        try (Spool s = open(dir, 1 << 20, 1 << 20)) {
            s.append(batch(1), 1);
            s.append(batch(2), 1);
        }
        Path seg = Files.list(dir)
                .filter(p -> p.toString().endsWith(".seg"))
                .findFirst()
                .orElseThrow();
        long before = Files.size(seg);
        // kill -9 in the middle of an append: a header and half a payload
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.wrap(new byte[] {0x57, 0x47, 0x53, 0x50, 100, 0, 0, 0, 1, 0, 0, 0, 9, 9}));
        }
        try (Spool s = open(dir, 1 << 20, 1 << 20)) {
            assertEquals(before, Files.size(seg), "torn bytes truncated");
            s.append(batch(3), 1);
            assertEquals(List.of("m,host=h1 v=1 1", "m,host=h2 v=2 2", "m,host=h3 v=3 3"), drain(s));
        }
    }

    @Test
    void aCorruptRecordIsSkippedAndCountedTheRestIsDelivered() throws IOException {
        Path dir = tmp.resolve("spool");
        try (Spool s = open(dir, 1 << 20, 1 << 20)) {
            for (int i = 1; i <= 3; i++) {
                s.append(batch(i), 1);
            }
        }
        Path seg = Files.list(dir)
                .filter(p -> p.toString().endsWith(".seg"))
                .findFirst()
                .orElseThrow();
        byte[] bytes = Files.readAllBytes(seg);
        int second = 16 + batch(1).length;
        bytes[second + 16 + 3] ^= 0x5a; // flip a payload byte of the second record
        Files.write(seg, bytes);
        try (Spool s = open(dir, 1 << 20, 1 << 20)) {
            assertEquals(List.of("m,host=h1 v=1 1", "m,host=h3 v=3 3"), drain(s));
            assertEquals(1, s.corruptRecords());
        }
    }

    @Test
    void overTheCapTheOldestSegmentIsDroppedAndCounted() throws IOException {
        Path dir = tmp.resolve("spool");
        byte[] big = new byte[1000];
        java.util.Arrays.fill(big, (byte) 'x');
        try (Spool s = open(dir, 16_384, 4096)) {
            for (int i = 0; i < 40; i++) {
                s.append(big, 10);
            }
            assertTrue(s.bytesOnDisk() <= 16_384, "stays under the cap: " + s.bytesOnDisk());
            long delivered = drain(s).size();
            assertEquals(
                    400, s.droppedPoints() + delivered * 10, "every point is either delivered or counted as dropped");
            assertTrue(s.droppedPoints() > 0);
        }
    }

    @Test
    void filesArePrivateToTheServiceUser() throws IOException {
        Path dir = tmp.resolve("spool");
        try (Spool s = open(dir, 1 << 20, 1 << 20)) {
            s.append(batch(1), 1);
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
            assertEquals(
                    "rw-------",
                    PosixFilePermissions.toString(
                            Files.getPosixFilePermissions(s.segmentFiles().get(0))));
        }
    }

    @Test
    void aPathThatIsAFileGivesAClearError() throws IOException {
        Path file = Files.writeString(tmp.resolve("not-a-dir"), "x");
        IOException e = assertThrows(IOException.class, () -> open(file, 1 << 20, 1 << 20));
        assertEquals("spool path " + file + " exists and is not a directory", e.getMessage());
    }

    @Test
    void closeIsIdempotentAndAppendAfterCloseFails() throws IOException {
        Spool s = open(tmp.resolve("spool"), 1 << 20, 1 << 20);
        s.close();
        s.close();
        assertThrows(IOException.class, () -> s.append(batch(1), 1));
        try (Spool again = open(tmp.resolve("spool"), 1 << 20, 1 << 20)) {
            assertNull(again.peek());
        }
    }

    @Test
    void anAcknowledgementAheadOfTheDataOnDiskDoesNotHideNewBatches() throws IOException {
        // fsync 'never' and a power failure: the ack file says 3 batches were delivered, the disk kept only 1.
        Path dir = tmp.resolve("spool");
        long afterFirst;
        try (Spool s = open(dir, 1 << 20, 1 << 20)) {
            s.append(batch(1), 1);
            afterFirst = s.peek().next();
            s.append(batch(2), 1);
            s.append(batch(3), 1);
            for (int i = 0; i < 3; i++) {
                s.ack(s.peek());
            }
        }
        Path seg = Files.list(dir)
                .filter(p -> p.toString().endsWith(".seg"))
                .findFirst()
                .orElseThrow();
        try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
            ch.truncate(afterFirst);
        }
        try (Spool s = open(dir, 1 << 20, 1 << 20)) {
            for (int i = 4; i <= 9; i++) {
                s.append(batch(i), 1);
            }
            assertEquals(
                    List.of(
                            "m,host=h4 v=4 4",
                            "m,host=h5 v=5 5",
                            "m,host=h6 v=6 6",
                            "m,host=h7 v=7 7",
                            "m,host=h8 v=8 8",
                            "m,host=h9 v=9 9"),
                    drain(s));
        }
    }

    @Test
    void anAcknowledgedSegmentThatVanishedDoesNotStrandNewBatches() throws IOException {
        Path dir = tmp.resolve("spool");
        try (Spool s = open(dir, 1 << 20, 4096)) {
            for (int i = 0; i < 100; i++) {
                s.append(batch(i), 1);
            }
            drain(s);
        }
        try (var files = Files.list(dir)) {
            for (Path p : files.filter(p -> p.toString().endsWith(".seg")).toList()) {
                Files.delete(p);
            }
        }
        try (Spool s = open(dir, 1 << 20, 4096)) {
            s.append(batch(7), 1);
            assertEquals(List.of("m,host=h7 v=7 7"), drain(s));
        }
    }

    @Test
    void aDrainedWriteSegmentGivesItsSpaceBack() throws IOException {
        Path dir = tmp.resolve("spool");
        try (Spool s = open(dir, 1L << 30, 64L << 20)) {
            byte[] big = new byte[64 << 10];
            java.util.Arrays.fill(big, (byte) 'x');
            for (int i = 0; i < 20; i++) {
                s.append(big, 1);
            }
            assertEquals(1, s.segmentFiles().size());
            assertEquals(20, drain(s).size());
            assertEquals(0, Files.size(s.segmentFiles().get(0)), "emptied in place once delivered");
            s.append(batch(1), 1);
            assertEquals(List.of("m,host=h1 v=1 1"), drain(s));
        }
        try (Spool s = open(dir, 1L << 30, 64L << 20)) {
            assertNull(s.peek(), "nothing replays after a reclaim and a restart");
        }
    }
}

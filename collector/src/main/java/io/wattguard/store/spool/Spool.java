package io.wattguard.store.spool;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.CRC32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Durable write-ahead log of line-protocol batches: segmented append-only files, one checksummed record per
 * batch, read back in order and acknowledged once InfluxDB has them. Delivery is at-least-once (a crash after
 * a write but before its acknowledgement replays that batch, which InfluxDB overwrites idempotently).
 *
 * <p>Record layout (little endian): magic {@code WGSP}, payload length, point count, CRC-32C of count and
 * payload, payload. The magic lets a reader resynchronise after a corrupt record; the CRC catches torn and
 * bit-rotten writes. The read position lives in {@code ack} (segment and offset), replaced atomically.
 *
 * <p>Appends come from the pipeline thread and reads from the sender thread; every method is synchronized
 * and cheap, since the I/O is one write or one read of one record.
 */
public final class Spool implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Spool.class);
    private static final int MAGIC = 0x50534757; // "WGSP" read as little endian
    private static final int HEADER = 16;
    private static final long RECLAIM_BYTES = 1 << 20;
    static final String SUFFIX = ".seg";
    private static final Set<PosixFilePermission> DIR_PERMS = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE_PERMS = PosixFilePermissions.fromString("rw-------");

    /** One batch read back from the spool. */
    public record Entry(long segment, long offset, long next, int points, byte[] payload) {
        public String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }
    }

    private final Path dir;
    private final long maxBytes;
    private final long segmentBytes;
    private final FsyncPolicy fsync;
    private final long fsyncIntervalMs;
    private final Clock clock;

    /** Segment id to its size on disk. */
    private final TreeMap<Long, Long> segments = new TreeMap<>();

    private FileChannel writer;
    private long writeSegment;
    private long writePos;
    private volatile long lastForceMs;
    private long readSegment;
    private long readPos;
    private long droppedPoints;
    private long corruptRecords;
    private boolean closed;
    private boolean appendFailing;
    /** A record is being written outside the monitor: the write segment must not be truncated meanwhile. */
    private boolean appending;
    /** Serialises appenders, so the monitor is free for readers while a batch is written and forced. */
    private final Object appendLock = new Object();

    public Spool(Path dir, long maxBytes, long segmentBytes, FsyncPolicy fsync, long fsyncIntervalMs, Clock clock)
            throws IOException {
        this.dir = dir;
        this.maxBytes = maxBytes;
        // Eviction works a segment at a time, so a segment is at most a quarter of the cap.
        this.segmentBytes = Math.max(4096, Math.min(segmentBytes, maxBytes / 4));
        this.fsync = fsync;
        this.fsyncIntervalMs = fsyncIntervalMs;
        this.clock = clock;
        createPrivateDir(dir);
        if (!Files.isWritable(dir)) {
            throw new IOException("spool directory " + dir + " is not writable by this user");
        }
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String name = p.getFileName().toString();
                if (name.endsWith(SUFFIX)) {
                    try {
                        segments.put(Long.parseLong(name.substring(0, name.length() - SUFFIX.length())), Files.size(p));
                    } catch (NumberFormatException e) {
                        log.warn("spool: ignoring unexpected file {}", p);
                    }
                }
            }
        }
        readAck();
        segments.headMap(readSegment).keySet().forEach(this::deleteSegment);
        segments.headMap(readSegment).clear();
        if (segments.isEmpty() || readSegment > segments.lastKey()) {
            // Everything on disk was delivered (or lost with a power failure): continue after the read position,
            // never below it, or new batches would sit behind the reader.
            writeSegment = Math.max(1, readSegment);
            readSegment = writeSegment;
            readPos = 0;
        } else {
            writeSegment = segments.lastKey();
            if (readSegment < segments.firstKey()) {
                readSegment = segments.firstKey();
                readPos = 0;
            }
        }
        openWriter(writeSegment);
        recoverTail();
        long readable = segments.getOrDefault(readSegment, 0L);
        if (readPos > readable) {
            // With fsync 'interval' or 'never' a power failure can leave the acknowledgement ahead of the data that
            // reached the disk; appends would then land behind the reader and never be sent.
            log.warn(
                    "spool: acknowledged offset {} is past the end ({}) of {}; the tail was lost before reaching the disk",
                    readPos,
                    readable,
                    segmentPath(readSegment));
            readPos = readable;
            writeAck();
        }
    }

    /** Creates the folder private to the service user; spooled lines can name hosts, processes and users. */
    public static void createPrivateDir(Path dir) throws IOException {
        if (Files.isDirectory(dir)) {
            return;
        }
        try {
            Files.createDirectories(dir, perms(DIR_PERMS));
        } catch (FileAlreadyExistsException e) {
            throw new IOException("spool path " + dir + " exists and is not a directory");
        } catch (UnsupportedOperationException e) {
            Files.createDirectories(dir);
        }
    }

    /** A new file readable and writable by the service user only. */
    public static void createPrivateFile(Path file) throws IOException {
        Files.createFile(file, perms(FILE_PERMS));
    }

    private static FileAttribute<?>[] perms(Set<PosixFilePermission> p) {
        return dir0IsPosix()
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(p)}
                : new FileAttribute<?>[0];
    }

    private static boolean dir0IsPosix() {
        return java.nio.file.FileSystems.getDefault()
                .supportedFileAttributeViews()
                .contains("posix");
    }

    private Path segmentPath(long id) {
        return dir.resolve(String.format("%020d%s", id, SUFFIX));
    }

    private void openWriter(long id) throws IOException {
        Path p = segmentPath(id);
        if (!Files.exists(p)) {
            Files.createFile(p, perms(FILE_PERMS));
        }
        writer = FileChannel.open(p, StandardOpenOption.WRITE, StandardOpenOption.READ);
        writePos = writer.size();
        writeSegment = id;
        segments.put(id, writePos);
    }

    /** A crash in the middle of an append leaves a torn last record: cut it off so appends continue cleanly. */
    private void recoverTail() throws IOException {
        long pos = writeSegment == readSegment ? readPos : 0;
        long valid = pos;
        ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
        while (pos + HEADER <= writePos) {
            header.clear();
            writer.read(header, pos);
            header.flip();
            int magic = header.getInt();
            int len = header.getInt();
            if (magic != MAGIC || len < 0 || pos + HEADER + len > writePos) {
                break;
            }
            pos += HEADER + len;
            valid = pos;
        }
        if (valid < writePos) {
            log.warn(
                    "spool: {} ends with {} bytes of an incomplete write (crash while appending); truncating at offset {}",
                    segmentPath(writeSegment),
                    writePos - valid,
                    valid);
            writer.truncate(valid);
            writePos = valid;
            segments.put(writeSegment, valid);
        }
    }

    /**
     * Appends one batch; durable according to the fsync policy when this returns. The write and the fsync run
     * outside the spool's monitor, so the sender keeps reading and acknowledging while a batch is forced to
     * disk; readers only ever see a record once it is complete (and forced, with {@code fsync: batch}).
     */
    public void append(byte[] payload, int points) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(HEADER + payload.length).order(ByteOrder.LITTLE_ENDIAN);
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, points));
        crc.update(payload);
        buf.putInt(MAGIC)
                .putInt(payload.length)
                .putInt(points)
                .putInt((int) crc.getValue())
                .put(payload)
                .flip();
        synchronized (appendLock) {
            FileChannel ch;
            long start;
            synchronized (this) {
                ensureOpen();
                if (!writer.isOpen() || (writePos > 0 && writePos + buf.remaining() > segmentBytes)) {
                    roll();
                }
                ch = writer;
                start = writePos;
                appending = true;
            }
            long pos = start;
            try {
                while (buf.hasRemaining()) {
                    pos += ch.write(buf, pos);
                }
                force(ch);
            } catch (IOException e) {
                synchronized (this) {
                    appending = false;
                    appendFailing = true;
                    // Leave no partial record behind (disk full): readers must never see it as data.
                    try {
                        ch.truncate(start);
                    } catch (IOException ignored) {
                        // the recovery at the next start cuts it off instead
                    }
                }
                throw e;
            }
            synchronized (this) {
                appending = false;
                appendFailing = false;
                writePos = pos;
                segments.put(writeSegment, writePos);
                evictOverCap();
            }
        }
    }

    private void force(FileChannel ch) throws IOException {
        long now = clock.millis();
        if (fsync == FsyncPolicy.BATCH || (fsync == FsyncPolicy.INTERVAL && now - lastForceMs >= fsyncIntervalMs)) {
            ch.force(false);
            lastForceMs = now;
        }
    }

    /**
     * Opens the next segment. If that fails (the folder was removed or replaced) the old writer stays closed, and
     * the next append tries again: once the folder is back the spool works again without a restart.
     */
    private void roll() throws IOException {
        if (writer.isOpen()) {
            if (fsync != FsyncPolicy.NEVER) {
                writer.force(false);
            }
            writer.close();
        }
        openWriter(writeSegment + 1);
    }

    /** Oldest first; what was not yet delivered is counted and logged, never silently lost. */
    private void evictOverCap() throws IOException {
        while (bytesOnDisk() > maxBytes && segments.size() > 1) {
            long oldest = segments.firstKey();
            long lost = oldest == readSegment ? countPoints(oldest, readPos) : 0;
            droppedPoints += lost;
            segments.remove(oldest);
            deleteSegment(oldest);
            if (readSegment <= oldest) {
                readSegment = segments.firstKey();
                readPos = 0;
                writeAck();
            }
            log.warn(
                    "spool: over its cap of {} bytes; dropped the oldest segment {} with {} undelivered points "
                            + "({} dropped in all)",
                    maxBytes,
                    segmentPath(oldest).getFileName(),
                    lost,
                    droppedPoints);
        }
    }

    private long countPoints(long segment, long from) throws IOException {
        long n = 0;
        long pos = from;
        Entry e;
        while ((e = readAt(segment, pos, false)) != null) {
            n += e.points();
            pos = e.next();
        }
        return n;
    }

    /** The oldest undelivered batch, or null if everything was delivered. Corrupt records are skipped and logged. */
    public synchronized Entry peek() throws IOException {
        ensureOpen();
        while (true) {
            long end = readSegment == writeSegment ? writePos : segments.getOrDefault(readSegment, 0L);
            if (readPos < end) {
                long before = readPos;
                Entry e = readAt(readSegment, readPos, true);
                if (e != null) {
                    return e;
                }
                if (readPos == before) {
                    readPos = end; // the segment vanished under us: nothing more to read from it
                }
                continue;
            }
            if (readSegment >= writeSegment) {
                reclaimDrainedSegment();
                return null;
            }
            Long next = segments.higherKey(readSegment);
            deleteSegment(readSegment);
            segments.remove(readSegment);
            readSegment = next == null ? writeSegment : next;
            readPos = 0;
            writeAck();
        }
    }

    /**
     * Everything was delivered, but the segment being written keeps its bytes until it rolls, which on a nearly
     * full disk may be never: empty it in place once it is large or appends are failing. A crash between the
     * truncation and the acknowledgement is covered by the clamp at open.
     */
    private void reclaimDrainedSegment() throws IOException {
        if (!appending
                && writer.isOpen()
                && readPos == writePos
                && writePos > 0
                && (writePos >= RECLAIM_BYTES || appendFailing)) {
            writer.truncate(0);
            writePos = 0;
            readPos = 0;
            segments.put(writeSegment, 0L);
            writeAck();
        }
    }

    /**
     * Reads the record at {@code pos}. With {@code resync}, a corrupt record is logged and the read position
     * moved to the next valid magic (or the end of the segment), and null is returned.
     */
    private Entry readAt(long segment, long pos, boolean resync) throws IOException {
        long size = segment == writeSegment ? writePos : segments.getOrDefault(segment, 0L);
        if (pos + HEADER > size) {
            if (resync && pos < size) {
                skipCorrupt(segment, pos, size, "a truncated record header");
            }
            return null;
        }
        try (FileChannel ch = FileChannel.open(segmentPath(segment), StandardOpenOption.READ)) {
            ByteBuffer header = ByteBuffer.allocate(HEADER).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, header, pos);
            header.flip();
            int magic = header.getInt();
            int len = header.getInt();
            int points = header.getInt();
            int crcStored = header.getInt();
            if (magic != MAGIC || len < 0 || pos + HEADER + len > size) {
                if (resync) {
                    skipCorrupt(segment, pos, size, magic != MAGIC ? "a bad record marker" : "a bad record length");
                }
                return null;
            }
            ByteBuffer payload = ByteBuffer.allocate(len);
            readFully(ch, payload, pos + HEADER);
            CRC32C crc = new CRC32C();
            crc.update(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(0, points));
            crc.update(payload.array());
            if ((int) crc.getValue() != crcStored) {
                if (resync) {
                    skipCorrupt(segment, pos, size, "a checksum mismatch");
                }
                return null;
            }
            return new Entry(segment, pos, pos + HEADER + len, points, payload.array());
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos + buf.position());
            if (n < 0) {
                throw new IOException("unexpected end of spool segment");
            }
        }
    }

    private void skipCorrupt(long segment, long pos, long size, String why) throws IOException {
        corruptRecords++;
        long next = size;
        try (FileChannel ch = FileChannel.open(segmentPath(segment), StandardOpenOption.READ)) {
            ByteBuffer b =
                    ByteBuffer.allocate((int) Math.min(size - pos, 1 << 20)).order(ByteOrder.LITTLE_ENDIAN);
            for (long at = pos + 1; at + 4 <= size; ) {
                b.clear();
                int n = ch.read(b, at);
                if (n < 4) {
                    break;
                }
                for (int i = 0; i + 4 <= n; i++) {
                    if (b.getInt(i) == MAGIC && readAt(segment, at + i, false) != null) {
                        next = at + i;
                        break;
                    }
                }
                if (next != size) {
                    break;
                }
                at += n - 3;
            }
        }
        log.error(
                "spool: corrupt record in {} at offset {} ({}); skipped {} bytes to offset {}",
                segmentPath(segment),
                pos,
                why,
                next - pos,
                next);
        readPos = next;
        writeAck();
    }

    /** Marks {@code e} delivered: the next peek returns the batch after it. */
    public synchronized void ack(Entry e) throws IOException {
        ensureOpen();
        if (e.segment() != readSegment || e.offset() != readPos) {
            return; // already evicted or acknowledged
        }
        readPos = e.next();
        writeAck();
    }

    private void readAck() throws IOException {
        Path ack = dir.resolve("ack");
        readSegment = 0;
        readPos = 0;
        if (!Files.exists(ack)) {
            return;
        }
        String s = Files.readString(ack, StandardCharsets.US_ASCII).trim();
        String[] parts = s.split(" ");
        try {
            readSegment = Long.parseLong(parts[0]);
            readPos = Long.parseLong(parts[1]);
        } catch (RuntimeException ex) {
            // Replaying from the oldest segment duplicates, which InfluxDB absorbs; losing data would not be.
            log.warn("spool: {} is unreadable ('{}'); replaying from the oldest segment", ack, s);
            readSegment = 0;
            readPos = 0;
        }
    }

    private void writeAck() throws IOException {
        Path tmp = dir.resolve("ack.tmp");
        if (!Files.exists(tmp)) {
            Files.createFile(tmp, perms(FILE_PERMS));
        }
        Files.writeString(tmp, readSegment + " " + readPos + "\n", StandardCharsets.US_ASCII);
        try {
            Files.move(tmp, dir.resolve("ack"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, dir.resolve("ack"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private void deleteSegment(long id) {
        if (id == writeSegment && writer != null) {
            return;
        }
        try {
            Files.deleteIfExists(segmentPath(id));
        } catch (IOException e) {
            log.warn("spool: cannot delete {}: {}", segmentPath(id), e.getMessage());
        }
    }

    public synchronized long bytesOnDisk() {
        long n = 0;
        for (long v : segments.values()) {
            n += v;
        }
        return n;
    }

    /** Bytes written but not yet delivered. */
    public synchronized long pendingBytes() {
        long n = 0;
        for (var e : segments.tailMap(readSegment, true).entrySet()) {
            n += e.getValue();
        }
        return Math.max(0, n - readPos);
    }

    public synchronized long droppedPoints() {
        return droppedPoints;
    }

    public synchronized long corruptRecords() {
        return corruptRecords;
    }

    public Path dir() {
        return dir;
    }

    /** Segment files, oldest first (for tests and the health endpoint). */
    public synchronized List<Path> segmentFiles() {
        List<Path> out = new ArrayList<>();
        segments.keySet().forEach(id -> out.add(segmentPath(id)));
        return out;
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("spool " + dir + " is closed");
        }
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (writer != null) {
                if (fsync != FsyncPolicy.NEVER) {
                    writer.force(false);
                }
                writer.close();
            }
        } catch (IOException e) {
            log.warn("spool: closing {}: {}", dir, e.getMessage());
        }
    }
}

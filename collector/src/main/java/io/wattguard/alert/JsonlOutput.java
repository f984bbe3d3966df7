package io.wattguard.alert;

import io.wattguard.alert.AlertSettings.Jsonl;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends one JSON object a line to a file that only the service user can read (0600, its folder 0700 when
 * created here): evidence names users, processes and hosts. Flushed per event so a tail -f or a log shipper sees
 * each event at once. Reopened when the file was moved away (logrotate without copytruncate).
 */
final class JsonlOutput extends QueuedOutput {
    private static final Logger log = LoggerFactory.getLogger(JsonlOutput.class);
    private static final boolean POSIX =
            FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private final Path path;
    private final EventJson json;
    private OutputStream out;
    private Object fileKey;
    private boolean failing;

    JsonlOutput(Jsonl settings, EventJson json) {
        super("jsonl", "jsonl", settings.minSeverity(), settings.maxQueue());
        this.path = settings.path();
        this.json = json;
    }

    @Override
    protected boolean deliver(AlertEvent ev) {
        byte[] line = json.bytes(ev);
        try {
            OutputStream o = stream();
            o.write(line);
            o.write('\n');
            o.flush();
            if (failing) {
                failing = false;
                log.info("alert output jsonl: writing to {} again", path);
            }
            return true;
        } catch (IOException e) {
            closeStream();
            if (!failing) {
                failing = true;
                log.warn("alert output jsonl: cannot write {}: {}", path, e.toString());
            }
            return false;
        }
    }

    private OutputStream stream() throws IOException {
        if (out != null && !Objects.equals(fileKey, currentKey())) {
            closeStream(); // moved or deleted under us: start a new file at the configured path
        }
        if (out == null) {
            Path dir = path.toAbsolutePath().getParent();
            if (dir != null && !Files.isDirectory(dir)) {
                if (POSIX) {
                    Files.createDirectories(dir, perms("rwx------"));
                } else {
                    Files.createDirectories(dir);
                }
            }
            if (POSIX && !Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                try {
                    Files.createFile(path, perms("rw-------"));
                } catch (java.nio.file.FileAlreadyExistsException raced) {
                    // another writer created it between the check and here: append to it
                }
            }
            out = Files.newOutputStream(
                    path, StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE);
            fileKey = currentKey();
        }
        return out;
    }

    private Object currentKey() {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    private static FileAttribute<?> perms(String p) {
        return PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(p));
    }

    private void closeStream() {
        if (out != null) {
            try {
                out.close();
            } catch (IOException e) {
                log.debug("alert output jsonl: closing {}: {}", path, e.toString());
            }
            out = null;
            fileKey = null;
        }
    }

    @Override
    protected void release() {
        closeStream();
    }
}

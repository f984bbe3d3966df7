package io.wattguard.store.spool;

/**
 * When the spool forces its writes to the disk. What each can lose on power failure (not on a process
 * crash: after {@code write()} returns the data is in the kernel's page cache and survives kill -9):
 * <ul>
 *   <li>{@code batch}: nothing that was acknowledged; each batch is on disk before the pipeline moves on.</li>
 *   <li>{@code interval}: up to {@code spool.fsync_interval} of batches.</li>
 *   <li>{@code never}: whatever the kernel had not written back, typically up to 30 s (dirty_expire).</li>
 * </ul>
 */
public enum FsyncPolicy {
    BATCH,
    INTERVAL,
    NEVER
}

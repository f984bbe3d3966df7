package io.wattguard.source.host;

/**
 * One piece of evidence: what was found ({@code kind}, the {@code evidence} point's tag), about which process
 * ({@code pid} 0 and the file's name as {@code process} for findings about files or the host), how strongly it
 * says "mining" ({@code score}, the signature's weight) and why, in words that never hold a secret unless the
 * operator asked for command lines.
 */
public record Finding(String kind, int pid, String process, double score, String detail, String signature) {
    /** The {@code kind} tags, in the order findings are listed. */
    public static final String MINER_PROCESS = "miner_process";

    public static final String MINER_COMMAND_LINE = "miner_command_line";
    public static final String POOL_CONNECTION = "pool_connection";
    public static final String MINER_API = "miner_api";
    public static final String HIDDEN_PROCESS = "hidden_process";
    public static final String FAKE_KERNEL_THREAD = "fake_kernel_thread";
    public static final String DELETED_EXECUTABLE = "deleted_executable";
    public static final String TEMP_EXECUTABLE = "temp_executable";
    public static final String LD_PRELOAD = "ld_preload";
    public static final String LD_SO_PRELOAD = "ld_so_preload";
    public static final String RANDOMX_TUNING = "randomx_tuning";
    public static final String PERSISTENCE = "persistence";
    public static final String INSTALLED_MINER = "installed_miner";
    public static final String WALLET = "wallet";
    public static final String BROWSER_MINER = "browser_miner";
}

package io.wattguard.source.host;

/** What one process looked like in one scan: read once by {@link ProcessScan}, judged by every scan. */
record Proc(
        int pid,
        int ppid,
        String comm,
        long flags,
        long cpuTicks,
        long startTicks,
        byte[] rawCmdline,
        String cmdline,
        String argv0,
        String exe,
        boolean hidden) {
    /** What the kernel appends to {@code /proc/PID/exe} when the file was deleted after it started. */
    static final String DELETED_SUFFIX = " (deleted)";

    /** The executable in parentheses, after a space, for a finding's detail; empty when it is not readable. */
    String describeExe() {
        return exe == null ? "" : " (" + exe + ")";
    }

    /** The executable's path without the kernel's " (deleted)" suffix. */
    String exePath() {
        if (exe == null) {
            return null;
        }
        return exe.endsWith(DELETED_SUFFIX) ? exe.substring(0, exe.length() - DELETED_SUFFIX.length()) : exe;
    }

    /** A finding about this process whose weight is the check's configured weight. */
    Finding finding(String kind, Signatures signatures, String checkId, String detail) {
        return new Finding(kind, pid, comm, signatures.weight(checkId), detail, checkId);
    }

    /** A finding about this process that a signature matched. */
    Finding finding(String kind, Signatures.Signature s, String detail) {
        return new Finding(kind, pid, comm, s.weight(), detail, s.id());
    }
}

package io.wattguard.simulator.site;

/**
 * Something planned on a host, rack or room for steps {@code [start, end)}. {@code amount} is the event's
 * size (CPU share, rig watts, GPU utilisation), {@code gpuMask} the GPUs it touches, {@code labelId} the
 * ground-truth label it belongs to (null when unlabelled), {@code job} a stable number for pids and names.
 */
record Event(Kind kind, long start, long end, double amount, int gpuMask, String labelId, long job) {
    enum Kind {
        TRAINING,
        BATCH,
        BACKUP,
        SPIKE,
        NIGHT_MINER,
        LOW_AND_SLOW,
        CONTAINER_MINER,
        RANDOMX,
        HOST_DROPOUT,
        NVML_RESET,
        ROGUE_RIG,
        PDU_DROPOUT,
        PDU_RESET,
        ROOM_DROPOUT,
        /** Last, so that adding it left every other kind's random stream (seeded by ordinal) as it was. */
        OUTLET_BURST,
        /** Appended after OUTLET_BURST for the same reason: the older kinds' streams stay as they were. */
        POWER_LIMIT_RAMP,
        ONE_GPU_MINER,
        HIDDEN_MINER,
        FEED_STOP
    }
}

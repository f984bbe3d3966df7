package io.wattguard.nvml;

/** Multi-Instance GPU mode: the one in force, and the one that takes effect after the next GPU reset. */
public record MigMode(boolean enabled, boolean pendingEnabled) {}

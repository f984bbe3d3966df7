package io.wattguard.alert;

/** Counters of one output, for /metrics: events delivered, given up on, dropped because the queue was full. */
public record OutputStats(String name, String type, long sent, long failed, long dropped, int queued) {}

package io.wattguard.meters.modbus;

import java.nio.charset.StandardCharsets;

/**
 * Turns register words into values and back. A {@link Decoder} is built once per register when the map is
 * planned, so that a poll only copies words and calls it (the Telegraf model: conversion chosen at start).
 * Words are unsigned 16-bit values as they come off the wire, most significant byte first.
 */
public final class RegisterCodec {
    private RegisterCodec() {}

    /** Decodes one register's value from the words of a read; NaN means "omit the field". */
    @FunctionalInterface
    public interface Decoder {
        double decode(int[] words, int at);
    }

    /** The decoder of a numeric register (not bits, not strings). */
    public static Decoder decoder(RegisterDef r) {
        DataType t = r.type();
        if (t == DataType.BIT || t == DataType.STRING) {
            throw new IllegalArgumentException(t.word() + " has no numeric decoder");
        }
        int n = t.words();
        WordOrder order = r.order();
        long[] sentinels = r.notAvailable().stream().mapToLong(Long::longValue).toArray();
        double scale = r.scale();
        double offset = r.offset();
        return (words, at) -> {
            long raw = raw(words, at, n, order);
            for (long s : sentinels) {
                if (s == raw) {
                    return Double.NaN;
                }
            }
            double v = interpret(t, raw);
            if (Double.isNaN(v) || Double.isInfinite(v)) {
                // NaN and infinities are "no value" on every meter we know; never store them.
                return Double.NaN;
            }
            return v * scale + offset;
        };
    }

    /** The raw bits of an {@code n}-word value, reassembled to most-significant-first. */
    public static long raw(int[] words, int at, int n, WordOrder order) {
        long raw = 0;
        for (int i = 0; i < n; i++) {
            int w = words[at + (order.wordsReversed() ? n - 1 - i : i)] & 0xFFFF;
            if (order.bytesSwapped()) {
                w = ((w & 0xFF) << 8) | (w >>> 8);
            }
            raw = (raw << 16) | w;
        }
        return raw;
    }

    /** The number the raw bits stand for, before scale and offset. */
    public static double interpret(DataType t, long raw) {
        return switch (t) {
            case INT16 -> (short) raw;
            case UINT16 -> raw & 0xFFFF;
            case INT32 -> (int) raw;
            case UINT32 -> raw & 0xFFFF_FFFFL;
            case INT64 -> raw;
            case UINT64 -> raw >= 0 ? raw : (double) (raw >>> 1) * 2.0 + (raw & 1);
            case FLOAT32 -> float32(Float.intBitsToFloat((int) raw));
            case FLOAT64 -> Double.longBitsToDouble(raw);
            default -> throw new IllegalArgumentException(t.word() + " is not a number");
        };
    }

    /**
     * A float32 as the shortest decimal that reads back as the same float32 (229.87, not 229.8699951171875):
     * widening it exactly would store and print digits the device never had.
     */
    static double float32(float f) {
        return Float.isFinite(f) ? Double.parseDouble(Float.toString(f)) : f;
    }

    /** ASCII text of a string register, two characters a register, cut at the first NUL and trimmed. */
    public static String text(int[] words, int at, int length, WordOrder order) {
        byte[] b = new byte[length * 2];
        for (int i = 0; i < length; i++) {
            int w = words[at + i] & 0xFFFF;
            boolean swap = order.bytesSwapped();
            b[2 * i] = (byte) (swap ? w : w >>> 8);
            b[2 * i + 1] = (byte) (swap ? w >>> 8 : w);
        }
        int len = 0;
        while (len < b.length && b[len] != 0) {
            len++;
        }
        return new String(b, 0, len, StandardCharsets.US_ASCII).trim();
    }

    /**
     * The words a device would send for {@code value} (after scale and offset): the inverse of the decoder,
     * used by the simulator. Integers are rounded and wrap at their width, as a device counter does.
     */
    public static void encode(RegisterDef r, double value, int[] words, int at) {
        DataType t = r.type();
        double v = (value - r.offset()) / r.scale();
        long raw =
                switch (t) {
                    case FLOAT32 -> Float.floatToIntBits((float) v) & 0xFFFF_FFFFL;
                    case FLOAT64 -> Double.doubleToLongBits(v);
                    case UINT64 -> v >= 0x1p63 ? Math.round(v - 0x1p63) ^ Long.MIN_VALUE : Math.round(v);
                    default -> Math.round(v);
                };
        encodeRaw(raw, t.words(), r.order(), words, at);
    }

    /** Writes the raw bits of an {@code n}-word value in the given order. */
    public static void encodeRaw(long raw, int n, WordOrder order, int[] words, int at) {
        for (int i = 0; i < n; i++) {
            int w = (int) (raw >>> (16 * (n - 1 - i))) & 0xFFFF;
            if (order.bytesSwapped()) {
                w = ((w & 0xFF) << 8) | (w >>> 8);
            }
            words[at + (order.wordsReversed() ? n - 1 - i : i)] = w;
        }
    }

    /** Writes ASCII text into {@code length} registers, NUL-padded. */
    public static void encodeText(String s, int length, WordOrder order, int[] words, int at) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < length; i++) {
            int hi = 2 * i < b.length ? b[2 * i] & 0xFF : 0;
            int lo = 2 * i + 1 < b.length ? b[2 * i + 1] & 0xFF : 0;
            words[at + i] = order.bytesSwapped() ? (lo << 8) | hi : (hi << 8) | lo;
        }
    }
}

package io.wattguard.meters.modbus;

import java.io.DataInputStream;
import java.io.IOException;

/** RTU framing (unit, PDU, CRC-16/MODBUS) for the reads we issue. */
final class Rtu {
    private Rtu() {}

    static byte[] request(int unit, ModbusFunction f, int start, int count) {
        byte[] b = new byte[8];
        b[0] = (byte) unit;
        b[1] = (byte) f.code();
        b[2] = (byte) (start >>> 8);
        b[3] = (byte) start;
        b[4] = (byte) (count >>> 8);
        b[5] = (byte) count;
        int crc = crc(b, 0, 6);
        b[6] = (byte) crc;
        b[7] = (byte) (crc >>> 8);
        return b;
    }

    static Response readResponse(DataInputStream in, int unit, ModbusFunction f, int count) throws IOException {
        int u = in.readUnsignedByte();
        int fc = in.readUnsignedByte();
        byte[] frame;
        if ((fc & 0x80) != 0) {
            frame = new byte[5];
            frame[2] = in.readByte();
            in.readFully(frame, 3, 2);
        } else {
            int n = in.readUnsignedByte();
            int expected = f.isBits() ? (count + 7) / 8 : count * 2;
            if (n != expected) {
                throw new IOException("answer carries " + n + " data bytes, expected " + expected);
            }
            frame = new byte[3 + n + 2];
            frame[2] = (byte) n;
            in.readFully(frame, 3, n + 2);
        }
        frame[0] = (byte) u;
        frame[1] = (byte) fc;
        int len = frame.length;
        int crc = crc(frame, 0, len - 2);
        int got = (frame[len - 2] & 0xFF) | (frame[len - 1] & 0xFF) << 8;
        if (crc != got) {
            throw new IOException(String.format("CRC error in answer (computed %04X, received %04X)", crc, got));
        }
        if (u != unit) {
            throw new IOException("answer from unit " + u + ", expected " + unit);
        }
        if ((fc & 0x7F) != f.code()) {
            throw new IOException("answer for function " + (fc & 0x7F) + ", asked for function " + f.code());
        }
        if ((fc & 0x80) != 0) {
            if (frame[2] == 0) {
                throw new IOException("exception answer without an exception code");
            }
            return Response.exception(frame[2] & 0xFF);
        }
        if (f.isBits()) {
            boolean[] bits = new boolean[count];
            for (int i = 0; i < count; i++) {
                bits[i] = (frame[3 + i / 8] >> (i % 8) & 1) != 0;
            }
            return new Response(0, null, bits);
        }
        int[] words = new int[count];
        for (int i = 0; i < count; i++) {
            words[i] = (frame[3 + 2 * i] & 0xFF) << 8 | frame[4 + 2 * i] & 0xFF;
        }
        return new Response(0, words, null);
    }

    static int crc(byte[] b, int off, int len) {
        int crc = 0xFFFF;
        for (int i = off; i < off + len; i++) {
            crc ^= b[i] & 0xFF;
            for (int k = 0; k < 8; k++) {
                crc = (crc & 1) != 0 ? (crc >>> 1) ^ 0xA001 : crc >>> 1;
            }
        }
        return crc;
    }
}

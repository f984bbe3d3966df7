package io.wattguard.meters.modbus;

import com.ghgande.j2mod.modbus.msg.ExceptionResponse;
import com.ghgande.j2mod.modbus.msg.ModbusRequest;
import com.ghgande.j2mod.modbus.msg.ModbusResponse;
import com.ghgande.j2mod.modbus.msg.ReadCoilsRequest;
import com.ghgande.j2mod.modbus.msg.ReadCoilsResponse;
import com.ghgande.j2mod.modbus.msg.ReadInputDiscretesRequest;
import com.ghgande.j2mod.modbus.msg.ReadInputDiscretesResponse;
import com.ghgande.j2mod.modbus.msg.ReadInputRegistersRequest;
import com.ghgande.j2mod.modbus.msg.ReadInputRegistersResponse;
import com.ghgande.j2mod.modbus.msg.ReadMultipleRegistersRequest;
import com.ghgande.j2mod.modbus.msg.ReadMultipleRegistersResponse;
import java.io.IOException;

/** Conversions between j2mod's message classes and our {@link Response}, checking what j2mod does not. */
final class J2mod {
    private J2mod() {}

    static ModbusRequest request(ModbusFunction f, int start, int count) {
        return switch (f) {
            case COIL -> new ReadCoilsRequest(start, count);
            case DISCRETE_INPUT -> new ReadInputDiscretesRequest(start, count);
            case HOLDING -> new ReadMultipleRegistersRequest(start, count);
            case INPUT -> new ReadInputRegistersRequest(start, count);
        };
    }

    /** Our response from j2mod's, refusing answers of the wrong function or size. */
    static Response response(ModbusFunction f, int count, ModbusResponse r) throws IOException {
        if (r instanceof ExceptionResponse e) {
            if ((e.getFunctionCode() & 0x7F) != f.code()) {
                throw new IOException("exception answer for function " + (e.getFunctionCode() & 0x7F)
                        + ", asked for function " + f.code());
            }
            if (e.getExceptionCode() == 0) {
                throw new IOException("exception answer without an exception code");
            }
            return Response.exception(e.getExceptionCode());
        }
        if (r.getFunctionCode() != f.code()) {
            throw new IOException("answer for function " + r.getFunctionCode() + ", asked for function " + f.code());
        }
        switch (f) {
            case HOLDING -> {
                ReadMultipleRegistersResponse h = (ReadMultipleRegistersResponse) r;
                return words(count, h.getWordCount(), h::getRegisterValue);
            }
            case INPUT -> {
                ReadInputRegistersResponse in = (ReadInputRegistersResponse) r;
                return words(count, in.getWordCount(), in::getRegisterValue);
            }
            case COIL -> {
                ReadCoilsResponse c = (ReadCoilsResponse) r;
                checkBits(count, c.getBitCount());
                boolean[] bits = new boolean[count];
                for (int i = 0; i < count; i++) {
                    bits[i] = c.getCoilStatus(i);
                }
                return new Response(0, null, bits);
            }
            default -> {
                ReadInputDiscretesResponse d = (ReadInputDiscretesResponse) r;
                checkBits(count, d.getBitCount());
                boolean[] bits = new boolean[count];
                for (int i = 0; i < count; i++) {
                    bits[i] = d.getDiscreteStatus(i);
                }
                return new Response(0, null, bits);
            }
        }
    }

    private static void checkBits(int asked, int got) throws IOException {
        // j2mod counts bits as whole bytes received.
        if (got < asked || got >= asked + 8) {
            throw new IOException("asked for " + asked + " bits, answer carries " + got);
        }
    }

    private interface WordAt {
        int at(int i);
    }

    private static Response words(int asked, int got, WordAt w) throws IOException {
        if (got != asked) {
            throw new IOException("asked for " + asked + " registers, answer carries " + got);
        }
        int[] words = new int[asked];
        for (int i = 0; i < asked; i++) {
            words[i] = w.at(i) & 0xFFFF;
        }
        return new Response(0, words, null);
    }
}

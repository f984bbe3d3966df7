package io.wattguard.meters.modbus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Values decoded from the exact words a device sends. */
class RegisterCodecTest {
    private static RegisterDef reg(DataType t, WordOrder o, double scale, List<Long> na) {
        return new RegisterDef(
                "v",
                "total",
                "meter",
                ModbusFunction.HOLDING,
                0,
                t,
                o,
                0,
                scale,
                0,
                null,
                na,
                false,
                false,
                RegisterDef.Place.NONE);
    }

    private static double decode(DataType t, WordOrder o, int... words) {
        return RegisterCodec.decoder(reg(t, o, 1, List.of())).decode(words, 0);
    }

    @Test
    void float32InEveryWordOrder() {
        // 230.5f is 0x43668000: bytes A=43 B=66 C=80 D=00.
        assertEquals(230.5, decode(DataType.FLOAT32, WordOrder.ABCD, 0x4366, 0x8000));
        assertEquals(230.5, decode(DataType.FLOAT32, WordOrder.CDAB, 0x8000, 0x4366));
        assertEquals(230.5, decode(DataType.FLOAT32, WordOrder.BADC, 0x6643, 0x0080));
        assertEquals(230.5, decode(DataType.FLOAT32, WordOrder.DCBA, 0x0080, 0x6643));
    }

    @Test
    void integersOfEveryWidthAndSign() {
        assertEquals(-2, decode(DataType.INT16, WordOrder.ABCD, 0xFFFE));
        assertEquals(65534, decode(DataType.UINT16, WordOrder.ABCD, 0xFFFE));
        assertEquals(-2, decode(DataType.INT32, WordOrder.ABCD, 0xFFFF, 0xFFFE));
        assertEquals(4294967294.0, decode(DataType.UINT32, WordOrder.ABCD, 0xFFFF, 0xFFFE));
        assertEquals(0x00010002, decode(DataType.UINT32, WordOrder.CDAB, 0x0002, 0x0001));
        assertEquals(1234567890123456.0, decode(DataType.INT64, WordOrder.ABCD, 0x0004, 0x62D5, 0x3C8A, 0xBAC0));
        assertEquals(1234567890123456.0, decode(DataType.INT64, WordOrder.CDAB, 0xBAC0, 0x3C8A, 0x62D5, 0x0004));
        assertEquals(-1, decode(DataType.INT64, WordOrder.ABCD, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF));
        assertEquals(18446744073709551615.0, decode(DataType.UINT64, WordOrder.ABCD, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF));
        assertEquals(Math.PI, decode(DataType.FLOAT64, WordOrder.ABCD, 0x4009, 0x21FB, 0x5444, 0x2D18));
        assertEquals(Math.PI, decode(DataType.FLOAT64, WordOrder.DCBA, 0x182D, 0x4454, 0xFB21, 0x0940));
    }

    @Test
    void sentinelsAndNanOmitTheValue() {
        RegisterDef r = reg(DataType.UINT16, WordOrder.ABCD, 0.1, List.of(0xFFFFL));
        assertTrue(Double.isNaN(RegisterCodec.decoder(r).decode(new int[] {0xFFFF}, 0)));
        assertEquals(6553.4, RegisterCodec.decoder(r).decode(new int[] {0xFFFE}, 0), 1e-9);
        RegisterDef s = reg(DataType.INT16, WordOrder.ABCD, 1, List.of(0x8000L));
        assertTrue(Double.isNaN(RegisterCodec.decoder(s).decode(new int[] {0x8000}, 0)));
        assertTrue(Double.isNaN(decode(DataType.FLOAT32, WordOrder.ABCD, 0x7FC0, 0x0000)));
        assertTrue(Double.isNaN(decode(DataType.FLOAT32, WordOrder.ABCD, 0x7F80, 0x0000)), "infinity is no value");
    }

    @Test
    void scaleAndOffsetApplyAfterDecoding() {
        RegisterDef r = new RegisterDef(
                "t",
                "total",
                "meter",
                ModbusFunction.INPUT,
                0,
                DataType.INT16,
                WordOrder.ABCD,
                0,
                0.1,
                -40,
                null,
                List.of(),
                false,
                false,
                RegisterDef.Place.NONE);
        assertEquals(-15.0, RegisterCodec.decoder(r).decode(new int[] {250}, 0), 1e-9);
    }

    @Test
    void stringsAreAsciiTwoCharactersARegister() {
        int[] w = {0x5344, 0x4D36, 0x3330, 0x0000};
        assertEquals("SDM630", RegisterCodec.text(w, 0, 4, WordOrder.ABCD));
        assertEquals("DS6M03", RegisterCodec.text(w, 0, 4, WordOrder.BADC));
        int[] back = new int[4];
        RegisterCodec.encodeText("SDM630", 4, WordOrder.ABCD, back, 0);
        assertEquals(
                List.of(0x5344, 0x4D36, 0x3330, 0),
                java.util.Arrays.stream(back).boxed().toList());
    }

    @Test
    void encodingIsTheInverseOfDecodingForEveryTypeAndOrder() {
        double[] samples = {0, 1, 42.5, 1000, 65535, 123456.75};
        for (DataType t : DataType.values()) {
            if (t == DataType.BIT || t == DataType.STRING) {
                continue;
            }
            for (WordOrder o : WordOrder.values()) {
                RegisterDef r = reg(t, o, t.isFloat() ? 1 : 0.25, List.of());
                for (double x : samples) {
                    double max = t.isFloat()
                            ? Double.MAX_VALUE
                            : Math.pow(2, 16 * t.words() - (t.isSigned() ? 1 : 0)) * 0.25;
                    if (x >= max) {
                        continue;
                    }
                    int[] w = new int[4];
                    RegisterCodec.encode(r, x, w, 0);
                    assertEquals(x, RegisterCodec.decoder(r).decode(w, 0), 1e-9, t + " " + o + " " + x);
                }
            }
        }
    }
}

package io.wattguard.source.business;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.wattguard.core.Sample;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The push body parser on the details of line protocol a client library produces. */
class PushedLoadTest {
    private static final long NOW = 1_780_000_000_000L;

    @Test
    void escapesCarriageReturnsCommentsAndIntegerFields() throws Exception {
        List<Sample> s = PushedLoad.parse(
                "# header\r\nbusiness_load,entity=rack\\,1,level=rack,source=my\\ tool "
                        + "value=1i,raw=40i 1780000000001\r\n\r\n",
                false,
                NOW);
        assertEquals(1, s.size());
        Sample p = s.get(0);
        assertEquals("rack,1", p.tag("entity"));
        assertEquals("rack,1", p.tag("rack"), "the entity as a topology key");
        assertEquals("my tool", p.tag("source"));
        assertEquals(1.0, p.field("value"));
        assertEquals(40.0, p.field("raw"));
        assertEquals(1_780_000_000_001L, p.timestampMs());
    }

    @Test
    void aPointWithoutTimeTakesTheDaemonsClockAndTheDefaultSource() throws Exception {
        Sample p = PushedLoad.parse("{\"entity\":\"h1\",\"level\":\"host\",\"value\":0}", true, NOW)
                .get(0);
        assertEquals(NOW, p.timestampMs());
        assertEquals("push", p.tag("source"));
        assertEquals("h1", p.tag("host"));
        assertEquals(null, p.field("raw"));
    }

    @Test
    void theFirstProblemIsNamedByLineOrItem() {
        assertEquals(
                "line 2: expected tag KEY=VALUE, found 'level'",
                assertThrows(
                                PushedLoad.BadInput.class,
                                () -> PushedLoad.parse(
                                        "business_load,entity=a,level=host value=0\nbusiness_load,entity=a,level value=0",
                                        false,
                                        NOW))
                        .getMessage());
        assertEquals(
                "line 1: field raw: expected a number, found \"x\"",
                assertThrows(
                                PushedLoad.BadInput.class,
                                () -> PushedLoad.parse(
                                        "business_load,entity=a,level=host value=0,raw=\"x\"", false, NOW))
                        .getMessage());
        assertEquals(
                "item 0: unknown key 'valeu': expected entity, level, value, raw, source, time_ms",
                assertThrows(
                                PushedLoad.BadInput.class,
                                () -> PushedLoad.parse(
                                        "[{\"entity\":\"a\",\"level\":\"host\",\"valeu\":0}]", true, NOW))
                        .getMessage());
        assertEquals(
                "expected a JSON object {entity, level, value, raw?, source?, time_ms?} or an array of them, found "
                        + "number",
                assertThrows(PushedLoad.BadInput.class, () -> PushedLoad.parse("42", true, NOW))
                        .getMessage());
        assertEquals(
                "no points in the body: expected business_load lines or a JSON object or array",
                assertThrows(PushedLoad.BadInput.class, () -> PushedLoad.parse("[]", true, NOW))
                        .getMessage());
    }
}

package io.wattguard.alert;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PrivateRsyslogTest {
    @TempDir
    Path dir;

    @Test
    void aMissingRsyslogdFailsTheTestWithTheSetupCommand() {
        AssertionError e =
                assertThrows(AssertionError.class, () -> PrivateRsyslog.start(dir, dir.resolve("no-such-rsyslogd")));
        assertTrue(e.getMessage().contains("scripts/setup.sh test"), e.getMessage());
    }
}

package io.wattguard.config;

/** A credential read from the environment or a file. Its {@code toString} never shows the value, so it cannot leak into logs. */
public final class Secret {
    private final String value;

    public Secret(String value) {
        this.value = value;
    }

    public String reveal() {
        return value;
    }

    @Override
    public String toString() {
        return "****";
    }
}

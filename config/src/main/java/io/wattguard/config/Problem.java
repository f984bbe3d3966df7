package io.wattguard.config;

/** One thing wrong with a configuration, with its place: printed as {@code file:line:column: key.path: message}. */
public record Problem(String file, int line, int column, String path, String message) {
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(file);
        if (line > 0) {
            sb.append(':').append(line).append(':').append(column);
        }
        sb.append(": ");
        if (!path.isEmpty()) {
            sb.append(path).append(": ");
        }
        return sb.append(message).toString();
    }
}

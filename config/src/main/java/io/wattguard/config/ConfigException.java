package io.wattguard.config;

import java.util.List;

/** Thrown once validation is over, carrying every problem found. A user error: print it, no stack trace. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final transient List<Problem> problems;

    public ConfigException(Problems problems) {
        super(summary(problems.all()), null, false, false);
        this.problems = problems.all();
    }

    public List<Problem> problems() {
        return problems;
    }

    private static String summary(List<Problem> ps) {
        StringBuilder sb = new StringBuilder();
        sb.append(ps.size() == 1 ? "1 problem" : ps.size() + " problems").append(" in the configuration:");
        for (Problem p : ps) {
            sb.append("\n  ").append(p);
        }
        return sb.toString();
    }
}

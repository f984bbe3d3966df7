package io.wattguard.source.nvml;

import io.wattguard.config.Section;
import io.wattguard.source.business.Glob;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The {@code allowlist:} of a GPU source: which GPU processes are the business. A rule sets any of {@code user},
 * {@code exe}, {@code process} and {@code container}; a process matches a rule when every key the rule sets matches,
 * and is business when any rule matches. A key the process has no value for (an unreadable executable, a process
 * outside any container) does not match, so a rule can only allow what it can see.
 */
public record Allowlist(List<Rule> rules) {
    public static final Allowlist NONE = new Allowlist(List.of());

    /** What the rules look at: from /proc, so a process NVML lists but /proc does not show matches nothing. */
    public record Facts(
            String process,
            Optional<String> user,
            Optional<String> exe,
            Optional<String> container,
            List<String> cgroupPaths) {}

    /** Absent keys are not checked. */
    public record Rule(Optional<Glob> user, Optional<Glob> exe, Optional<Glob> process, Optional<Glob> container) {
        boolean matches(Facts f) {
            return user.map(g -> f.user().map(g::matches).orElse(false)).orElse(true)
                    && exe.map(g -> f.exe().map(g::matches).orElse(false)).orElse(true)
                    && process.map(g -> g.matches(f.process())).orElse(true)
                    && container
                            .map(g -> f.container().map(g::matches).orElse(false)
                                    || f.cgroupPaths().stream().anyMatch(g::matches))
                            .orElse(true);
        }
    }

    public boolean configured() {
        return !rules.isEmpty();
    }

    public boolean business(Facts f) {
        return rules.stream().anyMatch(r -> r.matches(f));
    }

    /** Reads {@code allowlist:}; an empty rule or a bad pattern is a problem at its place, and the rule is dropped. */
    static Allowlist read(Section parent, String key) {
        List<Rule> rules = new ArrayList<>();
        for (Section s : parent.sections(key)) {
            Optional<Glob> user = glob(s, "user");
            Optional<Glob> exe = glob(s, "exe");
            Optional<Glob> process = glob(s, "process");
            Optional<Glob> container = glob(s, "container");
            s.finish();
            boolean empty = !s.has("user") && !s.has("exe") && !s.has("process") && !s.has("container");
            if (empty) {
                s.error("an empty rule would make every GPU process business: set at least one of user, exe, process, "
                        + "container");
                continue;
            }
            if ((s.has("user") && user.isEmpty())
                    || (s.has("exe") && exe.isEmpty())
                    || (s.has("process") && process.isEmpty())
                    || (s.has("container") && container.isEmpty())) {
                continue; // reported; a rule missing one of its keys would allow more than written
            }
            rules.add(new Rule(user, exe, process, container));
        }
        return new Allowlist(List.copyOf(rules));
    }

    private static Optional<Glob> glob(Section s, String key) {
        String text = s.string(key, null);
        if (text == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(Glob.of(text));
        } catch (IllegalArgumentException e) {
            s.error(key, "bad pattern: " + e.getMessage() + " (use *, **, ?, [a-z], {a,b})");
            return Optional.empty();
        }
    }
}

package io.wattguard.source.host;

import io.wattguard.config.ConfigNode;
import io.wattguard.config.Problems;
import io.wattguard.config.Section;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The evidence signatures: the built-in data file ({@code signatures.yaml} in the jar) with the operator's
 * additions from the config. Immutable once built; lookups are precomputed because they run for every
 * process of every scan.
 */
public final class Signatures {
    /** The groups of the data file, in its order. */
    public enum Group {
        MINERS,
        WALLETS,
        COMMAND_LINES,
        POOL_PORTS,
        API_PORTS,
        BROWSER,
        CHECKS;

        String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** One signature; only the matcher of its group is set (names, pattern or ports). */
    public record Signature(
            String id,
            Group group,
            String description,
            double weight,
            Set<String> names,
            Pattern pattern,
            Set<Integer> ports,
            boolean secret) {}

    /** Check ids: the checks that are logic, not lists; their weights and descriptions come from the file. */
    static final String FAKE_KERNEL_THREAD = "check.fake-kernel-thread";

    static final String DELETED_EXE = "check.deleted-executable";
    static final String TEMP_EXE = "check.temp-executable";
    static final String LD_SO_PRELOAD = "check.ld-so-preload";
    static final String LD_PRELOAD = "check.ld-preload";
    static final String HIDDEN = "check.hidden-process";
    static final String RANDOMX_TUNING = "check.randomx-tuning";
    static final String POOL_DOMAIN = "check.pool-domain";
    static final String PERSISTENCE = "check.persistence";
    static final String INSTALLED = "check.installed";
    static final List<String> CHECKS = List.of(
            FAKE_KERNEL_THREAD,
            DELETED_EXE,
            TEMP_EXE,
            LD_SO_PRELOAD,
            LD_PRELOAD,
            HIDDEN,
            RANDOMX_TUNING,
            POOL_DOMAIN,
            PERSISTENCE,
            INSTALLED);

    private final Map<String, Signature> byId;
    private final Map<String, Signature> minerNames = new HashMap<>();
    private final Map<String, Signature> walletNames = new HashMap<>();
    private final Map<Integer, Signature> poolPorts = new HashMap<>();
    private final Map<Integer, Signature> apiPorts = new HashMap<>();
    private final List<Signature> commandLines = new ArrayList<>();
    private final List<Signature> browser = new ArrayList<>();

    private Signatures(Map<String, Signature> byId) {
        this.byId = Map.copyOf(byId);
        for (Signature s : byId.values()) {
            if (s.weight() <= 0) {
                continue; // switched off by the operator
            }
            switch (s.group()) {
                case MINERS -> s.names().forEach(n -> minerNames.put(n, s));
                case WALLETS -> s.names().forEach(n -> walletNames.put(n, s));
                case POOL_PORTS -> s.ports().forEach(p -> poolPorts.put(p, s));
                case API_PORTS -> s.ports().forEach(p -> apiPorts.put(p, s));
                case COMMAND_LINES -> commandLines.add(s);
                case BROWSER -> browser.add(s);
                default -> {}
            }
        }
    }

    /** The data file in the jar, alone. */
    public static Signatures builtIn() {
        Problems problems = new Problems();
        Map<String, Signature> m = readBuiltIn(problems);
        if (!problems.isEmpty()) {
            throw new IllegalStateException("the built-in signatures.yaml is broken: " + problems);
        }
        return new Signatures(m);
    }

    private static Map<String, Signature> readBuiltIn(Problems problems) {
        try (InputStream in = Signatures.class.getResourceAsStream("signatures.yaml")) {
            if (in == null) {
                throw new IllegalStateException("signatures.yaml is missing from the jar");
            }
            ConfigNode root =
                    ConfigNode.parse("signatures.yaml", new InputStreamReader(in, StandardCharsets.UTF_8), problems);
            Section s = new Section(root, "", new Section.Context(problems, k -> null, Path.of(".")));
            Map<String, Signature> m = new LinkedHashMap<>();
            read(s, m, true);
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The built-in signatures with a config section of the same shape on top: an entry with a known id
     * replaces the built-in one (weight 0 switches it off), a new id is added. Problems go to the section's
     * problem list with their place in the operator's file.
     */
    public static Signatures withExtensions(Section extension) {
        Problems own = new Problems();
        Map<String, Signature> m = readBuiltIn(own);
        if (!own.isEmpty()) {
            throw new IllegalStateException("the built-in signatures.yaml is broken: " + own);
        }
        read(extension, m, false);
        return new Signatures(m);
    }

    private static void read(Section root, Map<String, Signature> into, boolean builtIn) {
        for (Group g : Group.values()) {
            for (Section e : root.sections(g.key())) {
                String id = e.requiredString("id", "a unique signature id, e.g. miner.mytool");
                String description = e.string("description", id);
                double weight = e.number("weight", 0.5, 0, 1);
                Set<String> names = Set.of();
                Pattern pattern = null;
                Set<Integer> ports = Set.of();
                boolean secret = false;
                switch (g) {
                    case MINERS, WALLETS -> {
                        List<String> list = e.strings("names");
                        if (list.isEmpty()) {
                            e.error("names", "expected a list of program names, e.g. [xmrig]");
                        }
                        names = Set.copyOf(list.stream()
                                .map(n -> n.toLowerCase(Locale.ROOT))
                                .toList());
                    }
                    case COMMAND_LINES, BROWSER -> {
                        String p = e.requiredString("pattern", "a regular expression");
                        secret = e.bool("secret", false);
                        if (p != null) {
                            try {
                                pattern = Pattern.compile(p, Pattern.CASE_INSENSITIVE);
                            } catch (PatternSyntaxException x) {
                                e.error("pattern", "not a valid regular expression: " + x.getDescription());
                            }
                        }
                    }
                    case POOL_PORTS, API_PORTS -> {
                        List<Integer> list = new ArrayList<>();
                        List<String> given = e.strings("ports");
                        for (String p : given) {
                            long n = HostFs.parseLong(p, -1);
                            if (n < 1 || n > 65535) {
                                e.error("ports", "expected TCP ports from 1 to 65535, found '" + p + "'");
                            } else {
                                list.add((int) n);
                            }
                        }
                        if (given.isEmpty()) {
                            e.error("ports", "expected a list of ports, e.g. [3333]");
                        }
                        ports = Set.copyOf(list);
                    }
                    case CHECKS -> {
                        if (id != null && !CHECKS.contains(id)) {
                            e.error(
                                    "id",
                                    "unknown check '" + id + "'" + Section.didYouMean(id, CHECKS) + "; checks: "
                                            + String.join(", ", CHECKS));
                        }
                    }
                }
                e.finish();
                if (id == null) {
                    continue;
                }
                Signature old = into.get(id);
                if (old != null && (builtIn || old.group() != g)) {
                    e.error(
                            "id",
                            builtIn
                                    ? "duplicate signature id '" + id + "'"
                                    : "signature '" + id + "' is a built-in of "
                                            + old.group().key() + ", not of " + g.key());
                    continue;
                }
                into.put(id, new Signature(id, g, description, weight, names, pattern, ports, secret));
            }
        }
        root.finish();
    }

    public Collection<Signature> all() {
        return byId.values();
    }

    public Signature get(String id) {
        return byId.get(id);
    }

    /** A check's weight; 0 when switched off. */
    double weight(String checkId) {
        Signature s = byId.get(checkId);
        return s == null ? 0 : s.weight();
    }

    String describe(String checkId) {
        Signature s = byId.get(checkId);
        return s == null ? checkId : s.description();
    }

    /** The miner signature a program name belongs to, or null. */
    Signature miner(String name) {
        return byName(minerNames, name);
    }

    Signature wallet(String name) {
        return byName(walletNames, name);
    }

    /**
     * {@code xmrig}, {@code xmrig-6.21.0}, {@code XMRig.exe}, {@code /opt/x/xmrig}: the name itself or the name
     * followed by '-', '_' or '.' and anything. Tries each such cut of the name, longest first.
     */
    private static Signature byName(Map<String, Signature> names, String raw) {
        if (raw == null || raw.isEmpty() || names.isEmpty()) {
            return null;
        }
        String n = raw;
        int slash = n.lastIndexOf('/');
        if (slash >= 0) {
            n = n.substring(slash + 1);
        }
        n = n.toLowerCase(Locale.ROOT);
        Signature s = names.get(n);
        for (int i = n.length() - 1; s == null && i > 0; i--) {
            char c = n.charAt(i);
            if (c == '-' || c == '_' || c == '.') {
                s = names.get(n.substring(0, i));
            }
        }
        return s;
    }

    Signature poolPort(int port) {
        return poolPorts.get(port);
    }

    Signature apiPort(int port) {
        return apiPorts.get(port);
    }

    Set<Integer> apiPortSet() {
        return apiPorts.keySet();
    }

    List<Signature> commandLines() {
        return commandLines;
    }

    List<Signature> browser() {
        return browser;
    }
}

package io.wattguard.config;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads one YAML map with typed getters. A getter never throws: a bad or missing value is reported to
 * {@link Problems} with its place and what was expected, and the default is returned so that reading goes on
 * and every problem is found in one pass. {@link #finish()} reports the keys nobody asked for, with a
 * did-you-mean, which is how typos surface.
 */
public final class Section {
    private static final Pattern BYTES = Pattern.compile("(\\d+)\\s*([KMGT]i?B|B)?", Pattern.CASE_INSENSITIVE);

    private final ConfigNode node;
    private final String path;
    private final Context ctx;
    private final Set<String> used = new LinkedHashSet<>();

    /** What reading needs from the outside world: the environment (for secrets) and the config's folder. */
    public record Context(Problems problems, Function<String, String> env, Path baseDir) {
        public static Context of(Problems problems, Path configFile) {
            Path dir = configFile.toAbsolutePath().getParent();
            return new Context(problems, System::getenv, dir == null ? Path.of(".") : dir);
        }
    }

    public Section(ConfigNode node, String path, Context ctx) {
        this.node = node;
        this.path = path;
        this.ctx = ctx;
        if (node.kind() != ConfigNode.Kind.MAP && node.kind() != ConfigNode.Kind.NULL) {
            report(node, path, "expected a map of keys, found " + node.describe());
        }
    }

    /** Reads a whole YAML file as the root section. */
    public static Section load(Path file, Context ctx) {
        String name = file.toString();
        ConfigNode root;
        try {
            String text = Utf8File.decode(name, Files.readAllBytes(file), ctx.problems());
            root = text == null
                    ? ConfigNode.emptyMap(name)
                    : ConfigNode.parse(name, new java.io.StringReader(text), ctx.problems());
        } catch (IOException e) {
            ctx.problems().add(name, "cannot read the configuration file: " + reason(e));
            root = ConfigNode.emptyMap(name);
        }
        return new Section(root, "", ctx);
    }

    public String path() {
        return path;
    }

    public Context context() {
        return ctx;
    }

    public Problems problems() {
        return ctx.problems();
    }

    public ConfigNode node() {
        return node;
    }

    public boolean has(String key) {
        return value(key) != null;
    }

    /** The keys present, in file order. */
    public Set<String> keys() {
        return node.map().keySet();
    }

    private ConfigNode value(String key) {
        used.add(key);
        ConfigNode v = node.map().get(key);
        return v == null || v.kind() == ConfigNode.Kind.NULL ? null : v;
    }

    public String keyPath(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private void report(ConfigNode at, String p, String message) {
        ctx.problems().add(new Problem(at.file(), at.line(), at.column(), p, message));
    }

    /** Report a problem about {@code key} (at the key if present, else at this section). */
    public void error(String key, String message) {
        ConfigNode v = node.map().get(key);
        report(v == null ? node : v, keyPath(key), message);
    }

    /** Report a problem about the section itself. */
    public void error(String message) {
        report(node, path, message);
    }

    private ConfigNode scalar(String key, String expected) {
        ConfigNode v = value(key);
        if (v != null && v.kind() != ConfigNode.Kind.SCALAR) {
            report(v, keyPath(key), "expected " + expected + ", found " + v.describe());
            return null;
        }
        return v;
    }

    private void missing(String key, String expected) {
        report(node, keyPath(key), "missing required key '" + key + "' (" + expected + ")");
    }

    public String string(String key, String def) {
        ConfigNode v = scalar(key, "a string");
        return v == null ? def : v.text();
    }

    public String requiredString(String key, String expected) {
        ConfigNode v = scalar(key, expected);
        if (v == null) {
            if (!node.map().containsKey(key) || node.map().get(key).kind() == ConfigNode.Kind.NULL) {
                missing(key, expected);
            }
            return null;
        }
        if (v.text().isBlank()) {
            report(v, keyPath(key), "must not be empty (" + expected + ")");
            return null;
        }
        return v.text();
    }

    public long integer(String key, long def, long min, long max) {
        ConfigNode v = scalar(key, "an integer");
        if (v == null) {
            return def;
        }
        try {
            long n = Long.parseLong(v.text().replace("_", ""));
            if (n < min || n > max) {
                report(v, keyPath(key), "expected an integer from " + min + " to " + max + ", found " + n);
                return def;
            }
            return n;
        } catch (NumberFormatException e) {
            report(v, keyPath(key), "expected an integer, found " + v.describe());
            return def;
        }
    }

    public double number(String key, double def, double min, double max) {
        ConfigNode v = scalar(key, "a number");
        if (v == null) {
            return def;
        }
        try {
            double n = Double.parseDouble(v.text().replace("_", ""));
            if (!(n >= min && n <= max)) {
                report(
                        v,
                        keyPath(key),
                        "expected a number from " + fmt(min) + " to " + fmt(max) + ", found " + v.text());
                return def;
            }
            return n;
        } catch (NumberFormatException e) {
            report(v, keyPath(key), "expected a number, found " + v.describe());
            return def;
        }
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    public boolean bool(String key, boolean def) {
        ConfigNode v = scalar(key, "true or false");
        if (v == null) {
            return def;
        }
        return switch (v.text().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> {
                report(v, keyPath(key), "expected true or false, found " + v.describe());
                yield def;
            }
        };
    }

    /** Durations as operators write them: {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h30m}, {@code 7d}. */
    public Duration duration(String key, Duration def, Duration min, Duration max) {
        ConfigNode v = scalar(key, "a duration");
        if (v == null) {
            return def;
        }
        Duration d = Durations.parse(v.text());
        if (d == null) {
            report(v, keyPath(key), "expected a duration such as 500ms, 10s, 5m, 1h or 1h30m, found " + v.describe());
            return def;
        }
        if (d.compareTo(min) < 0 || d.compareTo(max) > 0) {
            report(
                    v,
                    keyPath(key),
                    "expected a duration from " + Durations.format(min) + " to " + Durations.format(max) + ", found "
                            + v.text());
            return def;
        }
        return d;
    }

    /** Sizes as {@code 512KiB}, {@code 64MiB}, {@code 1GiB} (binary) or {@code 100MB} (decimal), or plain bytes. */
    public long bytes(String key, long def, long min, long max) {
        ConfigNode v = scalar(key, "a size");
        if (v == null) {
            return def;
        }
        Matcher m = BYTES.matcher(v.text().trim());
        if (!m.matches()) {
            report(v, keyPath(key), "expected a size such as 64MiB, 1GiB or 500MB, found " + v.describe());
            return def;
        }
        long n;
        try {
            n = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            report(v, keyPath(key), "expected a size from " + min + " to " + max + " bytes, found " + v.text());
            return def;
        }
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
        long mult =
                switch (unit) {
                    case "KIB" -> 1L << 10;
                    case "MIB" -> 1L << 20;
                    case "GIB" -> 1L << 30;
                    case "TIB" -> 1L << 40;
                    case "KB" -> 1_000L;
                    case "MB" -> 1_000_000L;
                    case "GB" -> 1_000_000_000L;
                    case "TB" -> 1_000_000_000_000L;
                    default -> 1L;
                };
        long bytes = n > Long.MAX_VALUE / mult ? Long.MAX_VALUE : n * mult;
        if (bytes < min || bytes > max || bytes == Long.MAX_VALUE) {
            report(v, keyPath(key), "expected a size from " + min + " to " + max + " bytes, found " + v.text());
            return def;
        }
        return bytes;
    }

    /** A URL with one of the given schemes and a host. */
    public URI url(String key, String def, String... schemes) {
        ConfigNode v = scalar(key, "a URL");
        String text = v == null ? def : v.text();
        if (text == null) {
            return null;
        }
        String expected = "a URL such as " + schemes[0] + "://127.0.0.1:8086";
        try {
            URI u = new URI(text.trim());
            if (u.getScheme() == null
                    || !Arrays.asList(schemes).contains(u.getScheme().toLowerCase(Locale.ROOT))) {
                report(
                        v == null ? node : v,
                        keyPath(key),
                        "expected " + expected + " (scheme " + String.join(" or ", schemes) + "), found '" + text
                                + "'");
                return null;
            }
            if (u.getHost() == null || u.getHost().isEmpty()) {
                report(
                        v == null ? node : v,
                        keyPath(key),
                        "expected " + expected + " with a host, found '" + text + "'");
                return null;
            }
            return u;
        } catch (URISyntaxException e) {
            report(
                    v == null ? node : v,
                    keyPath(key),
                    "expected " + expected + ", found '" + text + "' (" + e.getReason() + ")");
            return null;
        }
    }

    /** One of a fixed set of words (lower case in the file). */
    public <E extends Enum<E>> E choice(String key, E def, Class<E> type) {
        ConfigNode v = scalar(key, "one of " + words(type));
        if (v == null) {
            return def;
        }
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(v.text().replace('-', '_'))) {
                return e;
            }
        }
        report(
                v,
                keyPath(key),
                "expected one of " + words(type) + ", found " + v.describe() + didYouMean(v.text(), names(type)));
        return def;
    }

    private static <E extends Enum<E>> List<String> names(Class<E> type) {
        List<String> out = new ArrayList<>();
        for (E e : type.getEnumConstants()) {
            out.add(e.name().toLowerCase(Locale.ROOT));
        }
        return out;
    }

    private static <E extends Enum<E>> String words(Class<E> type) {
        return String.join(", ", names(type));
    }

    /**
     * A secret never written in the file itself: {@code <key>_env: VAR} names an environment variable,
     * {@code <key>_file: PATH} a file whose first line is the secret. A literal {@code <key>:} is refused so
     * that configs can be shared and committed without leaking credentials. Returns null when none is set.
     */
    public Secret secret(String key) {
        ConfigNode literal = value(key);
        if (literal != null) {
            report(
                    literal,
                    keyPath(key),
                    "secrets are not written in the file: use " + key + "_env (an environment " + "variable) or " + key
                            + "_file (a file readable only by the service user)");
        }
        String envName = string(key + "_env", null);
        String fileName = string(key + "_file", null);
        if (envName != null && fileName != null) {
            error(key + "_file", "set either " + key + "_env or " + key + "_file, not both");
            return null;
        }
        if (envName != null) {
            String val = ctx.env().apply(envName);
            if (val == null || val.isEmpty()) {
                error(key + "_env", "environment variable " + envName + " is not set or empty");
                return null;
            }
            return new Secret(val);
        }
        if (fileName != null) {
            Path p = resolve(fileName);
            try {
                String content = Files.readString(p, StandardCharsets.UTF_8).strip();
                if (content.isEmpty()) {
                    error(key + "_file", "secret file " + p + " is empty");
                    return null;
                }
                return new Secret(content.lines().findFirst().orElse(""));
            } catch (IOException e) {
                error(key + "_file", "cannot read secret file " + p + ": " + reason(e));
                return null;
            }
        }
        return null;
    }

    static String reason(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** A path relative to the config file's folder, as operators expect of paths in a config file. */
    public Path resolve(String p) {
        Path path = Path.of(p);
        return path.isAbsolute() ? path : ctx.baseDir().resolve(path).normalize();
    }

    public Path pathValue(String key, String def) {
        String s = string(key, def);
        return s == null ? null : resolve(s);
    }

    /** A nested map; absent gives an empty section so defaults apply. */
    public Section section(String key) {
        ConfigNode v = value(key);
        if (v == null) {
            return new Section(ConfigNode.missing(node), keyPath(key), ctx);
        }
        return new Section(v, keyPath(key), ctx);
    }

    /** A list of maps. */
    public List<Section> sections(String key) {
        ConfigNode v = value(key);
        if (v == null) {
            return List.of();
        }
        if (v.kind() != ConfigNode.Kind.LIST) {
            report(v, keyPath(key), "expected a list, found " + v.describe());
            return List.of();
        }
        List<Section> out = new ArrayList<>();
        List<ConfigNode> items = v.list();
        for (int i = 0; i < items.size(); i++) {
            out.add(new Section(items.get(i), keyPath(key) + "[" + i + "]", ctx));
        }
        return out;
    }

    /** A list of scalars; a single scalar is taken as a list of one. */
    public List<String> strings(String key) {
        ConfigNode v = value(key);
        if (v == null) {
            return List.of();
        }
        if (v.kind() == ConfigNode.Kind.SCALAR) {
            return List.of(v.text());
        }
        if (v.kind() != ConfigNode.Kind.LIST) {
            report(v, keyPath(key), "expected a list of strings, found " + v.describe());
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < v.list().size(); i++) {
            ConfigNode item = v.list().get(i);
            if (item.kind() != ConfigNode.Kind.SCALAR) {
                report(item, keyPath(key) + "[" + i + "]", "expected a string, found " + item.describe());
            } else {
                out.add(item.text());
            }
        }
        return out;
    }

    /** A map of string to string (tags). */
    public Map<String, String> stringMap(String key) {
        ConfigNode v = value(key);
        Map<String, String> out = new LinkedHashMap<>();
        if (v == null) {
            return out;
        }
        if (v.kind() != ConfigNode.Kind.MAP) {
            report(v, keyPath(key), "expected a map of names to values, found " + v.describe());
            return out;
        }
        v.map().forEach((k, item) -> {
            if (item.kind() != ConfigNode.Kind.SCALAR) {
                report(item, keyPath(key) + "." + k, "expected a string, found " + item.describe());
            } else {
                out.put(k, item.text());
            }
        });
        return out;
    }

    /** Marks a key as understood without reading it (read elsewhere, e.g. by a source factory). */
    public void accept(String... keys) {
        used.addAll(Arrays.asList(keys));
    }

    /** Reports every key of this map that nobody read, suggesting the closest known key. */
    public void finish() {
        for (Map.Entry<String, ConfigNode> e : node.map().entrySet()) {
            if (!used.contains(e.getKey())) {
                report(
                        e.getValue(),
                        keyPath(e.getKey()),
                        "unknown key" + didYouMean(e.getKey(), used) + "; known keys here: " + String.join(", ", used));
            }
        }
    }

    /** " (did you mean 'x'?)" for the closest candidate within a small edit distance, else "". */
    public static String didYouMean(String word, Iterable<String> candidates) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = editDistance(word.toLowerCase(Locale.ROOT), c.toLowerCase(Locale.ROOT));
            if (d < bestD) {
                bestD = d;
                best = c;
            }
        }
        return best != null && bestD <= Math.max(2, word.length() / 3) ? " (did you mean '" + best + "'?)" : "";
    }

    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}

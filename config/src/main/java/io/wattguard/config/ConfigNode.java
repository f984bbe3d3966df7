package io.wattguard.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.Reader;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * A YAML value that remembers where it was written. Jackson's tree model drops locations, and an operator
 * fixing a 300-line config needs "file:line:column key.path", so the tree is built from the token stream.
 */
public final class ConfigNode {
    public enum Kind {
        MAP,
        LIST,
        SCALAR,
        NULL
    }

    private final Kind kind;
    private final String file;
    private final int line;
    private final int column;
    private final Map<String, ConfigNode> map;
    private final List<ConfigNode> list;
    private final String scalar;
    private final boolean quoted;

    private ConfigNode(
            Kind kind,
            String file,
            int line,
            int column,
            Map<String, ConfigNode> map,
            List<ConfigNode> list,
            String scalar,
            boolean quoted) {
        this.kind = kind;
        this.file = file;
        this.line = line;
        this.column = column;
        this.map = map;
        this.list = list;
        this.scalar = scalar;
        this.quoted = quoted;
    }

    /** An absent value at a place, so a missing key can still be reported where its parent is. */
    static ConfigNode missing(ConfigNode parent) {
        return new ConfigNode(Kind.NULL, parent.file, parent.line, parent.column, Map.of(), List.of(), null, false);
    }

    public static ConfigNode emptyMap(String file) {
        return new ConfigNode(Kind.MAP, file, 1, 1, new LinkedHashMap<>(), List.of(), null, false);
    }

    /** Parses one YAML document; syntax errors and duplicate keys are reported to {@code problems}. */
    public static ConfigNode parse(String file, Reader reader, Problems problems) {
        try (JsonParser p = new YAMLFactory().createParser(reader)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return emptyMap(file);
            }
            return read(file, p, t, problems, "");
        } catch (AliasUsed e) {
            problems.add(new Problem(file, e.line, e.column, e.path, e.getMessage()));
            return emptyMap(file);
        } catch (IOException e) {
            String msg = syntaxReason(e);
            int line = 0;
            int col = 0;
            if (e.getCause() instanceof MarkedYAMLException m && m.getProblemMark() != null) {
                // Jackson's location is where its parser stood, which for a tab is the line before.
                line = m.getProblemMark().getLine() + 1;
                col = m.getProblemMark().getColumn() + 1;
            } else if (e instanceof com.fasterxml.jackson.core.JsonProcessingException jpe
                    && jpe.getLocation() != null) {
                line = jpe.getLocation().getLineNr();
                col = jpe.getLocation().getColumnNr();
            }
            problems.add(new Problem(file, line, col, "", "not valid YAML: " + msg));
            return emptyMap(file);
        }
    }

    private static ConfigNode read(String file, JsonParser p, JsonToken t, Problems problems, String path)
            throws IOException {
        JsonLocation loc = p.currentTokenLocation();
        int line = loc.getLineNr();
        int col = loc.getColumnNr();
        switch (t) {
            case START_OBJECT -> {
                Map<String, ConfigNode> m = new LinkedHashMap<>();
                while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    JsonLocation kl = p.currentTokenLocation();
                    String childPath = path.isEmpty() ? key : path + "." + key;
                    ConfigNode child = read(file, p, p.nextToken(), problems, childPath);
                    if (m.containsKey(key)) {
                        problems.add(new Problem(
                                file,
                                kl.getLineNr(),
                                kl.getColumnNr(),
                                childPath,
                                "duplicate key (first set on line " + m.get(key).line + ")"));
                    }
                    m.put(key, child);
                }
                return new ConfigNode(Kind.MAP, file, line, col, m, List.of(), null, false);
            }
            case START_ARRAY -> {
                List<ConfigNode> l = new java.util.ArrayList<>();
                int i = 0;
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    l.add(read(file, p, t, problems, path + "[" + i++ + "]"));
                }
                return new ConfigNode(Kind.LIST, file, line, col, Map.of(), l, null, false);
            }
            case VALUE_NULL -> {
                return new ConfigNode(Kind.NULL, file, line, col, Map.of(), List.of(), null, false);
            }
            default -> {
                if (p instanceof YAMLParser y && y.isCurrentAlias()) {
                    throw new AliasUsed(p.getText(), line, col, path);
                }
                // YAML strings written in quotes stay strings even when they look like numbers or booleans.
                boolean quoted = t == JsonToken.VALUE_STRING;
                return new ConfigNode(Kind.SCALAR, file, line, col, Map.of(), List.of(), p.getText(), quoted);
            }
        }
    }

    /**
     * YAML aliases ({@code *name}, and merge keys {@code <<: *name} built on them) are refused rather than
     * expanded: Jackson's streaming parser hands an alias over as the bare anchor name, every message here points
     * at the line and column where a value is written (an expanded alias would send each use to its anchor), and
     * a refusal leaves no room for an exponential alias bomb. The config stays one value in one place.
     */
    private static final class AliasUsed extends IOException {
        final int line;
        final int column;
        final String path;

        AliasUsed(String anchor, int line, int column, String path) {
            super("YAML aliases are not supported (*" + anchor + "): write the value out in full");
            this.line = line;
            this.column = column;
            this.path = path;
        }
    }

    /**
     * The parser's whole reason, with its places: Jackson's message starts with SnakeYAML's context line alone
     * ("while scanning for the next token") and puts the actual problem ("found character '\t' that cannot start
     * any token") lines later, with a source excerpt between them.
     */
    private static String syntaxReason(IOException e) {
        if (e.getCause() instanceof MarkedYAMLException m) {
            StringBuilder sb = new StringBuilder();
            if (m.getContext() != null) {
                sb.append(m.getContext());
                if (m.getContextMark() != null && !samePlace(m.getContextMark(), m.getProblemMark())) {
                    sb.append(" (").append(place(m.getContextMark())).append(')');
                }
                sb.append(": ");
            }
            sb.append(m.getProblem() == null ? "" : m.getProblem()); // its place is the problem's line:column
            return sb.toString().replace("\t", "\\t");
        }
        return e.getMessage() == null ? e.toString() : e.getMessage().split("\n")[0];
    }

    private static boolean samePlace(Mark a, Mark b) {
        return b != null && a.getLine() == b.getLine() && a.getColumn() == b.getColumn();
    }

    private static String place(Mark m) {
        return "line " + (m.getLine() + 1) + ", column " + (m.getColumn() + 1); // SnakeYAML counts from 0
    }

    public Kind kind() {
        return kind;
    }

    public String file() {
        return file;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }

    public Map<String, ConfigNode> map() {
        return Collections.unmodifiableMap(map);
    }

    public List<ConfigNode> list() {
        return Collections.unmodifiableList(list);
    }
    /** The scalar's text, or null for maps, lists and null. */
    public String text() {
        return scalar;
    }

    public boolean isString() {
        return quoted;
    }

    public String describe() {
        return switch (kind) {
            case MAP -> "a map";
            case LIST -> "a list";
            case NULL -> "nothing";
            case SCALAR -> "'" + scalar + "'";
        };
    }
}

package io.wattguard.alert;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An independent reader of CEF records, written from the CEF specification rather than from our writer: the
 * seven header fields (with '\|' and '\\' escapes) and the extension's key=value pairs (with '\=', '\\', '\n').
 */
final class CefParser {
    record Record(List<String> header, Map<String, String> ext) {
        String name() {
            return header.get(5);
        }
    }

    private CefParser() {}

    static Record parse(String s) {
        if (!s.startsWith("CEF:")) {
            throw new AssertionError("not a CEF record: " + s);
        }
        List<String> header = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        int i = 4;
        while (header.size() < 7) {
            if (i >= s.length()) {
                throw new AssertionError("CEF header has " + header.size() + " of 7 fields: " + s);
            }
            char c = s.charAt(i++);
            if (c == '\\' && i < s.length() && (s.charAt(i) == '|' || s.charAt(i) == '\\')) {
                cur.append(s.charAt(i++));
            } else if (c == '|') {
                header.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        return new Record(header, extension(s.substring(i)));
    }

    private static Map<String, String> extension(String ext) {
        // Each unescaped '=' ends a key; the key starts after the last space before it.
        List<int[]> keys = new ArrayList<>(); // {keyStart, equalsIndex}
        for (int i = 0; i < ext.length(); i++) {
            char c = ext.charAt(i);
            if (c == '\\') {
                i++;
            } else if (c == '=') {
                int start = ext.lastIndexOf(' ', i) + 1;
                keys.add(new int[] {start, i});
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (int k = 0; k < keys.size(); k++) {
            int[] key = keys.get(k);
            int valueEnd = k + 1 < keys.size() ? keys.get(k + 1)[0] - 1 : ext.length();
            String name = ext.substring(key[0], key[1]);
            if (!name.matches("[A-Za-z0-9_]+")) {
                throw new AssertionError("bad CEF extension key '" + name + "' in: " + ext);
            }
            out.put(name, unescape(ext.substring(key[1] + 1, Math.max(key[1] + 1, valueEnd))));
        }
        return out;
    }

    private static String unescape(String v) {
        StringBuilder sb = new StringBuilder(v.length());
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '\\' && i + 1 < v.length()) {
                char n = v.charAt(++i);
                sb.append(
                        switch (n) {
                            case 'n' -> '\n';
                            case 'r' -> '\r';
                            default -> n;
                        });
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /** RFC 5424 SD-PARAMs of one SD-ELEMENT, unescaped: {@code [id k="v" ...]}. */
    static Map<String, String> sdParams(String sd, String sdId) {
        String open = "[" + sdId + " ";
        int at = sd.indexOf(open);
        if (at < 0) {
            throw new AssertionError("no " + sdId + " element in structured data: " + sd);
        }
        Map<String, String> out = new LinkedHashMap<>();
        int i = at + open.length();
        while (i < sd.length() && sd.charAt(i) != ']') {
            int eq = sd.indexOf("=\"", i);
            String name = sd.substring(i, eq);
            StringBuilder v = new StringBuilder();
            int j = eq + 2;
            for (; sd.charAt(j) != '"'; j++) {
                if (sd.charAt(j) == '\\') {
                    j++;
                }
                v.append(sd.charAt(j));
            }
            out.put(name, v.toString());
            i = j + 1;
            if (i < sd.length() && sd.charAt(i) == ' ') {
                i++;
            }
        }
        return out;
    }
}

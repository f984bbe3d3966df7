package io.wattguard.source.business;

import java.util.regex.Pattern;

/**
 * A shell-style pattern as operators write them in allowlists and schedules: {@code *} any run of characters
 * within one path component, {@code **} any run including {@code /}, {@code ?} one character, {@code [abc]},
 * {@code [a-z]}, {@code [!abc]} a class, {@code {a,b}} alternatives, {@code \} escapes the next character.
 * A {@code *} stops at {@code /} (as in a shell) so that {@code /opt/apps/*} does not also allow everything below
 * {@code /opt/apps/tmp/}; a plain name has no {@code /} and is matched whole either way.
 */
public final class Glob {
    private final String text;
    private final Pattern regex;

    private Glob(String text, Pattern regex) {
        this.text = text;
        this.regex = regex;
    }

    /** @throws IllegalArgumentException with what is wrong, in words for a config problem */
    public static Glob of(String glob) {
        if (glob == null || glob.isEmpty()) {
            throw new IllegalArgumentException("an empty pattern matches nothing");
        }
        StringBuilder re = new StringBuilder();
        int braces = 0;
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            switch (c) {
                case '*' -> {
                    if (i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                        re.append(".*");
                        i++;
                    } else {
                        re.append("[^/]*");
                    }
                }
                case '?' -> re.append("[^/]");
                case '\\' -> {
                    if (i + 1 == glob.length()) {
                        throw new IllegalArgumentException("'" + glob + "' ends with a lone '\\'");
                    }
                    re.append(Pattern.quote(String.valueOf(glob.charAt(++i))));
                }
                case '[' -> {
                    int end = glob.indexOf(']', i + 2);
                    if (end < 0) {
                        throw new IllegalArgumentException(
                                "'" + glob + "' has a '[' without its ']' at position " + (i + 1));
                    }
                    String body = glob.substring(i + 1, end);
                    boolean negate = body.startsWith("!") || body.startsWith("^");
                    if (negate) {
                        body = body.substring(1);
                    }
                    if (body.isEmpty()) {
                        throw new IllegalArgumentException("'" + glob + "' has an empty class '[]'");
                    }
                    re.append('[').append(negate ? "^" : "");
                    for (char b : body.toCharArray()) {
                        re.append(b == '-' ? "-" : Character.isLetterOrDigit(b) ? String.valueOf(b) : "\\" + b);
                    }
                    re.append(']');
                    i = end;
                }
                case '{' -> {
                    braces++;
                    re.append("(?:");
                }
                case '}' -> {
                    if (braces == 0) {
                        throw new IllegalArgumentException(
                                "'" + glob + "' has a '}' without its '{' at position " + (i + 1));
                    }
                    braces--;
                    re.append(')');
                }
                case ',' -> re.append(braces > 0 ? "|" : ",");
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        if (braces > 0) {
            throw new IllegalArgumentException("'" + glob + "' has a '{' without its '}'");
        }
        try {
            return new Glob(glob, Pattern.compile(re.toString()));
        } catch (java.util.regex.PatternSyntaxException e) {
            throw new IllegalArgumentException("'" + glob + "' is not a valid pattern (" + e.getDescription() + ")");
        }
    }

    public boolean matches(String s) {
        return s != null && regex.matcher(s).matches();
    }

    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Glob g && g.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }
}

package io.wattguard.cli;

import java.io.PrintStream;
import java.io.PrintWriter;

/**
 * A progress bar on stderr for long work. On a terminal it redraws one line; in a log or pipe it prints a
 * line every 10% so CI output stays readable.
 */
public final class Progress {
    private final PrintWriter out;
    private final String label;
    private final long total;
    private final boolean tty;
    private int lastShown = -1;

    public Progress(PrintStream out, String label, long total) {
        this(new PrintWriter(out, true), label, total);
    }

    public Progress(PrintWriter out, String label, long total) {
        this.out = out;
        this.label = label;
        this.total = Math.max(1, total);
        this.tty = System.console() != null;
    }

    public void update(long done, String detail) {
        int pct = (int) Math.min(100, done * 100 / total);
        if (tty) {
            if (pct == lastShown) {
                return;
            }
            int filled = pct * 30 / 100;
            out.print("\r" + label + " [" + "#".repeat(filled) + ".".repeat(30 - filled) + "] " + pct + "% " + detail
                    + "   ");
            out.flush();
        } else if (pct / 10 != lastShown / 10 || lastShown < 0) {
            out.println(label + " " + pct + "% " + detail);
        }
        lastShown = pct;
    }

    public void done(String detail) {
        if (tty) {
            out.print("\r" + label + " [" + "#".repeat(30) + "] 100% " + detail + "   \n");
        } else {
            out.println(label + " 100% " + detail);
        }
        out.flush();
    }
}

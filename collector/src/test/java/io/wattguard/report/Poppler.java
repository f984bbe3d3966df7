package io.wattguard.report;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;

/** Debian's poppler-utils, the reader a test checks the PDF with: its text, and its pages as pictures. */
final class Poppler {
    private Poppler() {}

    /** The text of {@code pdf} as {@code pdftotext} extracts it (UTF-8). */
    static String text(Path pdf) throws Exception {
        Path out = pdf.resolveSibling(pdf.getFileName() + ".txt");
        run("pdftotext", "-enc", "UTF-8", pdf.toString(), out.toString());
        return Files.readString(out, StandardCharsets.UTF_8);
    }

    /** Every page of {@code pdf} rendered by {@code pdftoppm} at {@code dpi}, in page order. */
    static List<BufferedImage> pages(Path pdf, int dpi) throws Exception {
        Path dir = Files.createDirectories(pdf.resolveSibling(pdf.getFileName() + ".pages"));
        run(
                "pdftoppm",
                "-r",
                Integer.toString(dpi),
                "-png",
                pdf.toString(),
                dir.resolve("page").toString());
        List<Path> files;
        try (var s = Files.list(dir)) {
            files = s.filter(f -> f.toString().endsWith(".png")).sorted().toList();
        }
        List<BufferedImage> out = new ArrayList<>();
        for (Path f : files) {
            out.add(ImageIO.read(f.toFile()));
        }
        return out;
    }

    private static void run(String... cmd) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError(cmd[0] + " is not installed: it comes with Debian's poppler-utils"
                    + " (scripts/setup.sh test installs it)");
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", cmd) + " failed: " + output);
        }
    }

    /** Pixels of {@code image} within {@code tolerance} of the colour {@code rgb} in every channel. */
    static int pixels(BufferedImage image, int rgb, int tolerance) {
        int n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int p = image.getRGB(x, y);
                if (Math.abs(((p >> 16) & 0xff) - ((rgb >> 16) & 0xff)) <= tolerance
                        && Math.abs(((p >> 8) & 0xff) - ((rgb >> 8) & 0xff)) <= tolerance
                        && Math.abs((p & 0xff) - (rgb & 0xff)) <= tolerance) {
                    n++;
                }
            }
        }
        return n;
    }
}

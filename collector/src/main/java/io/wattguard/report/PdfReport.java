package io.wattguard.report;

import com.openhtmltopdf.pdfboxout.PdfRendererBuilder;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The report's page as PDF, by openhtmltopdf (PDFBox): the same XHTML as the HTML file, its charts as PNG. For
 * Chinese the CJK font is embedded (subset) under the family {@link #CJK_FAMILY}, which the page's CSS asks for.
 */
final class PdfReport {
    static final String CJK_FAMILY = "wattguard-cjk";
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PdfReport.class);

    static {
        // openhtmltopdf logs every stage at INFO through java.util.logging, straight to stderr, where the command
        // draws its progress bar. Its logging is one process-wide setting of the library's (as a logback.xml
        // line would be): route it to our log, warnings and worse only.
        com.openhtmltopdf.util.XRLog.setLoggerImpl(new com.openhtmltopdf.util.XRLogger() {
            @Override
            public void log(String where, java.util.logging.Level level, String msg) {
                log(where, level, msg, null);
            }

            @Override
            public void log(String where, java.util.logging.Level level, String msg, Throwable th) {
                if (level.intValue() >= java.util.logging.Level.WARNING.intValue()) {
                    LOG.warn("PDF ({}): {}", where, msg, th);
                }
            }

            @Override
            public void setLevel(String logger, java.util.logging.Level level) {}

            @Override
            public boolean isLogLevelEnabled(com.openhtmltopdf.util.Diagnostic diagnostic) {
                return diagnostic.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue();
            }
        });
    }

    private PdfReport() {}

    /** Writes {@code xhtml} to {@code file}; {@code font} may be null for a page with no Chinese. */
    static void write(String xhtml, CjkFont font, Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            PdfRendererBuilder b = new PdfRendererBuilder();
            b.useFastMode();
            // openhtmltopdf logs every stage at INFO on stderr through java.util.logging; the command's stderr is
            // for its progress bar. Its warnings (a missing glyph, a CSS property it ignores) go to our log.
            b.withDiagnosticConsumer(d -> {
                if (d.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                    LOG.warn("PDF: {}", d.getFormattedMessage());
                }
            });
            if (font != null) {
                b.useFont(font.file().toFile(), CJK_FAMILY);
            }
            // No base URI that reaches anything: the page is self-contained, and must stay so.
            b.withHtmlContent(xhtml, null);
            b.toStream(out);
            b.run();
        }
    }
}

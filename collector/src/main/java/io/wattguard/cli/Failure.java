package io.wattguard.cli;

/**
 * A failure at run time that is not the user's input (a server that does not answer, a device that refuses):
 * printed as is, exit code 1, no stack trace. The message says what failed in the operator's words, without
 * Java class names.
 */
public final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Failure(String message) {
        super(message, null, false, false);
    }
}

package io.wattguard.cli;

/**
 * A command that the production jar does not carry, found on the class path with {@link java.util.ServiceLoader}
 * ({@code META-INF/services/io.wattguard.cli.ExtraCommand}): it takes the place of the placeholder of the same
 * name in {@link Main}'s list. The demo is one: it writes a simulated site, and the simulator never ships to a GPU
 * host, so it lives in module {@code demo} and its own jar, wattguard-demo.jar.
 */
public interface ExtraCommand {
    /** The command's name, the same as the placeholder's it replaces. */
    String name();

    /** A new command object (an instance of a class annotated with picocli's {@code @Command}). */
    Object command();
}

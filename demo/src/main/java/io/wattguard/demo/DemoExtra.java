package io.wattguard.demo;

import io.wattguard.cli.ExtraCommand;

/** Puts the real {@code demo} command in the place of the production jar's placeholder (see {@link ExtraCommand}). */
public final class DemoExtra implements ExtraCommand {
    @Override
    public String name() {
        return "demo";
    }

    @Override
    public Object command() {
        return new DemoCommand();
    }
}

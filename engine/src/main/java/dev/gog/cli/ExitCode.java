package dev.gog.cli;

/** Exit codes of the {@code gog} command (docs/cli.md). */
public final class ExitCode {
    private ExitCode() {}

    /** Success. */
    public static final int OK = 0;
    /** Anything not covered below (an I/O error writing outputs, a bug, a native failure). */
    public static final int FAILURE = 1;
    /** Usage: unknown command or option, missing or malformed option value. */
    public static final int USAGE = 2;
    /** Bad input: unreadable, corrupt or unsupported image, bad box, box outside the image. */
    public static final int BAD_INPUT = 3;
    /** Model or configuration error (e.g. a malformed preprocessor_config.json). */
    public static final int CONFIG = 4;
}

package dev.gog.preprocess;

/**
 * A model or preprocessing configuration that cannot be used: a malformed
 * {@code preprocessor_config.json}, a missing or wrongly typed field, or a setting this engine
 * does not support. The message names the file and the field.
 */
public class ModelConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong, naming the file and field
     */
    public ModelConfigException(String message) {
        super(message);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param message what is wrong
     * @param cause the underlying failure
     */
    public ModelConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}

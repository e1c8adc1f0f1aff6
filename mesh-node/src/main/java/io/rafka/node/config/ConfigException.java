package io.rafka.node.config;

/** A configuration value that cannot be used. The message names the key, the value and the rule. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}

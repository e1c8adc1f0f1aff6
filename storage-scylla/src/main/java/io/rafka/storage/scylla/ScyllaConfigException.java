package io.rafka.storage.scylla;

/**
 * Start-up found a setting that cannot work with the cluster it points at (no CQL server at the
 * contact points, an unknown local datacenter, more replicas than nodes, ...). The message names
 * the configuration key and its value; {@link #setting()} gives the key alone.
 */
public final class ScyllaConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String setting;

    public ScyllaConfigException(String setting, String message, Throwable cause) {
        super(message, cause);
        this.setting = setting;
    }

    public ScyllaConfigException(String setting, String message) {
        this(setting, message, null);
    }

    /** The configuration key at fault, e.g. {@code storage.scylla.local-datacenter}. */
    public String setting() {
        return setting;
    }
}

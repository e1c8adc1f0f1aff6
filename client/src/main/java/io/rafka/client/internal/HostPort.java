package io.rafka.client.internal;

import java.util.Objects;

/** A parsed {@code host:port} bootstrap address; IPv6 hosts are written {@code [::1]:9092}. */
public record HostPort(String host, int port) {
    public HostPort {
        Objects.requireNonNull(host, "host");
        if (host.isEmpty()) {
            throw new IllegalArgumentException("host must not be empty");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port must be in [1, 65535], was " + port);
        }
    }

    /** Parses {@code host:port}, naming the bad value on failure. */
    public static HostPort parse(String address) {
        Objects.requireNonNull(address, "bootstrap address");
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || colon == address.length() - 1) {
            throw new IllegalArgumentException("bootstrap must be host:port, was \"" + address + "\"");
        }
        String host = address.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(address.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bootstrap port must be a number in [1, 65535], was \""
                    + address + "\"");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("bootstrap port must be in [1, 65535], was " + port
                    + " in \"" + address + "\"");
        }
        return new HostPort(host, port);
    }
}

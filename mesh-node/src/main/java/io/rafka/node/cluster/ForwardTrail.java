package io.rafka.node.cluster;

import io.grpc.Metadata;
import io.rafka.node.partition.BrokerException;
import java.util.function.Function;

/**
 * What a request forwarded between nodes carries in its gRPC headers: how many hops it has made,
 * the node that sent it on the last hop, and Pastry's {@code closerOnly} flag (set once a hop was
 * not a routing-table hop, so every later hop must be numerically closer to the key and no route
 * can loop). A request straight from a client is {@link #ORIGIN}.
 *
 * @param hops     forwards so far, 0 to {@link #MAX_HOPS}
 * @param previous ring id of the node that forwarded it here, null at the origin
 */
public record ForwardTrail(int hops, String previous, boolean closerOnly) {
    /** Hops a request may make; a node that receives one with this many refuses to forward it again. */
    public static final int MAX_HOPS = 8;
    public static final String HOPS = "rafka-hops";
    public static final String FORWARDED_BY = "rafka-forwarded-by";
    public static final String CLOSER_ONLY = "rafka-closer-only";
    public static final ForwardTrail ORIGIN = new ForwardTrail(0, null, false);

    private static final Metadata.Key<String> HOPS_KEY = Metadata.Key.of(HOPS, Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> FORWARDED_BY_KEY = Metadata.Key.of(FORWARDED_BY, Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> CLOSER_ONLY_KEY = Metadata.Key.of(CLOSER_ONLY, Metadata.ASCII_STRING_MARSHALLER);

    public ForwardTrail {
        if (hops < 0 || hops > MAX_HOPS) {
            throw new IllegalArgumentException("hops must be between 0 and " + MAX_HOPS + ", was " + hops);
        }
        if ((hops == 0) != (previous == null)) {
            throw new IllegalArgumentException("a forwarded request names the node that forwarded it, the origin none; hops "
                    + hops + ", previous " + previous);
        }
    }

    /**
     * Reads the trail from request headers ({@code header} returns null when absent). A request
     * that names a forwarding node but no hop count comes from a node that forwards only once: one hop.
     */
    public static ForwardTrail parse(Function<String, String> header) {
        String previous = header.apply(FORWARDED_BY);
        String hops = header.apply(HOPS);
        if (previous == null || previous.isEmpty()) {
            if (hops != null) {
                throw BrokerException.invalid("header " + HOPS + " needs header " + FORWARDED_BY
                        + " naming the node that forwarded the request");
            }
            return ORIGIN;
        }
        int n;
        try {
            n = hops == null ? 1 : Integer.parseInt(hops.trim());
        } catch (NumberFormatException e) {
            throw BrokerException.invalid("header " + HOPS + " must be a number of hops, was '" + hops + "'");
        }
        if (n < 1 || n > MAX_HOPS) {
            throw BrokerException.invalid("header " + HOPS + " must be between 1 and " + MAX_HOPS + ", was " + n);
        }
        return new ForwardTrail(n, previous, "true".equals(header.apply(CLOSER_ONLY)));
    }

    /** Whether another hop is allowed. */
    public boolean mayForward() {
        return hops < MAX_HOPS;
    }

    /** The trail as node {@code self} forwards the request, {@code closerOnly} once any hop required it. */
    public ForwardTrail next(String self, boolean closerOnly) {
        if (!mayForward()) {
            throw new IllegalStateException("a request that made " + hops + " hops must not be forwarded again");
        }
        return new ForwardTrail(hops + 1, self, this.closerOnly || closerOnly);
    }

    /** The headers that carry this trail to the next node. */
    public Metadata headers() {
        Metadata m = new Metadata();
        if (previous != null) {
            m.put(FORWARDED_BY_KEY, previous);
            m.put(HOPS_KEY, Integer.toString(hops));
        }
        if (closerOnly) {
            m.put(CLOSER_ONLY_KEY, "true");
        }
        return m;
    }
}

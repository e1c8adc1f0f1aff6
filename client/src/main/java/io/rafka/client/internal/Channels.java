package io.rafka.client.internal;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.concurrent.TimeUnit;

/**
 * Opens the plaintext gRPC channels clients use. Stub callbacks run directly on the transport's
 * event loop ({@code directExecutor}), so code called back from a channel must never block.
 */
public final class Channels {
    /** Largest message accepted from the broker. */
    public static final int MAX_INBOUND_BYTES = 64 << 20;

    private Channels() {
    }

    public static ManagedChannel[] open(String bootstrap, int count) {
        HostPort hp = HostPort.parse(bootstrap);
        ManagedChannel[] channels = new ManagedChannel[count];
        for (int i = 0; i < count; i++) {
            channels[i] = NettyChannelBuilder.forAddress(hp.host(), hp.port())
                    .usePlaintext()
                    .directExecutor()
                    // the clients retry themselves; gRPC's retry buffering only costs copies
                    .disableRetry()
                    .maxInboundMessageSize(MAX_INBOUND_BYTES)
                    .flowControlWindow(8 << 20)
                    .build();
        }
        return channels;
    }

    /** Orderly shutdown, forced after a grace period; never throws. */
    public static void close(ManagedChannel... channels) {
        for (ManagedChannel c : channels) {
            c.shutdown();
        }
        for (ManagedChannel c : channels) {
            try {
                if (!c.awaitTermination(5, TimeUnit.SECONDS)) {
                    c.shutdownNow();
                }
            } catch (InterruptedException e) {
                c.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }
}

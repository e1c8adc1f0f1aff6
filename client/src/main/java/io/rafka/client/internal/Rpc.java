package io.rafka.client.internal;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.rafka.client.RafkaException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/** Adapters between unary gRPC calls and futures or callbacks. */
public final class Rpc {
    private Rpc() {
    }

    /** An observer for a unary call that reports exactly once: (response, null) or (null, error). */
    public static <T> StreamObserver<T> callback(BiConsumer<T, Throwable> callback) {
        return new StreamObserver<>() {
            private T value;

            @Override
            public void onNext(T v) {
                value = v;
            }

            @Override
            public void onError(Throwable t) {
                callback.accept(null, t);
            }

            @Override
            public void onCompleted() {
                callback.accept(value, null);
            }
        };
    }

    /** An observer for a unary call that completes {@code future}. */
    public static <T> StreamObserver<T> into(CompletableFuture<T> future) {
        return callback((v, t) -> {
            if (t != null) {
                future.completeExceptionally(Errors.toRafka(t));
            } else {
                future.complete(v);
            }
        });
    }

    /** Waits for {@code future} at most {@code timeoutMs}; failures become RafkaException. */
    public static <T> T await(CompletableFuture<T> future, long timeoutMs, String what) {
        try {
            return future.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RafkaException(Status.Code.CANCELLED, "interrupted while waiting for " + what, e);
        } catch (TimeoutException e) {
            throw new RafkaException(Status.Code.DEADLINE_EXCEEDED, what + " took longer than "
                    + timeoutMs + " ms");
        } catch (ExecutionException e) {
            throw Errors.toRafka(e);
        }
    }

    /** Runs a blocking-stub call, turning its StatusRuntimeException into a RafkaException. */
    public static <T> T blocking(Supplier<T> call) {
        try {
            return call.get();
        } catch (StatusRuntimeException e) {
            throw Errors.toRafka(e);
        }
    }
}

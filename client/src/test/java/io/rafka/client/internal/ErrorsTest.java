package io.rafka.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.rafka.client.RafkaException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class ErrorsTest {
    @Test
    void backoffDoublesFrom100MsUpTo5s() {
        assertThat(Errors.backoffMs(100, 5000, 0)).isEqualTo(100);
        assertThat(Errors.backoffMs(100, 5000, 1)).isEqualTo(200);
        assertThat(Errors.backoffMs(100, 5000, 5)).isEqualTo(3200);
        assertThat(Errors.backoffMs(100, 5000, 6)).isEqualTo(5000);
        assertThat(Errors.backoffMs(100, 5000, 1000)).isEqualTo(5000);
    }

    @Test
    void statusErrorsKeepTheirCodeAndDescription() {
        RafkaException e = Errors.toRafka(new CompletionException(
                Status.OUT_OF_RANGE.withDescription("offset 9 past latest 5").asRuntimeException()));
        assertThat(e.code()).isEqualTo(Status.Code.OUT_OF_RANGE);
        assertThat(e.getMessage()).isEqualTo("OUT_OF_RANGE: offset 9 past latest 5");
    }

    @Test
    void onlyTransientCodesAreRetryable() {
        assertThat(Errors.isRetryable(Status.Code.UNAVAILABLE)).isTrue();
        assertThat(Errors.isRetryable(Status.Code.DEADLINE_EXCEEDED)).isTrue();
        assertThat(Errors.isRetryable(Status.Code.RESOURCE_EXHAUSTED)).isTrue();
        assertThat(Errors.isRetryable(Status.Code.INVALID_ARGUMENT)).isFalse();
        assertThat(Errors.isRetryable(Status.Code.NOT_FOUND)).isFalse();
    }
}

package io.rafka.node.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * HTTP liveness and readiness for orchestrators: {@code GET /health/live} answers 200 while the
 * process serves requests; {@code GET /health/ready} answers 200 once every partition is open and
 * the gRPC port listens, 503 before and while shutting down; {@code GET /metrics} serves the
 * node's meters in the Prometheus text format.
 */
public final class HealthServer {
    private final Vertx vertx;
    private final BooleanSupplier ready;
    private final Supplier<String> metrics;
    private HttpServer server;

    public HealthServer(Vertx vertx, BooleanSupplier ready, Supplier<String> metrics) {
        this.vertx = vertx;
        this.ready = ready;
        this.metrics = metrics;
    }

    public Future<Integer> listen(String host, int port) {
        server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port));
        server.requestHandler(req -> {
            String path = req.path();
            switch (path) {
                case "/health/live" -> req.response().putHeader("content-type", "application/json")
                        .end(new JsonObject().put("status", "UP").encode());
                case "/health/ready" -> {
                    boolean ok = ready.getAsBoolean();
                    req.response().setStatusCode(ok ? 200 : 503).putHeader("content-type", "application/json")
                            .end(new JsonObject().put("status", ok ? "READY" : "NOT_READY").encode());
                }
                case "/metrics" -> vertx.<String>executeBlocking(metrics::get, false).onComplete(ar -> {
                    if (ar.succeeded()) {
                        req.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(ar.result());
                    } else {
                        req.response().setStatusCode(500).end("metrics unavailable: " + ar.cause() + "\n");
                    }
                });
                default -> req.response().setStatusCode(404).end("no such endpoint: " + path + "\n");
            }
        });
        return server.listen().map(HttpServer::actualPort);
    }

    public Future<Void> close() {
        return server == null ? Future.succeededFuture() : server.close();
    }
}

package io.rafka.cache.internal;

import io.rafka.cache.CacheConfig;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.SetParams;

/**
 * The batch cache on Redis through Jedis 8's {@link RedisClient} (a connection pool sized to the
 * workers): {@code SET key value PX ttl} (pipelined), {@code GET key}, {@code MGET keys}, binary values.
 * Connect and socket timeouts are {@code cache.timeout-ms}, so a worker is never held longer
 * than one timeout by a dead or stalled server.
 *
 * <p>A probe builds a fresh client and pings through it; on success it replaces the old one, so
 * the pooled connections that died with the old server are dropped in one go instead of failing
 * one request each.
 */
public final class RedisBatchCache extends PooledBatchCache {
    private final SetParams setParams;
    private volatile RedisClient client;

    public RedisBatchCache(CacheConfig config) {
        super(config);
        if (config.kind() != CacheConfig.Kind.REDIS) {
            throw new IllegalArgumentException("RedisBatchCache needs cache.kind redis, was " + config.kind().configName());
        }
        this.setParams = SetParams.setParams().px(config.ttl().toMillis());
        // Building the client does not connect: the pool opens connections on first use.
        this.client = newClient();
    }

    @Override
    protected byte[] read(String key) {
        assertOnCacheThread();
        return client.get(key.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    protected List<byte[]> readAll(List<String> keys) {
        assertOnCacheThread();
        byte[][] raw = new byte[keys.size()][];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = keys.get(i).getBytes(StandardCharsets.US_ASCII);
        }
        return client.mget(raw);
    }

    /** One pipeline of {@code SET key value PX ttl}: one round trip; an error reply of any of them is thrown. */
    @Override
    protected void writeAll(List<String> keys, List<byte[]> values) {
        assertOnCacheThread();
        List<Response<String>> replies = new ArrayList<>(keys.size());
        try (AbstractPipeline pipeline = client.pipelined()) {
            for (int i = 0; i < keys.size(); i++) {
                replies.add(pipeline.set(keys.get(i).getBytes(StandardCharsets.US_ASCII), values.get(i), setParams));
            }
            pipeline.sync();
        }
        replies.forEach(Response::get); // throws the first error reply (JedisDataException)
    }

    @Override
    protected void probe() {
        assertOnCacheThread();
        RedisClient fresh = newClient();
        try {
            fresh.ping();
        } catch (RuntimeException e) {
            fresh.close();
            throw e;
        }
        RedisClient old = client;
        client = fresh;
        old.close();
    }

    /** An error reply (OOM with maxmemory noeviction, for one) means the server is there. */
    @Override
    protected boolean isRefusal(Exception e) {
        return e instanceof JedisDataException;
    }

    @Override
    protected void closeClient() {
        client.close();
    }

    private RedisClient newClient() {
        int timeoutMs = (int) config.timeout().toMillis();
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(config.threads() + 1); // the workers and a probe
        pool.setMaxIdle(config.threads() + 1);
        pool.setMinIdle(0);
        pool.setMaxWait(config.timeout());
        DefaultJedisClientConfig clientConfig = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(timeoutMs)
                .socketTimeoutMillis(timeoutMs)
                .clientName("rafka-cache")
                .build();
        return RedisClient.builder()
                .hostAndPort(config.host(), config.port())
                .clientConfig(clientConfig)
                .poolConfig(pool)
                .build();
    }
}

package io.rafka.cache.internal;

import io.rafka.cache.CacheConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.rubyeye.xmemcached.MemcachedClient;
import net.rubyeye.xmemcached.XMemcachedClientBuilder;
import net.rubyeye.xmemcached.exception.MemcachedClientException;
import net.rubyeye.xmemcached.exception.MemcachedServerException;

/**
 * The batch cache on memcached through xmemcached (text protocol, one connection, raw byte
 * values without compression): {@code set key 0 exptime}, {@code get key}, multi-get. The TTL is
 * rounded up to whole seconds (memcached's unit). Memcached's default item limit is 1 MiB with
 * the key and item header, hence {@code cache.max-value-bytes} of at most
 * {@value CacheConfig#MEMCACHED_MAX_VALUE_BYTES} for this kind.
 *
 * <p>xmemcached reconnects a lost connection by itself (its "heal session" task, run every
 * {@code cache.probe-interval-ms}); a probe is a {@code version} round trip that succeeds once
 * the connection is back.
 */
public final class MemcachedBatchCache extends PooledBatchCache {
    private final MemcachedClient client;
    private final int exptimeSeconds;
    private final long timeoutMs;

    public MemcachedBatchCache(CacheConfig config) {
        super(config);
        if (config.kind() != CacheConfig.Kind.MEMCACHED) {
            throw new IllegalArgumentException("MemcachedBatchCache needs cache.kind memcached, was " + config.kind().configName());
        }
        this.timeoutMs = config.timeout().toMillis();
        this.exptimeSeconds = (int) Math.max(1, (config.ttl().toMillis() + 999) / 1000);
        XMemcachedClientBuilder builder = new XMemcachedClientBuilder(
                List.of(new InetSocketAddress(config.host(), config.port())));
        builder.setTranscoder(RawBytesTranscoder.INSTANCE);
        builder.setConnectionPoolSize(1);
        builder.setOpTimeout(timeoutMs);
        builder.setConnectTimeout(Math.max(timeoutMs, 1000));
        builder.setEnableHealSession(true);
        builder.setHealSessionInterval(config.probeInterval().toMillis());
        builder.setFailureMode(false);
        try {
            // Does not fail when the server is not there: the session is healed later.
            this.client = builder.build();
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("cannot start the memcached client for " + config.describe(), e);
        }
    }

    @Override
    protected byte[] read(String key) throws Exception {
        assertOnCacheThread();
        return client.get(key, timeoutMs, RawBytesTranscoder.INSTANCE);
    }

    @Override
    protected List<byte[]> readAll(List<String> keys) throws Exception {
        assertOnCacheThread();
        Map<String, byte[]> found = client.get(keys, timeoutMs, RawBytesTranscoder.INSTANCE);
        List<byte[]> out = new ArrayList<>(keys.size());
        for (String k : keys) {
            out.add(found == null ? null : found.get(k));
        }
        return out;
    }

    /**
     * Every set but the last goes out with {@code noreply}; the last waits for its answer. Memcached
     * handles one connection's commands in order, so that answer means the server has processed
     * all of them: one round trip for the lot. The cost: a refused {@code noreply} set (out of
     * memory with {@code -M}) is not seen, and a later get of it is a plain miss.
     */
    @Override
    protected void writeAll(List<String> keys, List<byte[]> values) throws Exception {
        assertOnCacheThread();
        int last = keys.size() - 1;
        for (int i = 0; i < last; i++) {
            client.setWithNoReply(keys.get(i), exptimeSeconds, values.get(i), RawBytesTranscoder.INSTANCE);
        }
        if (!client.set(keys.get(last), exptimeSeconds, values.get(last), RawBytesTranscoder.INSTANCE, timeoutMs)) {
            throw new MemcachedServerException("NOT_STORED");
        }
    }

    @Override
    protected void probe() throws Exception {
        assertOnCacheThread();
        Map<InetSocketAddress, String> versions = client.getVersions(timeoutMs);
        if (versions == null || versions.isEmpty() || versions.containsValue(null)) {
            throw new IOException("no connection to memcached yet");
        }
    }

    /** SERVER_ERROR (out of memory, object too large) and CLIENT_ERROR are answers: the server is there. */
    @Override
    protected boolean isRefusal(Exception e) {
        return e instanceof MemcachedServerException || e instanceof MemcachedClientException;
    }

    @Override
    protected void closeClient() {
        if (client == null) {
            return;
        }
        try {
            client.shutdown();
        } catch (IOException e) {
            // closing anyway
        }
    }
}

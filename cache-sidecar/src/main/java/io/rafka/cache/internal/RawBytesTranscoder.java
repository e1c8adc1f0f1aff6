package io.rafka.cache.internal;

import net.rubyeye.xmemcached.transcoders.CachedData;
import net.rubyeye.xmemcached.transcoders.CompressionMode;
import net.rubyeye.xmemcached.transcoders.Transcoder;

/**
 * Stores a byte array as the memcached item's bytes, flag 0, with no serialization header and
 * no compression (xmemcached's default transcoder compresses values over 16 KiB, which would
 * spend broker CPU on bytes that are already as small as the producer made them).
 */
final class RawBytesTranscoder implements Transcoder<byte[]> {
    static final RawBytesTranscoder INSTANCE = new RawBytesTranscoder();

    @Override
    public CachedData encode(byte[] value) {
        return new CachedData(0, value);
    }

    @Override
    public byte[] decode(CachedData data) {
        return data.getData();
    }

    @Override
    public void setPrimitiveAsString(boolean primitiveAsString) {
    }

    @Override
    public void setPackZeros(boolean packZeros) {
    }

    @Override
    public void setCompressionThreshold(int to) {
    }

    @Override
    public boolean isPrimitiveAsString() {
        return false;
    }

    @Override
    public boolean isPackZeros() {
        return false;
    }

    @Override
    public void setCompressionMode(CompressionMode compressMode) {
    }
}

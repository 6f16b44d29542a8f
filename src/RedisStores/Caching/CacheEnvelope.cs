using System.Buffers.Binary;

namespace RedisStores.Caching;

/// <summary>
/// How a cached value is stored in Redis: a 14-byte header, then the serializer's bytes. The header's first byte
/// (0xFE, never the first byte of UTF-8 text) marks values this cache wrote, so foreign data under the cache's keys
/// is recognised instead of being handed to the serializer.
/// </summary>
/// <remarks>
/// Layout: marker <c>0xFE</c>, flags (bit 0: fail-safe), the writer's expiry instant as Unix milliseconds (int64),
/// the entry's memory-cache TTL in milliseconds (int32), little endian. The expiry and the memory TTL bound how long
/// any instance's memory cache serves the value; for a fail-safe value, which Redis keeps past its expiry, the expiry
/// also decides whether the value is still fresh.
/// </remarks>
internal static class CacheEnvelope
{
    internal const int HeaderLength = 14;
    private const byte Marker = 0xFE;
    private const byte FailSafeFlag = 1;

    internal static byte[] Wrap(byte[] payload, long expiresAtMs, long memoryTtlMs, bool failSafe)
    {
        var envelope = new byte[HeaderLength + payload.Length];
        envelope[0] = Marker;
        envelope[1] = failSafe ? FailSafeFlag : (byte)0;
        BinaryPrimitives.WriteInt64LittleEndian(envelope.AsSpan(2), expiresAtMs);
        BinaryPrimitives.WriteInt32LittleEndian(envelope.AsSpan(10), (int)Math.Min(memoryTtlMs, int.MaxValue));
        payload.CopyTo(envelope.AsSpan(HeaderLength));
        return envelope;
    }

    /// <summary>Reads a stored value; <see langword="false"/> when it is not one this cache wrote.</summary>
    internal static bool TryUnwrap(ReadOnlyMemory<byte> stored, out CacheEnvelopeHeader header, out ReadOnlyMemory<byte> payload)
    {
        var span = stored.Span;
        if (span.Length < HeaderLength || span[0] != Marker || (span[1] & ~FailSafeFlag) != 0)
        {
            header = default;
            payload = default;
            return false;
        }

        var memoryTtl = BinaryPrimitives.ReadInt32LittleEndian(span[10..]);
        if (memoryTtl < 0)
        {
            header = default;
            payload = default;
            return false;
        }

        header = new CacheEnvelopeHeader(BinaryPrimitives.ReadInt64LittleEndian(span[2..]), memoryTtl, (span[1] & FailSafeFlag) != 0);
        payload = stored[HeaderLength..];
        return true;
    }
}

/// <summary>The header of a stored value.</summary>
/// <param name="ExpiresAtMs">When the value stops being fresh, as Unix milliseconds of the writer's clock.</param>
/// <param name="MemoryTtlMs">How long a memory cache may serve the value without asking Redis.</param>
/// <param name="FailSafe">Whether Redis keeps the value past that instant for a failing factory.</param>
internal readonly record struct CacheEnvelopeHeader(long ExpiresAtMs, int MemoryTtlMs, bool FailSafe);

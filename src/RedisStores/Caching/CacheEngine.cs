using System.Runtime.ExceptionServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RedisStores.Internal;
using RedisStores.Locking;
using StackExchange.Redis;

namespace RedisStores.Caching;

/// <summary>
/// Everything both caches do: the memory tier (the L1 of the Redis cache, or the whole in-memory cache), the Redis
/// tier when there is one, get-or-set with its stampede protection and fail-safe, and what happens when Redis does
/// not answer. Every operation takes a namespace, <see langword="null"/> for none; the public stores and their
/// namespace views are thin doors to it.
/// </summary>
internal sealed partial class CacheEngine
{
    private readonly CacheInputs _inputs;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly MemoryTier? _memory;
    private readonly RedisCacheBackend? _redis;
    private readonly IDistributedLockService? _locks;
    private readonly CacheCounters _counters;
    private readonly FactoryFlights _flights = new();
    private readonly long _failSafeMs;
    private readonly bool _systemClock;
    private int _redisDown;

    internal CacheEngine(CacheInputs inputs, TimeProvider? timeProvider, ILogger? logger, CacheCounters counters, MemoryTier? memory, RedisCacheBackend? redis, IDistributedLockService? locks)
    {
        _inputs = inputs;
        _time = timeProvider ?? TimeProvider.System;
        _systemClock = ReferenceEquals(_time, TimeProvider.System);
        _logger = logger ?? NullLogger.Instance;
        _counters = counters;
        _memory = memory;
        _redis = redis;
        _locks = locks;
        _failSafeMs = (long)inputs.Cache.FailSafeMaxDuration.TotalMilliseconds;
    }

    private long Now => _time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// The instant a memory hit is judged by: with the system clock, <see cref="CoarseClock"/> (a few milliseconds'
    /// resolution, a quarter of the cost of reading the wall clock); with any other <see cref="TimeProvider"/>, its time.
    /// </summary>
    /// <summary>More than <see cref="CoarseClock"/> is ever off the system clock: a hit closer than this to the end of its freshness is judged by the system clock itself.</summary>
    private const long CoarseMarginMs = 20;

    private long HitNow => _systemClock ? CoarseClock.UnixMilliseconds : Now;

    private bool ThrowOnRedisErrors => _inputs.Cache.ThrowOnRedisErrors;

    internal CacheStats GetStats() => _counters.Snapshot(_memory?.Count ?? 0, _memory?.Capacity ?? 0);

    internal ValueTask<CacheValue<T>> TryGetAsync<T>(string? ns, string key, CancellationToken cancellationToken)
    {
        CacheInputs.ValidateKey(key);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<CacheValue<T>>(cancellationToken);
        }

        try
        {
            return TryGetFromMemory(ns, key, out T value) ? new ValueTask<CacheValue<T>>(new CacheValue<T>(value))
                : ns is null && TryReadPlain<T>(key, cancellationToken) is { } read ? read.AsTryGet()
                : ReadThroughAsync<T>(ns, key, cancellationToken);
        }
        catch (StoreSerializationException ex)
        {
            return ValueTask.FromException<CacheValue<T>>(ex); // failures of the call land in its task, as on every other path
        }
    }

    // The same as TryGetAsync, without a wrapper around a memory hit: no async method runs for one.
    internal ValueTask<T?> GetAsync<T>(string? ns, string key, CancellationToken cancellationToken)
    {
        CacheInputs.ValidateKey(key);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<T?>(cancellationToken);
        }

        try
        {
            return TryGetFromMemory(ns, key, out T value) ? new ValueTask<T?>(value)
                : ns is null && TryReadPlain<T>(key, cancellationToken) is { } read ? read.AsGet()
                : GetThroughAsync<T>(ns, key, cancellationToken);
        }
        catch (StoreSerializationException ex)
        {
            return ValueTask.FromException<T?>(ex);
        }
    }

    /// <summary>Answers a read from a fresh memory entry when there is one.</summary>
    private bool TryGetFromMemory<T>(string? ns, string key, out T value)
    {
        if (_memory is null)
        {
            value = default!;
            return false;
        }

        // The coarse clock may be a few milliseconds off either way: Find keeps what may still be fresh, and a hit
        // within the margin of the end of its freshness is judged by the precise clock.
        var now = HitNow;
        var held = _memory.Find(ns, key, _systemClock ? now - CoarseMarginMs : now);
        if (held is not null && _systemClock && Math.Abs(held.FreshUntil - now) <= CoarseMarginMs)
        {
            now = Now;
        }

        if (held is not null && now <= held.FreshUntil)
        {
            _counters.MemoryHit();
            value = FromMemory<T>(held, key);
            return true;
        }

        value = default!;
        return false;
    }

    /// <summary>
    /// Sends the <c>GET</c> of a plain key the memory tier could not answer, and returns the read that answers the
    /// caller from it; <see langword="null"/> when the backend cannot send it now (not connected yet, or down), and the
    /// read takes the general path, which connects, reports and falls back.
    /// </summary>
    private RedisRead<T>? TryReadPlain<T>(string key, CancellationToken cancellationToken)
    {
        if (_redis is null)
        {
            return null;
        }

        var stamp = _memory?.ReadStamp(null, key) ?? 0; // before sending: an invalidation from now on outdates this read
        if (_redis.TryStartGet(key) is not { } reply)
        {
            return null;
        }

        if (_memory is not null)
        {
            _counters.MemoryMiss();
        }

        return RedisRead<T>.Start(this, key, stamp, reply, _redis.Deadline(), cancellationToken);
    }

    /// <summary>
    /// The answer to a plain read once Redis has answered, with <paramref name="stored"/> (the stored value, null for
    /// none) or <paramref name="failure"/>: the value, a miss, or when Redis failed, what memory keeps (or the failure,
    /// with <see cref="CacheStoreOptions.ThrowOnRedisErrors"/>). The same outcomes as <see cref="ReadThroughAsync{T}"/>.
    /// </summary>
    internal CacheValue<T> FinishRead<T>(string key, long stamp, RedisValue stored, Exception? failure)
    {
        if (failure is not null)
        {
            var translated = _redis!.Translate(failure);
            if (translated is StoreUnavailableException unavailable && Swallow(unavailable))
            {
                return Unavailable<T>(null, key);
            }

            ExceptionDispatchInfo.Throw(translated ?? failure);
        }

        RedisAnswered();
        var read = Classify(stored, key, stamp, _memory is null ? NotRead : Now); // the clock only when it is needed
        if (read.Status == ReadStatus.Fresh)
        {
            return new CacheValue<T>(Accept<T>(null, key, read));
        }

        _counters.Miss();
        return default;
    }

    /// <summary>The answer to a plain read Redis did not answer within <see cref="CacheStoreOptions.RedisTimeout"/>.</summary>
    internal CacheValue<T> ReadTimedOut<T>(string key)
    {
        var timedOut = _redis!.TimedOut();
        if (Swallow(timedOut))
        {
            return Unavailable<T>(null, key);
        }

        throw timedOut;
    }

    private CacheValue<T> Unavailable<T>(string? ns, string key)
    {
        if (Fallback(ns, key) is { } kept)
        {
            _counters.FallbackHit();
            return new CacheValue<T>(FromMemory<T>(kept, key));
        }

        _counters.Miss();
        return default;
    }

    private async ValueTask<T?> GetThroughAsync<T>(string? ns, string key, CancellationToken cancellationToken)
        => (await ReadThroughAsync<T>(ns, key, cancellationToken).ConfigureAwait(false)).GetValueOrDefault();

    /// <summary>A read the memory tier could not answer: Redis, else a miss (or, while Redis is unreachable, memory's fallback).</summary>
    private async ValueTask<CacheValue<T>> ReadThroughAsync<T>(string? ns, string key, CancellationToken cancellationToken)
    {
        if (_memory is not null)
        {
            _counters.MemoryMiss();
        }

        if (_redis is null)
        {
            _counters.Miss();
            return default;
        }

        // ReadAsync inlined: the Redis read is the path whose cost is measured against a raw GET.
        var stamp = _memory?.ReadStamp(ns, key) ?? 0;
        StoredRead read;
        try
        {
            var stored = await _redis.GetAsync(ns, key, cancellationToken).ConfigureAwait(false);
            RedisAnswered();
            read = Classify(stored, key, stamp, Now);
        }
        catch (StoreUnavailableException ex) when (Swallow(ex))
        {
            read = new StoredRead(ReadStatus.Unavailable, default, default, stamp, 0);
        }

        switch (read.Status)
        {
            case ReadStatus.Fresh:
                return new CacheValue<T>(Accept<T>(ns, key, read));
            case ReadStatus.Unavailable when Fallback(ns, key) is { } kept:
                _counters.FallbackHit();
                return new CacheValue<T>(FromMemory<T>(kept, key));
            default:
                _counters.Miss();
                return default;
        }
    }

    /// <summary>Reads one key from Redis, telling a fresh value from a missing, expired fail-safe or unreachable one.</summary>
    private async ValueTask<StoredRead> ReadAsync(string? ns, string key, CancellationToken cancellationToken)
    {
        var stamp = _memory?.ReadStamp(ns, key) ?? 0;
        RedisValue stored;
        try
        {
            stored = await _redis!.GetAsync(ns, key, cancellationToken).ConfigureAwait(false);
            RedisAnswered();
        }
        catch (StoreUnavailableException ex) when (Swallow(ex))
        {
            return new StoredRead(ReadStatus.Unavailable, default, default, stamp, 0);
        }

        return Classify(stored, key, stamp, Now);
    }

    // A "now" not read from the clock: Classify reads it only for a fail-safe value, whose freshness depends on it.
    private const long NotRead = long.MinValue;

    private StoredRead Classify(RedisValue stored, string key, long stamp, long now)
    {
        if (stored.IsNull)
        {
            _counters.RedisMiss();
            return new StoredRead(ReadStatus.Missing, default, default, stamp, now);
        }

        if (!CacheEnvelope.TryUnwrap(stored, out var header, out var payload))
        {
            throw new StoreDataException(
                $"The Redis value of cache key '{key}' was not written by this cache. Something else writes under the cache's keys; delete that key or give the store its own RedisStores:KeyPrefix.");
        }

        if (header.FailSafe && (now == NotRead ? Now : now) > header.ExpiresAtMs)
        {
            _counters.RedisMiss();
            return new StoredRead(ReadStatus.Stale, payload, header, stamp, now);
        }

        _counters.RedisHit();
        return new StoredRead(ReadStatus.Fresh, payload, header, stamp, now);
    }

    /// <summary>Deserializes a fresh value read from Redis and keeps it in the memory cache.</summary>
    private T Accept<T>(string? ns, string key, StoredRead read)
    {
        var value = _inputs.Deserialize<T>(read.Payload.Span, key);
        Remember(ns, key, read.Payload, value, read.Header.ExpiresAtMs, read.Header.MemoryTtlMs, read.Header.FailSafe ? _failSafeMs : 0, read.Stamp, read.At);
        return value;
    }

    private void Remember<T>(string? ns, string key, ReadOnlyMemory<byte> payload, T value, long expiresAt, long memoryTtlMs, long failSafeMs, long stamp, long now)
        => _memory?.Set(ns, key, NewEntry(payload, value, expiresAt, memoryTtlMs, failSafeMs, stamp, now), now);

    private MemoryEntry NewEntry<T>(ReadOnlyMemory<byte> payload, T value, long expiresAt, long memoryTtlMs, long failSafeMs, long stamp, long now)
    {
        // In memory the tier is the cache: an entry is fresh for its whole TTL. As L1 it is fresh for its memory TTL.
        var freshUntil = _redis is null ? expiresAt : Math.Min(now + memoryTtlMs, expiresAt);
        var shared = SharedValues.CanShare<T>() ? (object?)value : null;
        return new MemoryEntry(payload, shared, shared is null ? null : typeof(T), freshUntil, expiresAt, expiresAt + failSafeMs, stamp);
    }

    // The instance is handed out only to readers of the type it was stored as: a reader of a wider type (object, an
    // interface) gets what the serializer makes of the bytes, as it would from Redis.
    /// <summary>
    /// What memory holds for a key, valid but past its memory TTL, for a read Redis could not answer. Looked up again
    /// now, so an invalidation that arrived while Redis was being waited for is honoured.
    /// </summary>
    private MemoryEntry? Fallback(string? ns, string key)
    {
        var now = Now;
        return _memory?.Find(ns, key, now) is { } entry && now <= entry.ExpiresAt ? entry : null;
    }

    private T FromMemory<T>(MemoryEntry entry, string key)
        => entry.SharedType == typeof(T) && entry.Shared is T shared ? shared : _inputs.Deserialize<T>(entry.Payload.Span, key);

    private void RedisAnswered()
    {
        if (Volatile.Read(ref _redisDown) == 1 && Interlocked.Exchange(ref _redisDown, 0) == 1)
        {
            Log.CacheRedisRecovered(_logger);
        }
    }

    /// <summary>Records a Redis failure; whether the cache answers without Redis (the default) rather than throwing.</summary>
    private bool Swallow(StoreUnavailableException ex)
    {
        RedisFailed(ex);
        return !ThrowOnRedisErrors;
    }

    private void RedisFailed(StoreUnavailableException ex)
    {
        _counters.RedisError();
        if (Interlocked.Exchange(ref _redisDown, 1) == 0)
        {
            Log.CacheRedisUnavailable(_logger, ex.Message);
        }
        else
        {
            Log.CacheRedisCallFailed(_logger, ex.Message);
        }
    }

    private enum ReadStatus
    {
        Missing,
        Fresh,
        Stale,
        Unavailable,
    }

    /// <summary>What Redis answered for a key, the memory tier's stamp before asking, and when the answer was judged (Unix ms).</summary>
    private readonly record struct StoredRead(ReadStatus Status, ReadOnlyMemory<byte> Payload, CacheEnvelopeHeader Header, long Stamp, long At);
}

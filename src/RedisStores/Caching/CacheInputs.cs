using RedisStores.DependencyInjection;
using RedisStores.Internal;
using RedisStores.Serialization;

namespace RedisStores.Caching;

/// <summary>
/// The cache's argument rules, resolved settings and serialization, shared by both implementations so that they
/// refuse and accept the same things with the same messages.
/// </summary>
internal sealed class CacheInputs
{
    internal const int MaxKeyLength = 512;
    internal const int MaxNamespaceLength = 256;
    internal static readonly TimeSpan MinTtl = TimeSpan.FromMilliseconds(1);

    private readonly IStoreSerializer _serializer;

    // The default serializer, called directly: a generic method called through the interface is resolved at run time
    // on every call.
    private readonly JsonStoreSerializer? _json;
    private readonly CacheEntrySettings _defaults;

    internal CacheInputs(RedisStoresOptions? options, IStoreSerializer? serializer)
    {
        Options = RedisStoresOptionsValidator.EnsureValid(options);
        Cache = Options.Cache;
        _serializer = serializer ?? JsonStoreSerializer.Default;
        _json = _serializer as JsonStoreSerializer;
        _defaults = Resolve(new CacheEntryOptions());
    }

    internal RedisStoresOptions Options { get; }

    internal CacheStoreOptions Cache { get; }

    internal static void ValidateKey(string key) => StoreId.Validate(key, nameof(key), "cache key", MaxKeyLength, allowColon: true);

    internal static void ValidateNamespace(string name) => StoreId.Validate(name, nameof(name), "cache namespace", MaxNamespaceLength, allowColon: true);

    /// <summary>Validates a batch of keys and drops duplicates, keeping the first-seen order.</summary>
    internal static string[] DistinctKeys(IEnumerable<string> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<string>();
        foreach (var key in keys)
        {
            ValidateKey(key);
            if (seen.Add(key))
            {
                result.Add(key);
            }
        }

        return [.. result];
    }

    internal CacheEntrySettings Resolve(CacheEntryOptions? options)
    {
        if (options is null)
        {
            return _defaults;
        }

        var ttl = options.Ttl ?? Cache.DefaultTtl ?? Options.DefaultTtl;
        var memoryTtl = options.MemoryCacheTtl ?? Cache.MemoryCacheTtl;
        EnsureRange(ttl, "Ttl", nameof(options));
        EnsureRange(memoryTtl, "MemoryCacheTtl", nameof(options));
        var failSafe = options.FailSafe ?? Cache.FailSafe;
        return new CacheEntrySettings(
            (long)Math.Ceiling(ttl.TotalMilliseconds),
            (long)Math.Ceiling(Math.Min(Math.Min(memoryTtl.TotalMilliseconds, ttl.TotalMilliseconds), int.MaxValue)), // the envelope holds it in 32 bits
            failSafe ? (long)Cache.FailSafeMaxDuration.TotalMilliseconds : 0,
            options.LockAcrossInstances ?? Cache.LockAcrossInstances);
    }

    internal byte[] Serialize<T>(T value, string key, bool forWrite)
    {
        byte[] bytes;
        try
        {
            bytes = _json is { } json ? json.Serialize(value) : _serializer.Serialize(value);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            throw new StoreSerializationException($"The value for cache key '{key}' (a {typeof(T).Name}) cannot be serialized: {ex.Message}", ex);
        }

        if (forWrite && bytes.Length > Cache.MaxValueBytes)
        {
            throw TooLarge(key, bytes.Length, nameof(value));
        }

        return bytes;
    }

    internal bool Fits(byte[] payload) => payload.Length <= Cache.MaxValueBytes;

    internal ArgumentException TooLarge(string key, int length, string paramName)
        => new($"The value for cache key '{key}' serializes to {length} bytes, over the limit of {Cache.MaxValueBytes} (RedisStores:Cache:MaxValueBytes). Cache a smaller projection, or raise the limit knowing that one large value holds up every command behind it on the shared connection.", paramName);

    internal T Deserialize<T>(ReadOnlySpan<byte> payload, string key)
    {
        try
        {
            return _json is { } json ? json.Deserialize<T>(payload) : _serializer.Deserialize<T>(payload);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            throw new StoreSerializationException(
                $"The cached value of key '{key}' cannot be read as {typeof(T).Name}: {ex.Message}. If the type changed since the value was cached, remove the key or invalidate its namespace.", ex);
        }
    }

    private static void EnsureRange(TimeSpan value, string name, string paramName)
    {
        if (value < MinTtl || value > Tasks.TaskInputs.MaxTtl)
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"CacheEntryOptions.{name} must be between {MinTtl} and {Tasks.TaskInputs.MaxTtl}.");
        }
    }
}

/// <summary>One write's settings with every default applied, in milliseconds.</summary>
/// <param name="TtlMs">How long the value is fresh.</param>
/// <param name="MemoryTtlMs">How long the memory cache serves it (never above <paramref name="TtlMs"/>).</param>
/// <param name="FailSafeMs">How long it is kept past <paramref name="TtlMs"/> for a failing factory; 0 when fail-safe is off.</param>
/// <param name="LockAcrossInstances">Whether get-or-set takes a distributed lock around its factory.</param>
internal readonly record struct CacheEntrySettings(long TtlMs, long MemoryTtlMs, long FailSafeMs, bool LockAcrossInstances);

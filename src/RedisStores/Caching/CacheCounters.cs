namespace RedisStores.Caching;

/// <summary>The counters behind <see cref="CacheStats"/>, shared by a store and its namespace views.</summary>
/// <remarks>
/// The counters of reads, which every call writes, are striped by processor: concurrent hits on different cores
/// write different cache lines instead of taking turns on one.
/// </remarks>
internal sealed class CacheCounters
{
    private readonly StripedCount _memoryHits = new();
    private readonly StripedCount _memoryMisses = new();
    private readonly StripedCount _redisHits = new();
    private readonly StripedCount _redisMisses = new();
    private long _fallbackHits;
    private long _misses;
    private long _sets;
    private long _removes;
    private long _namespaceInvalidations;
    private long _evictions;
    private long _factoryRuns;
    private long _failSafeUses;
    private long _redisErrors;
    private long _invalidationsReceived;
    private long _memoryClears;

    // One shared write per hit: total hits are the tiers' hits plus the fallback ones, added up in Snapshot.
    internal void MemoryHit() => _memoryHits.Increment();

    internal void MemoryMiss() => _memoryMisses.Increment();

    internal void RedisHit() => _redisHits.Increment();

    internal void RedisMiss() => _redisMisses.Increment();

    /// <summary>A key found without Redis answering: from memory while Redis is unreachable.</summary>
    internal void FallbackHit() => Interlocked.Increment(ref _fallbackHits);

    internal void Miss() => Interlocked.Increment(ref _misses);

    internal void Set(int count = 1) => Interlocked.Add(ref _sets, count);

    internal void Remove() => Interlocked.Increment(ref _removes);

    internal void NamespaceInvalidated() => Interlocked.Increment(ref _namespaceInvalidations);

    internal void Evicted(int count) => Interlocked.Add(ref _evictions, count);

    internal void FactoryRan() => Interlocked.Increment(ref _factoryRuns);

    internal void FailSafeUsed() => Interlocked.Increment(ref _failSafeUses);

    internal void RedisError() => Interlocked.Increment(ref _redisErrors);

    internal void InvalidationReceived() => Interlocked.Increment(ref _invalidationsReceived);

    internal void MemoryCleared() => Interlocked.Increment(ref _memoryClears);

    internal CacheStats Snapshot(int memoryCount, int memoryCapacity)
    {
        var memoryHits = _memoryHits.Sum();
        var redisHits = _redisHits.Sum();
        return new()
        {
            MemoryHits = memoryHits,
            MemoryMisses = _memoryMisses.Sum(),
            RedisHits = redisHits,
            RedisMisses = _redisMisses.Sum(),
            Hits = memoryHits + redisHits + Interlocked.Read(ref _fallbackHits),
            Misses = Interlocked.Read(ref _misses),
            Sets = Interlocked.Read(ref _sets),
            Removes = Interlocked.Read(ref _removes),
            NamespaceInvalidations = Interlocked.Read(ref _namespaceInvalidations),
            Evictions = Interlocked.Read(ref _evictions),
            FactoryRuns = Interlocked.Read(ref _factoryRuns),
            FailSafeUses = Interlocked.Read(ref _failSafeUses),
            RedisErrors = Interlocked.Read(ref _redisErrors),
            InvalidationsReceived = Interlocked.Read(ref _invalidationsReceived),
            MemoryCacheClears = Interlocked.Read(ref _memoryClears),
            MemoryCacheCount = memoryCount,
            MemoryCacheCapacity = memoryCapacity,
        };
    }
}

/// <summary>A count written on many cores at once: one cell per processor stripe, each on a cache line of its own, summed when read.</summary>
internal sealed class StripedCount
{
    // 128 bytes between cells: adjacent-line prefetching pairs 64-byte lines.
    private const int Stride = 16;
    private static readonly int s_mask = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount, 1, 64)) - 1;
    private readonly long[] _cells = new long[(s_mask + 1) * Stride];

    internal void Increment() => Interlocked.Increment(ref _cells[(Thread.GetCurrentProcessorId() & s_mask) * Stride]);

    internal long Sum()
    {
        long sum = 0;
        for (var i = 0; i < _cells.Length; i += Stride)
        {
            sum += Interlocked.Read(ref _cells[i]);
        }

        return sum;
    }
}

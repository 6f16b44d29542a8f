namespace RedisStores.Caching;

/// <summary>The counters behind <see cref="CacheStats"/>, shared by a store and its namespace views.</summary>
internal sealed class CacheCounters
{
    private long _memoryHits;
    private long _memoryMisses;
    private long _redisHits;
    private long _redisMisses;
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
    internal void MemoryHit() => Interlocked.Increment(ref _memoryHits);

    internal void MemoryMiss() => Interlocked.Increment(ref _memoryMisses);

    internal void RedisHit() => Interlocked.Increment(ref _redisHits);

    internal void RedisMiss() => Interlocked.Increment(ref _redisMisses);

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
        var memoryHits = Interlocked.Read(ref _memoryHits);
        var redisHits = Interlocked.Read(ref _redisHits);
        return new()
        {
            MemoryHits = memoryHits,
            MemoryMisses = Interlocked.Read(ref _memoryMisses),
            RedisHits = redisHits,
            RedisMisses = Interlocked.Read(ref _redisMisses),
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

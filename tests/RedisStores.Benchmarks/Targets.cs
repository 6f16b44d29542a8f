namespace RedisStores.Benchmarks;

/// <summary>
/// One of the speed targets RedisStores holds itself to: a ratio (or a latency) computed from each pass separately,
/// reported as the median over the passes.
/// </summary>
internal sealed record Target(string Name, string Required, double Limit, bool AtLeast, Func<RunResults, double> Measure, string Unit = "×")
{
    public double MedianOver(IReadOnlyList<RunResults> passes) => Suite.Median(passes.Select(Measure));

    public bool IsMet(double value) => !double.IsNaN(value) && (AtLeast ? value >= Limit : value <= Limit);

    /// <summary>How far past the requirement a value is: 1 is exactly the requirement, above 1 is met.</summary>
    public double Progress(double value) => AtLeast ? value / Limit : Limit / value;
}

/// <summary>The targets, by the row names the groups measure.</summary>
internal static class Targets
{
    public const string CacheRedisGet = "cache get from Redis (no L1)";
    public const string RawGet = "raw GET (anchor)";
    public const string RedisCacheGet = "RedisCache get string (anchor)";
    public const string RedisCacheGetSliding = "RedisCache get string, sliding expiry (anchor)";
    public const string RedisCacheSet = "RedisCache set string, absolute expiry (anchor)";
    public const string HybridCacheL1Hit = "HybridCache get-or-create hit, L1 (anchor)";
    public const string HybridCacheRedisGet = "HybridCache get-or-create from Redis, L1 skipped (anchor)";
    public const string HybridCacheSet = "HybridCache set (anchor)";
    public const string FusionCacheL1Hit = "FusionCache try-get hit, L1 (anchor)";
    public const string FusionCacheRedisGet = "FusionCache try-get from Redis, L1 skipped (anchor)";
    public const string FusionCacheSet = "FusionCache set (anchor)";
    public const string CacheL1Get = "cache get, memory hit (L1)";
    public const string CacheSet = "cache set (L1 on)";
    public const string CacheGetMany = "cache get-many 100 keys (no L1)";
    public const string LockCycle = "lock acquire+release (uncontended)";
    public const string LockCycleNoExtension = "lock acquire+release (uncontended, AutoExtend off)";
    public const string DistributedLockCycle = "DistributedLock.Redis acquire+release, uncontended (anchor)";
    public const string RedLockCycle = "RedLock.net acquire+release, uncontended (anchor)";
    public const string RawLockCycle = "raw SET NX PX + compare-DEL (anchor)";
    public const string LockHandOff = "lock hand-off among 8 polite contenders";
    public const string LockHandOffNoPolling = "lock hand-off among 8 polite contenders, polling off";
    public const string DistributedLockHandOff = "DistributedLock.Redis hand-off among 8 (anchor)";
    public const string RedLockHandOff = "RedLock.net hand-off among 8 (anchor)";
    public const string WorkerJob = "worker enqueue + lease + ack";
    public const string RawWorkerJob = "raw LPUSH + LMOVE + LREM pipelined (anchor)";
    public const string L1Hit = "L1 hit: RedisStores";
    public const string HybridL1Hit = "L1 hit: HybridCache";

    /// <summary>For each of our rows, the anchor rows doing the same job (at the same concurrency), for the ratio columns.</summary>
    public static IReadOnlyDictionary<string, string[]> Anchors { get; } = new Dictionary<string, string[]>
    {
        ["task create"] = ["raw HSET+PEXPIRE+ZADD (anchor)"],
        ["task get"] = ["raw HGETALL (anchor)"],
        [CacheRedisGet] = [RawGet, RedisCacheGet, RedisCacheGetSliding, HybridCacheRedisGet, FusionCacheRedisGet],
        [CacheL1Get] = [HybridCacheL1Hit, FusionCacheL1Hit],
        [CacheSet] = ["raw SET PX + PUBLISH, pipelined (anchor)", "raw SET PX (anchor)", RedisCacheSet, HybridCacheSet, FusionCacheSet],
        [CacheGetMany] = ["raw MGET 100 keys (anchor)"],
        [LockCycle] = [DistributedLockCycle, RedLockCycle, RawLockCycle],
        [LockCycleNoExtension] = [DistributedLockCycle, RedLockCycle, RawLockCycle],
        [LockHandOff] = [DistributedLockHandOff, RedLockHandOff],
        [LockHandOffNoPolling] = [DistributedLockHandOff, RedLockHandOff],
        [WorkerJob] = [RawWorkerJob],
        ["worker enqueue + lease + ack, as three calls (EnqueueAsync, LeaseAsync, AckAsync)"] = [RawWorkerJob],
        ["worker enqueue + lease + ack, enqueue and ack-and-lease-next pipelined"] = [RawWorkerJob],
        ["bus publish → receive (2 connections)"] = ["raw PUBLISH → ChannelMessageQueue (anchor)"],
    };

    public static IReadOnlyList<Target> All { get; } =
    [
        new("cache get from Redis, c64, ops/s vs raw GET", "≥ 0.9×", 0.9, true, r => Ops(r, CacheRedisGet, 64) / Ops(r, RawGet, 64)),
        new("cache get from Redis, c64, ops/s vs RedisCache", "≥ 1.5×", 1.5, true, r => Ops(r, CacheRedisGet, 64) / Ops(r, RedisCacheGet, 64)),
        new("cache get from Redis, c64, ops/s vs RedisCache with sliding expiry (HMGET + EXPIRE)", "≥ 1.5×", 1.5, true, r => Ops(r, CacheRedisGet, 64) / Ops(r, RedisCacheGetSliding, 64)),
        new("cache get from Redis, c64, bytes/op vs RedisCache", "≤ 1×", 1.0, false, r => Bytes(r, CacheRedisGet, 64) / Bytes(r, RedisCacheGet, 64)),
        new("L1 hit, time vs HybridCache", "≤ 1×", 1.0, false, r => Value(r, L1Hit + " ns") / Value(r, HybridL1Hit + " ns")),
        new("L1 hit, bytes vs HybridCache", "≤ HybridCache's", 0, false, r => Value(r, L1Hit + " B") - Value(r, HybridL1Hit + " B"), " B more"),
        new("lock acquire+release, c64, ops/s vs DistributedLock.Redis", "≥ 1.5×", 1.5, true, r => Ops(r, LockCycle, 64) / Ops(r, DistributedLockCycle, 64)),
        new("lock acquire+release, c64, bytes/op vs DistributedLock.Redis", "< 0.25×", 0.25, false, r => Bytes(r, LockCycle, 64) / Bytes(r, DistributedLockCycle, 64)),
        new("lock hand-off among 8, acquisitions/s vs DistributedLock.Redis", "≥ 50×", 50, true, r => Ops(r, LockHandOff, 8) / Ops(r, DistributedLockHandOff, 8)),
        new("lock hand-off among 8, p50 hand-off latency", "< 1,000 µs", 1000, false, r => Find(r, LockHandOff, 8)?.P50Micros ?? double.NaN, " µs"),
        new("lock hand-off among 8, polling off, p50 hand-off latency", "< 1,000 µs", 1000, false, r => Find(r, LockHandOffNoPolling, 8)?.P50Micros ?? double.NaN, " µs"),
        new("task list with 1M unrelated keys vs none", "≤ 1.2×", 1.2, false, r => Scaling(r, 1_000, true).ListMicros / Scaling(r, 1_000, false).ListMicros),
        new("task stats, 100k tasks vs 1k", "≤ 2×", 2.0, false, r => Scaling(r, 100_000, false).StatsMicros / Scaling(r, 1_000, false).StatsMicros),
        new("worker enqueue + lease + ack, 8 workers, vs raw list pipeline", "≥ 0.5×", 0.5, true, r => Ops(r, WorkerJob, 8) / Ops(r, RawWorkerJob, 8)),
    ];

    private static Row? Find(RunResults r, string operation, int concurrency) => r.Find(operation, concurrency);

    private static double Ops(RunResults r, string operation, int concurrency) => Find(r, operation, concurrency)?.OpsPerSecond ?? double.NaN;

    private static double Bytes(RunResults r, string operation, int concurrency) => Find(r, operation, concurrency)?.BytesPerOp ?? double.NaN;

    private static double Value(RunResults r, string name) => r.Values.TryGetValue(name, out var value) ? value : double.NaN;

    private static ScalingRow Scaling(RunResults r, int tasks, bool unrelated) =>
        r.Scaling.FirstOrDefault(s => s.Tasks == tasks && (s.UnrelatedKeys > 0) == unrelated)
        ?? new ScalingRow(tasks, 0, 0, double.NaN, double.NaN);
}

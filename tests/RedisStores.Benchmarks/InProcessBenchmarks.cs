using System.Text.Json;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.DependencyInjection;
using RedisStores.Caching;
using RedisStores.Serialization;
using RedisStores.Tasks;
using StackExchange.Redis;
using ZiggyCreatures.Caching.Fusion;

namespace RedisStores.Benchmarks;

#pragma warning disable CA1822 // BenchmarkDotNet runs instance methods
#pragma warning disable CA1859 // the serializer is called through the interface, as the stores call it

// BenchmarkDotNet benchmarks of the paths that never leave the process (no Redis), run on their own with
//   dotnet run -c Release --project tests/RedisStores.Benchmarks -- --inprocess --filter '*'
// in the short jobs of ShortInProcessConfig (3 warm-ups, 7 measured iterations of ~150 ms, in the benchmark process
// itself: the whole set in about a minute and a half, with no build of a second project), or with the load driver's
// passes (--only inprocess), in InProcessSuite's jobs. The L1 rows' descriptions are the names the targets read.

/// <summary>The jobs of <c>--inprocess</c>: short and in this process, the whole set in under two minutes.</summary>
public sealed class ShortInProcessConfig : ManualConfig
{
    /// <summary>One job for every benchmark class of this file.</summary>
    public ShortInProcessConfig()
    {
        var defaults = DefaultConfig.Instance;
        AddLogger([.. defaults.GetLoggers()]);
        AddColumnProvider([.. defaults.GetColumnProviders()]);
        AddExporter([.. defaults.GetExporters()]);
        AddAnalyser([.. defaults.GetAnalysers()]);
        AddValidator([.. defaults.GetValidators()]);
        AddDiagnoser(BenchmarkDotNet.Diagnosers.MemoryDiagnoser.Default);
        WithArtifactsPath(Path.Combine(Path.GetTempPath(), "redisstores-benchmarkdotnet"));
        AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(3)
            .WithIterationCount(7)
            .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(150))
            .WithId("short-inproc"));
    }
}

/// <summary>
/// A memory (L1) hit of a 100-character string: ours, HybridCache's L1 hit (GetOrCreateAsync on a key it holds) and
/// FusionCache's. Ours is the in-memory store, which answers through the same CacheEngine.GetAsync and MemoryTier.Find
/// as the Redis store's L1. Every ValueTask here completes synchronously and is read without awaiting, as a caller's
/// await of a completed ValueTask does.
/// </summary>
[MemoryDiagnoser]
public class L1HitBenchmarks
{
    private const string Key = "user:42:profile";
    private static readonly CacheEntryOptions Entry = new() { Ttl = TimeSpan.FromHours(1) };
    private static readonly Func<CancellationToken, ValueTask<string>> OurFactory = _ => throw new InvalidOperationException("The factory ran on a hit.");
    private static readonly Func<string, CancellationToken, ValueTask<string>> HybridFactory = (_, _) => throw new InvalidOperationException("The factory ran on a hit.");

    private InMemoryCacheStore _ours = null!;
    private ServiceProvider _services = null!;
    private HybridCache _hybrid = null!;
    private FusionCache _fusion = null!;

    /// <summary>Each cache holds the key.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _ours = new InMemoryCacheStore(new RedisStoresOptions { Cache = { MemoryCacheSize = 10_000 } });
        _ours.SetAsync(Key, CacheBenchmarks.Value, Entry).AsTask().GetAwaiter().GetResult();

        var services = new ServiceCollection();
        services.AddHybridCache(o => o.DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = TimeSpan.FromHours(1), LocalCacheExpiration = TimeSpan.FromHours(1) });
        _services = services.BuildServiceProvider();
        _hybrid = _services.GetRequiredService<HybridCache>();
        _hybrid.SetAsync(Key, CacheBenchmarks.Value).AsTask().GetAwaiter().GetResult();

        _fusion = new FusionCache(new FusionCacheOptions { DefaultEntryOptions = new FusionCacheEntryOptions { Duration = TimeSpan.FromHours(1) } });
        _fusion.Set(Key, CacheBenchmarks.Value);

        if (Ours_GetAsync() is null || Ours_TryGetAsync() is null || Ours_GetOrSetAsync() is null || HybridCache_GetOrCreateAsync() is null
            || FusionCache_TryGet() is null || FusionCache_GetOrDefault() is null || FusionCache_TryGetAsync() is null)
        {
            throw new InvalidOperationException("A cache did not hold the benchmark's key.");
        }
    }

    /// <summary>Disposes what the setup made.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _fusion.Dispose();
        _services.Dispose();
    }

    /// <summary>Ours: GetAsync of a held key.</summary>
    [Benchmark(Baseline = true, Description = Targets.L1Hit)]
    public string? Ours_GetAsync() => Sync(_ours.GetAsync<string>(Key));

    /// <summary>Ours: TryGetAsync of a held key.</summary>
    [Benchmark]
    public string? Ours_TryGetAsync() => Sync(_ours.TryGetAsync<string>(Key)).GetValueOrDefault();

    /// <summary>Ours: GetOrSetAsync of a held key, the same call shape as HybridCache's GetOrCreateAsync.</summary>
    [Benchmark]
    public string? Ours_GetOrSetAsync() => Sync(_ours.GetOrSetAsync(Key, OurFactory, Entry));

    /// <summary>HybridCache: GetOrCreateAsync of a key its L1 holds, with a static factory (no closure).</summary>
    [Benchmark(Description = Targets.HybridL1Hit)]
    public string? HybridCache_GetOrCreateAsync() => Sync(_hybrid.GetOrCreateAsync(Key, Key, HybridFactory));

    /// <summary>FusionCache: TryGet of a held key.</summary>
    [Benchmark]
    public string? FusionCache_TryGet() => _fusion.TryGet<string>(Key).GetValueOrDefault(null!);

    /// <summary>FusionCache: GetOrDefault of a held key.</summary>
    [Benchmark]
    public string? FusionCache_GetOrDefault() => _fusion.GetOrDefault<string>(Key);

    /// <summary>FusionCache: TryGetAsync of a held key.</summary>
    [Benchmark]
    public string? FusionCache_TryGetAsync() => Sync(_fusion.TryGetAsync<string>(Key)).GetValueOrDefault(null!);

    private static T Sync<T>(ValueTask<T> pending) => pending.IsCompletedSuccessfully ? pending.Result : pending.AsTask().GetAwaiter().GetResult();
}

/// <summary>A small record and a 100-character string written to bytes and read back: our serializer against System.Text.Json called directly.</summary>
[MemoryDiagnoser]
public class SerializationBenchmarks
{
    private static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web);
    private static readonly Profile Record = new("ada", 42, "en-GB", ["reader", "editor"]);
    private readonly IStoreSerializer _ours = JsonStoreSerializer.Default; // called as the cache calls it, through the interface

    /// <summary>Ours: a record to bytes and back.</summary>
    [Benchmark(Baseline = true)]
    public Profile Ours_Record() => _ours.Deserialize<Profile>(_ours.Serialize(Record));

    /// <summary>System.Text.Json with the same (web) options: a record to bytes and back.</summary>
    [Benchmark]
    public Profile Stj_Record() => JsonSerializer.Deserialize<Profile>(JsonSerializer.SerializeToUtf8Bytes(Record, Web), Web)!;

    /// <summary>Ours: a string to bytes and back.</summary>
    [Benchmark]
    public string Ours_String() => _ours.Deserialize<string>(_ours.Serialize(CacheBenchmarks.Value));

    /// <summary>System.Text.Json: a string to bytes and back.</summary>
    [Benchmark]
    public string Stj_String() => JsonSerializer.Deserialize<string>(JsonSerializer.SerializeToUtf8Bytes(CacheBenchmarks.Value, Web), Web)!;

    /// <summary>Ours, as the cache stores it: serialized, wrapped in the stored value's header, unwrapped and read back.</summary>
    [Benchmark]
    public string Ours_String_CacheEnvelope()
    {
        var stored = CacheEnvelope.Wrap(_ours.Serialize(CacheBenchmarks.Value), 0, 1000, failSafe: false);
        return CacheEnvelope.TryUnwrap(stored, out _, out var payload) ? _ours.Deserialize<string>(payload.Span) : throw new InvalidOperationException();
    }

    /// <summary>A small record, as a cache or a task result would hold.</summary>
    /// <param name="Name">A name.</param>
    /// <param name="Visits">A count.</param>
    /// <param name="Locale">A locale.</param>
    /// <param name="Roles">A short list.</param>
    public sealed record Profile(string Name, int Visits, string Locale, string[] Roles);
}

/// <summary>Building the Redis key of a cache entry and of a task: ours against a string concatenation.</summary>
[MemoryDiagnoser]
public class KeyBuildingBenchmarks
{
    // Fields, not constants: the compiler would join constant strings itself.
    private readonly string _prefix = "redisstores:";
    private readonly string _cacheKey = "user:42:profile";
    private readonly string _taskId = "0f8fad5bd9cb469fa16570867728950e";
    private readonly string _namespace = "tenant-7";
    private readonly CacheKeys _cacheKeys = new("redisstores:");
    private readonly TaskKeys _taskKeys = new("redisstores:");

    /// <summary>Ours: a plain cache entry's key, the prefix kept as bytes inside the RedisKey (nothing copied).</summary>
    [Benchmark(Baseline = true)]
    public RedisKey Ours_CacheEntry() => _cacheKeys.Entry(null, _cacheKey);

    /// <summary>A string concatenation of the same key.</summary>
    [Benchmark]
    public RedisKey Concat_CacheEntry() => _prefix + "cache:k:" + _cacheKey;

    /// <summary>A string concatenation of a namespaced entry's key.</summary>
    [Benchmark]
    public RedisKey Concat_CacheEntryInNamespace() => _prefix + "cache:n:{" + _namespace + "}:k:" + _cacheKey;

    /// <summary>Ours: a namespaced cache entry's key.</summary>
    [Benchmark]
    public RedisKey Ours_CacheEntryInNamespace() => _cacheKeys.Entry(_namespace, _cacheKey);

    /// <summary>Ours: a task's key.</summary>
    [Benchmark]
    public RedisKey Ours_Task() => _taskKeys.Task(_taskId);

    /// <summary>A string concatenation of the same task key.</summary>
    [Benchmark]
    public RedisKey Concat_Task() => _prefix + "{tasks}:t:" + _taskId;

    /// <summary>Ours: the keys of a single-task write (the indexes and the task).</summary>
    [Benchmark]
    public RedisKey[] Ours_TaskWriteKeys() => _taskKeys.IndexesAndTask(_taskId);
}

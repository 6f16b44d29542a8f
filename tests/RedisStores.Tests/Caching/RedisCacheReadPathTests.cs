using System.Diagnostics;
using RedisStores.Caching;
using RedisStores.Tests.Infrastructure;
using StackExchange.Redis;

namespace RedisStores.Tests.Caching;

/// <summary>
/// The read of a plain key from Redis (a memory miss, or a store without memory cache): answered through pooled read
/// objects, with deadlines checked by a sweep. Each reader must get its own key's value whatever else is in flight, and a
/// read that Redis does not answer ends at its timeout or its cancellation, and leaves nothing behind for the next.
/// </summary>
public sealed class RedisCacheReadPathTests(RedisEnvironment redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<IConnectionMultiplexer> ConnectAsync(string endPoint, int commandTimeoutMs = 30_000)
    {
        var configuration = ConfigurationOptions.Parse(endPoint);
        configuration.AsyncTimeout = commandTimeoutMs; // only the cache's own timeout can end a read in time
        configuration.SyncTimeout = commandTimeoutMs;
        return await ConnectionMultiplexer.ConnectAsync(configuration);
    }

    [Fact]
    public async Task Concurrent_reads_of_many_keys_and_types_each_get_their_own_value()
    {
        await using var connection = await redis.Standalone.ConnectAnotherAsync();
        await using var cache = new RedisCacheStore(connection, new RedisStoresOptions { KeyPrefix = RedisEnvironment.UniquePrefix(), Cache = { MemoryCache = false } });
        await cache.SetManyAsync(Enumerable.Range(0, 100).Select(i => KeyValuePair.Create($"s{i}", $"value of s{i}")), cancellationToken: Ct);
        await cache.SetManyAsync(Enumerable.Range(0, 100).Select(i => KeyValuePair.Create($"n{i}", i * 7)), cancellationToken: Ct);
        using var live = CancellationTokenSource.CreateLinkedTokenSource(Ct); // a token that can be cancelled, never is

        var failures = 0;
        await Task.WhenAll(Enumerable.Range(0, 32).Select(worker => Task.Run(async () =>
        {
            for (var i = 0; i < 200; i++)
            {
                var k = (worker * 31 + i) % 100;
                var token = i % 3 == 0 ? live.Token : CancellationToken.None;
                var ok = (i % 4) switch
                {
                    0 => await cache.GetAsync<string>($"s{k}", token) == $"value of s{k}",
                    1 => (await cache.TryGetAsync<string>($"s{k}", token)).GetValueOrDefault() == $"value of s{k}",
                    2 => await cache.GetAsync<int>($"n{k}", token) == k * 7,
                    _ => !(await cache.TryGetAsync<int>($"missing{k}", token)).HasValue,
                };
                if (!ok)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        }, Ct)));

        Assert.Equal(0, failures);
        var stats = cache.GetStats();
        Assert.Equal(32 * 200 / 4 * 3, stats.RedisHits);
        Assert.Equal(32 * 200 / 4, stats.Misses);
    }

    [Fact]
    public async Task A_caller_that_blocks_on_a_read_in_flight_waits_for_its_answer()
    {
        await using var server = await redis.StartOwnServerAsync();
        await using var connection = await ConnectAsync(server.EndPoint);
        await using var admin = await ConnectAsync(server.EndPoint);
        await using var cache = new RedisCacheStore(connection, new RedisStoresOptions { KeyPrefix = RedisEnvironment.UniquePrefix(), Cache = { MemoryCache = false, RedisTimeout = TimeSpan.FromSeconds(10) } });
        await cache.SetAsync("k", "v", cancellationToken: Ct);
        Assert.Equal("v", await cache.GetAsync<string>("k", Ct));

        await admin.GetServers().Single().ExecuteAsync("CLIENT", "PAUSE", "300", "ALL");
        var (get, tryGet) = await Task.Run(() =>
        {
            var pending = cache.GetAsync<string>("k", Ct);
            var pendingTry = cache.TryGetAsync<string>("k", Ct);
            Assert.False(pending.IsCompleted); // the pause holds the answer
#pragma warning disable xUnit1031, CA2012 // blocking on purpose: the answer must come, not an exception
            return (pending.GetAwaiter().GetResult(), pendingTry.GetAwaiter().GetResult());
#pragma warning restore xUnit1031, CA2012
        }, Ct);

        Assert.Equal("v", get);
        Assert.Equal("v", tryGet.Value);
    }

    [Fact]
    public async Task A_read_redis_does_not_answer_ends_at_the_timeout_and_its_late_answer_is_dropped()
    {
        await using var server = await redis.StartOwnServerAsync();
        await using var connection = await ConnectAsync(server.EndPoint);
        await using var admin = await ConnectAsync(server.EndPoint);
        var options = new RedisStoresOptions { KeyPrefix = RedisEnvironment.UniquePrefix(), Cache = { MemoryCache = false, RedisTimeout = TimeSpan.FromMilliseconds(200) } };
        await using var cache = new RedisCacheStore(connection, options);
        await using var strict = new RedisCacheStore(connection, new RedisStoresOptions { KeyPrefix = options.KeyPrefix, Cache = { MemoryCache = false, RedisTimeout = TimeSpan.FromMilliseconds(200), ThrowOnRedisErrors = true } });
        await cache.SetManyAsync(Enumerable.Range(0, 20).Select(i => KeyValuePair.Create($"k{i}", $"v{i}")), cancellationToken: Ct);
        Assert.Equal("v0", await cache.GetAsync<string>("k0", Ct));
        Assert.Equal("v0", await strict.GetAsync<string>("k0", Ct));

        await admin.GetServers().Single().ExecuteAsync("CLIENT", "PAUSE", "1500", "ALL");
        var errors = cache.GetStats().RedisErrors;
        var clock = Stopwatch.StartNew();
        var reads = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => cache.GetAsync<string>($"k{i}", Ct).AsTask()));
        var elapsed = clock.Elapsed;
        Assert.All(reads, Assert.Null); // a miss, not an exception
        Assert.InRange(elapsed, TimeSpan.FromMilliseconds(150), TimeSpan.FromMilliseconds(1200));
        Assert.Equal(errors + 20, cache.GetStats().RedisErrors);
        Assert.False((await cache.TryGetAsync<string>("k1", Ct)).HasValue);
        var thrown = await Assert.ThrowsAsync<StoreUnavailableException>(() => strict.GetAsync<string>("k2", Ct).AsTask());
        Assert.Contains("within 200 ms", thrown.Message, StringComparison.Ordinal);

        // Once the pause is over the late answers arrive, for reads already answered; the next reads get their own.
        await Task.Delay(1500, Ct);
        for (var round = 0; round < 3; round++)
        {
            var again = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => cache.GetAsync<string>($"k{i}", Ct).AsTask()));
            Assert.Equal(Enumerable.Range(0, 20).Select(i => $"v{i}"), again);
        }
    }

    [Fact]
    public async Task Cancelling_a_read_in_flight_ends_it_at_once()
    {
        await using var server = await redis.StartOwnServerAsync();
        await using var connection = await ConnectAsync(server.EndPoint);
        await using var admin = await ConnectAsync(server.EndPoint);
        await using var cache = new RedisCacheStore(connection, new RedisStoresOptions { KeyPrefix = RedisEnvironment.UniquePrefix(), Cache = { MemoryCache = false, RedisTimeout = TimeSpan.FromSeconds(10) } });
        await cache.SetAsync("k", "v", cancellationToken: Ct);
        Assert.Equal("v", await cache.GetAsync<string>("k", Ct));

        await admin.GetServers().Single().ExecuteAsync("CLIENT", "PAUSE", "1500", "ALL");
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var read = cache.GetAsync<string>("k", cancellation.Token).AsTask();
        var tryRead = cache.TryGetAsync<string>("k", cancellation.Token).AsTask();
        await Task.Delay(100, Ct);
        Assert.False(read.IsCompleted);
        var clock = Stopwatch.StartNew();
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => tryRead);
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(1000), $"cancelled after {clock.Elapsed.TotalMilliseconds:0} ms");

        await Task.Delay(1500, Ct);
        Assert.Equal("v", await cache.GetAsync<string>("k", Ct));
        Assert.Equal(0, cache.GetStats().RedisErrors);
    }

    [Fact]
    public async Task A_timeout_shorter_than_the_deadline_sweep_still_bounds_each_read()
    {
        await using var server = await redis.StartOwnServerAsync();
        await using var connection = await ConnectAsync(server.EndPoint);
        await using var admin = await ConnectAsync(server.EndPoint);
        await using var cache = new RedisCacheStore(connection, new RedisStoresOptions { KeyPrefix = RedisEnvironment.UniquePrefix(), Cache = { MemoryCache = false, RedisTimeout = TimeSpan.FromMilliseconds(30) } });
        await cache.SetAsync("k", "v", cancellationToken: Ct);
        Assert.Equal("v", await cache.GetAsync<string>("k", Ct));

        await admin.GetServers().Single().ExecuteAsync("CLIENT", "PAUSE", "1000", "ALL");
        var clock = Stopwatch.StartNew();
        Assert.Null(await cache.GetAsync<string>("k", Ct));
        Assert.True(clock.Elapsed < TimeSpan.FromMilliseconds(600), $"answered after {clock.Elapsed.TotalMilliseconds:0} ms");
        await CacheTestSupport.WaitUntilAsync(async () => await cache.GetAsync<string>("k", Ct) == "v", "a read is answered in time again"); // 30 ms is tight on a busy machine
    }
}

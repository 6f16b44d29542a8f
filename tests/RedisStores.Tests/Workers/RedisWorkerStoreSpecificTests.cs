using RedisStores.Tests.Infrastructure;
using RedisStores.Workers;
using StackExchange.Redis;
using StackExchange.Redis.Profiling;

namespace RedisStores.Tests.Workers;

/// <summary>What only the Redis worker store can show: keys, expiry instants, round trips, foreign data.</summary>
public sealed class RedisWorkerStoreSpecificTests(RedisEnvironment redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (RedisWorkerStore Store, string Prefix) NewStore(IConnectionMultiplexer connection, Action<RedisStoresOptions>? configure = null)
    {
        var options = new RedisStoresOptions { KeyPrefix = RedisEnvironment.UniquePrefix() };
        configure?.Invoke(options);
        return (new RedisWorkerStore(connection, options), options.KeyPrefix);
    }

    [Theory]
    [InlineData(RedisTopology.Standalone)]
    [InlineData(RedisTopology.Cluster)]
    public async Task Every_single_execution_operation_is_one_script_and_at_most_one_pipelined_index_command(RedisTopology topology)
    {
        await using var connection = await redis.Get(topology).ConnectAnotherAsync();
        var (store, _) = NewStore(connection);
        var session = new ProfilingSession();
        connection.RegisterProfiler(() => session);
        var ops = new (string Name, Func<Task> Run, string? Index)[]
        {
            ("start", () => store.StartExecutionAsync("e", cancellationToken: Ct).AsTask(), "ZADD"),
            ("start step", () => store.StartStepAsync("e", "s", Ct).AsTask(), null),
            ("complete step", () => store.CompleteStepAsync("e", "s", 1, Ct).AsTask(), null),
            ("get step", () => store.GetStepResultAsync<int>("e", "s", Ct).AsTask(), null),
            ("list steps", () => store.ListStepsAsync("e", Ct).AsTask(), null),
            ("get", () => store.GetExecutionAsync("e", Ct).AsTask(), null),
            ("complete", () => store.CompleteExecutionAsync("e", Ct).AsTask(), "ZREM"),
            ("fail", () => store.FailExecutionAsync("e", "x", Ct).AsTask(), "ZREM"),
        };
        foreach (var (_, run, _) in ops)
        {
            await run();
        }

        foreach (var (name, run, index) in ops)
        {
            session.FinishProfiling();
            await run();
            var commands = session.FinishProfiling().Select(c => c.Command).ToList();
            Assert.True(commands.Count(c => c is "EVALSHA" or "EVAL") == 1, $"{name} sent {string.Join(", ", commands)}");
            Assert.Equal(index is null ? 1 : 2, commands.Count);
            if (index is not null)
            {
                Assert.Contains(index, commands);
            }
        }
    }

    [Fact]
    public async Task An_execution_and_its_steps_expire_at_one_instant_under_their_own_hash_tag()
    {
        var (store, prefix) = NewStore(redis.Standalone.Connection, o => o.Workers.ExecutionTtl = TimeSpan.FromMinutes(5));
        var db = redis.Standalone.Connection.GetDatabase();
        await store.StartExecutionAsync("job-7", cancellationToken: Ct);
        await store.StartStepAsync("job-7", "a", Ct);
        await store.CompleteStepAsync("job-7", "b", "v", Ct);

        var executionExpiry = (long)await db.ExecuteAsync("PEXPIRETIME", $"{prefix}{{wx:job-7}}:x");
        var stepsExpiry = (long)await db.ExecuteAsync("PEXPIRETIME", $"{prefix}{{wx:job-7}}:steps");

        Assert.True(executionExpiry > 0);
        Assert.Equal(executionExpiry, stepsExpiry);
        Assert.NotNull(await db.SortedSetScoreAsync($"{prefix}{{workers}}:idx:active", "job-7"));
    }

    [Fact]
    public async Task Without_a_ttl_nothing_expires()
    {
        var (store, prefix) = NewStore(redis.Standalone.Connection);
        var db = redis.Standalone.Connection.GetDatabase();
        await store.StartExecutionAsync("forever", cancellationToken: Ct);
        await store.CompleteStepAsync("forever", "s", 1, Ct);

        Assert.Null(await db.KeyTimeToLiveAsync($"{prefix}{{wx:forever}}:x"));
        Assert.Null(await db.KeyTimeToLiveAsync($"{prefix}{{wx:forever}}:steps"));
    }

    [Fact]
    public async Task Foreign_data_at_an_execution_key_is_reported_and_left_alone_and_its_index_entry_is_skipped()
    {
        var (store, prefix) = NewStore(redis.Standalone.Connection);
        var db = redis.Standalone.Connection.GetDatabase();
        await db.StringSetAsync($"{prefix}{{wx:other}}:x", "not ours");
        await db.SortedSetAddAsync($"{prefix}{{workers}}:idx:active", "other", 1);
        await store.StartExecutionAsync("mine", cancellationToken: Ct);

        await Assert.ThrowsAsync<StoreDataException>(() => store.StartExecutionAsync("other", cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<StoreDataException>(() => store.GetExecutionAsync("other", Ct).AsTask());
        await Assert.ThrowsAsync<StoreDataException>(() => store.StartStepAsync("other", "s", Ct).AsTask());
        Assert.Equal(["mine"], (await store.ListActiveExecutionsAsync(cancellationToken: Ct)).Executions.Select(e => e.Id));
        Assert.Equal("not ours", await db.StringGetAsync($"{prefix}{{wx:other}}:x"));
    }
}

using RedisStores.Sessions;
using RedisStores.Tests.Infrastructure;
using StackExchange.Redis;
using StackExchange.Redis.Profiling;

namespace RedisStores.Tests.Sessions;

/// <summary>What only the Redis session store can show: keys, TTLs, round trips, foreign data, several instances.</summary>
public sealed class RedisSessionStoreSpecificTests(RedisEnvironment redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public sealed record Profile(string Name, int Visits);

    private static (RedisSessionStore Store, string Prefix) NewStore(IConnectionMultiplexer connection, string? prefix = null, Action<RedisStoresOptions>? configure = null)
    {
        var options = new RedisStoresOptions { KeyPrefix = prefix ?? RedisEnvironment.UniquePrefix() };
        configure?.Invoke(options);
        return (new RedisSessionStore(connection, options), options.KeyPrefix);
    }

    [Theory]
    [InlineData(RedisTopology.Standalone)]
    [InlineData(RedisTopology.Cluster)]
    public async Task Every_single_session_operation_is_one_command(RedisTopology topology)
    {
        await using var connection = await redis.Get(topology).ConnectAnotherAsync();
        var (store, _) = NewStore(connection);
        var session = new ProfilingSession();
        connection.RegisterProfiler(() => session);
        var ops = new (string Name, Func<Task> Run)[]
        {
            ("set", () => store.SetAsync("s", new Profile("ada", 1), cancellationToken: Ct).AsTask()),
            ("get", () => store.GetAsync<Profile>("s", Ct).AsTask()),
            ("get field", () => store.GetFieldAsync<int>("s", "visits", Ct).AsTask()),
            ("set field", () => store.SetFieldAsync("s", "visits", 2, cancellationToken: Ct).AsTask()),
            ("remove field", () => store.RemoveFieldAsync("s", "extra", cancellationToken: Ct).AsTask()),
            ("extend", () => store.ExtendAsync("s", cancellationToken: Ct).AsTask()),
            ("ttl", () => store.GetTimeToLiveAsync("s", Ct).AsTask()),
            ("append event", () => store.AppendEventAsync("s", "e", Ct).AsTask()),
            ("last events", () => store.GetLastEventsAsync<string>("s", 5, Ct).AsTask()),
            ("events from", () => store.GetEventsAsync<string>("s", 1, 5, Ct).AsTask()),
            ("list", () => store.ListAsync(cancellationToken: Ct).AsTask()),
            ("count", () => store.CountAsync(Ct).AsTask()),
        };
        foreach (var (_, run) in ops)
        {
            await run();
        }

        foreach (var (name, run) in ops)
        {
            session.FinishProfiling();
            await run();
            var commands = session.FinishProfiling().Select(c => c.Command).ToList();
            Assert.True(commands.Count == 1, $"{name} sent {commands.Count} commands: {string.Join(", ", commands)}");
        }

        await store.DeleteAsync("s", Ct);
    }

    [Fact]
    public async Task The_session_its_events_and_its_index_entry_expire_at_one_instant()
    {
        var (store, prefix) = NewStore(redis.Standalone.Connection);
        var db = redis.Standalone.Connection.GetDatabase();
        await store.SetAsync("s", new Profile("ada", 1), new SessionWriteOptions { Ttl = TimeSpan.FromMinutes(5) }, Ct);
        await store.AppendEventAsync("s", "e", Ct);

        var hashExpiry = (long)await db.ExecuteAsync("PEXPIRETIME", $"{prefix}{{sessions}}:s:s");
        var eventsExpiry = (long)await db.ExecuteAsync("PEXPIRETIME", $"{prefix}{{sessions}}:e:s");
        var indexExpiry = await db.SortedSetScoreAsync($"{prefix}{{sessions}}:idx:expiry", "s");

        Assert.True(hashExpiry > 0);
        Assert.Equal(hashExpiry, eventsExpiry);
        Assert.Equal(hashExpiry, (long)indexExpiry!.Value);
    }

    [Fact]
    public async Task Fields_are_hash_fields_so_a_field_write_leaves_the_others_untouched()
    {
        var (store, prefix) = NewStore(redis.Standalone.Connection);
        var db = redis.Standalone.Connection.GetDatabase();
        await store.SetAsync("s", new Profile("ada", 1), cancellationToken: Ct);
        await db.HashSetAsync($"{prefix}{{sessions}}:s:s", "d:name", "\"written elsewhere\"");

        await store.SetFieldAsync("s", "visits", 2, cancellationToken: Ct);

        var read = await store.GetAsync<Profile>("s", Ct);
        Assert.Equal(new Profile("written elsewhere", 2), read!.Data);
    }

    [Fact]
    public async Task Two_instances_on_separate_connections_see_one_session_and_conflict_on_versions()
    {
        await using var other = await redis.Standalone.ConnectAnotherAsync();
        var prefix = RedisEnvironment.UniquePrefix();
        var (a, _) = NewStore(redis.Standalone.Connection, prefix);
        var (b, _) = NewStore(other, prefix);

        var version = await a.SetAsync("s", new Profile("ada", 1), cancellationToken: Ct);
        var readByB = await b.GetAsync<Profile>("s", Ct);
        await b.SetFieldAsync("s", "visits", 2, readByB!.Version, Ct);

        await Assert.ThrowsAsync<VersionConflictException>(() => a.SetFieldAsync("s", "visits", 5, version, Ct).AsTask());
        Assert.Equal(2, (await a.GetAsync<Profile>("s", Ct))!.Data.Visits);
        Assert.Equal(1, await b.CountAsync(Ct));
    }

    [Fact]
    public async Task Keys_the_store_did_not_write_are_reported_not_overwritten()
    {
        var (store, prefix) = NewStore(redis.Standalone.Connection);
        var db = redis.Standalone.Connection.GetDatabase();
        await db.StringSetAsync($"{prefix}{{sessions}}:s:str", "not a hash");
        await db.HashSetAsync($"{prefix}{{sessions}}:s:hash", "foo", "bar");

        foreach (var id in new[] { "str", "hash" })
        {
            await Assert.ThrowsAsync<StoreDataException>(() => store.GetAsync<Profile>(id, Ct).AsTask());
            await Assert.ThrowsAsync<StoreDataException>(() => store.SetAsync(id, new Profile("a", 1), cancellationToken: Ct).AsTask());
            await Assert.ThrowsAsync<StoreDataException>(() => store.SetFieldAsync(id, "f", 1, cancellationToken: Ct).AsTask());
            await Assert.ThrowsAsync<StoreDataException>(() => store.AppendEventAsync(id, 1, Ct).AsTask());
            await Assert.ThrowsAsync<StoreDataException>(() => store.DeleteAsync(id, Ct).AsTask());
        }

        Assert.Equal("not a hash", (string?)await db.StringGetAsync($"{prefix}{{sessions}}:s:str"));
    }

    [Fact]
    public async Task A_field_that_is_not_json_is_reported_as_foreign_data()
    {
        var (store, prefix) = NewStore(redis.Standalone.Connection);
        await store.SetAsync("s", new Profile("ada", 1), cancellationToken: Ct);
        await redis.Standalone.Connection.GetDatabase().HashSetAsync($"{prefix}{{sessions}}:s:s", "d:name", "{broken");

        await Assert.ThrowsAsync<StoreDataException>(() => store.GetAsync<Profile>("s", Ct).AsTask());
        await Assert.ThrowsAsync<StoreDataException>(() => store.GetFieldAsync<string>("s", "name", Ct).AsTask());
        await Assert.ThrowsAsync<StoreSerializationException>(() => store.GetFieldAsync<int[]>("s", "visits", Ct).AsTask());
    }

    [Fact]
    public async Task Listing_and_counting_cost_nothing_in_unrelated_keys_and_prune_expired_entries()
    {
        var (store, prefix) = NewStore(redis.Standalone.Connection);
        var db = redis.Standalone.Connection.GetDatabase();
        await Task.WhenAll(Enumerable.Range(0, 1200).Select(i => store.SetAsync($"gone{i}", new Profile("x", i), new SessionWriteOptions { Ttl = TimeSpan.FromSeconds(1) }, Ct).AsTask()));
        await store.SetAsync("kept", new Profile("y", 1), cancellationToken: Ct);
        await Task.Delay(1300, Ct);

        Assert.Equal(1, await store.CountAsync(Ct));
        Assert.Equal(["kept"], (await store.ListAsync(cancellationToken: Ct)).Sessions.Select(s => s.Id));
        await store.ListAsync(cancellationToken: Ct);
        Assert.Equal(1, await db.SortedSetLengthAsync($"{prefix}{{sessions}}:idx:ids"));
    }
}

using RedisStores.Tasks;
using RedisStores.Tests.Infrastructure;
using StackExchange.Redis;
using StackExchange.Redis.Profiling;

namespace RedisStores.Tests.Tasks;

/// <summary>What only the Redis store can show: keys, TTLs, round trips, foreign data, several instances.</summary>
public sealed class RedisTaskStoreSpecificTests(RedisEnvironment redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (RedisTaskStore Store, string Prefix) NewStore(IConnectionMultiplexer connection, string? prefix = null)
    {
        prefix ??= RedisEnvironment.UniquePrefix();
        return (new RedisTaskStore(connection, new RedisStoresOptions { KeyPrefix = prefix }), prefix);
    }

    [Theory]
    [InlineData(RedisTopology.Standalone)]
    [InlineData(RedisTopology.Cluster)]
    public async Task Every_single_task_operation_is_one_command(RedisTopology topology)
    {
        await using var connection = await redis.Get(topology).ConnectAnotherAsync();
        var (store, _) = NewStore(connection);
        var session = new ProfilingSession();
        connection.RegisterProfiler(() => session);

        // Run each operation once so scripts are cached on the server, then count what each one sends.
        async Task<List<string>> CommandsOf(Func<Task> operation)
        {
            session.FinishProfiling();
            await operation();
            return session.FinishProfiling().Select(c => c.Command).ToList();
        }

        var ops = new (string Name, Func<string, Task> Run)[]
        {
            ("create", id => store.CreateAsync(new CreateTaskRequest { Id = id }, Ct).AsTask()),
            ("get", id => store.GetAsync(id, Ct).AsTask()),
            ("update", id => store.UpdateStatusAsync(id, TaskState.InputRequired, "m", Ct).AsTask()),
            ("set result", id => store.SetResultAsync(id, new { rows = 3 }, cancellationToken: Ct).AsTask()),
            ("get result", id => store.GetResultAsync<object>(id, Ct).AsTask()),
            ("delete", id => store.DeleteAsync(id, Ct).AsTask()),
            ("list", _ => store.ListAsync(new TaskQuery { PageSize = 10 }, Ct).AsTask()),
            ("stats", _ => store.GetStatsAsync(Ct).AsTask()),
        };
        foreach (var (_, run) in ops)
        {
            await run("warm");
        }

        foreach (var (name, run) in ops)
        {
            var commands = await CommandsOf(() => run("measured"));
            Assert.True(commands.Count == 1, $"{name} sent {commands.Count} commands: {string.Join(", ", commands)}");
            Assert.Contains(commands[0], new[] { "EVALSHA", "EVAL" });
        }
    }

    [Fact]
    public async Task Keys_live_under_the_prefix_share_one_hash_tag_and_the_task_key_has_the_task_ttl()
    {
        var target = redis.Standalone;
        var (store, prefix) = NewStore(target.Connection);
        var task = await store.CreateAsync(new CreateTaskRequest { Ttl = TimeSpan.FromMinutes(2) }, Ct);
        await store.SetResultAsync(task.Id, "r", cancellationToken: Ct);

        var server = target.Connection.GetServers().Single();
        var keys = server.Keys(pattern: prefix + "*").Select(k => (string)k!).ToList();
        var db = target.Connection.GetDatabase();
        var ttl = await db.KeyTimeToLiveAsync($"{prefix}{{tasks}}:t:{task.Id}");

        Assert.Contains($"{prefix}{{tasks}}:t:{task.Id}", keys);
        Assert.All(keys, k => Assert.StartsWith(prefix + "{tasks}:", k, StringComparison.Ordinal));
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromMinutes(1.9), TimeSpan.FromMinutes(2));
    }

    [Fact]
    public async Task The_default_prefix_is_redisstores()
    {
        var db = redis.Standalone.Connection.GetDatabase();
        var store = new RedisTaskStore(redis.Standalone.Connection);
        var task = await store.CreateAsync(new CreateTaskRequest { Id = "default-prefix-" + Guid.NewGuid().ToString("N") }, Ct);
        try
        {
            Assert.True(await db.KeyExistsAsync($"redisstores:{{tasks}}:t:{task.Id}"));
        }
        finally
        {
            await store.DeleteAsync(task.Id, Ct);
        }
    }

    [Fact]
    public async Task Two_instances_on_separate_connections_share_tasks()
    {
        await using var other = await redis.Standalone.ConnectAnotherAsync();
        var prefix = RedisEnvironment.UniquePrefix();
        var (a, _) = NewStore(redis.Standalone.Connection, prefix);
        var (b, _) = NewStore(other, prefix);

        var task = await a.CreateAsync(cancellationToken: Ct);
        Assert.Equal(task, await b.GetAsync(task.Id, Ct));
        await b.SetResultAsync(task.Id, 42, cancellationToken: Ct);
        Assert.Equal(42, (await a.GetResultAsync<int>(task.Id, Ct))!.Value);
        Assert.Equal(TaskState.Completed, (await a.ListAsync(cancellationToken: Ct)).Tasks.Single().Status);
        Assert.Equal(1, (await b.GetStatsAsync(Ct)).Completed);
        await Assert.ThrowsAsync<InvalidTaskTransitionException>(() => a.UpdateStatusAsync(task.Id, TaskState.Working, cancellationToken: Ct).AsTask());
    }

    [Fact]
    public async Task Stores_with_different_prefixes_never_see_each_other()
    {
        var (a, _) = NewStore(redis.Standalone.Connection);
        var (b, _) = NewStore(redis.Standalone.Connection);
        var task = await a.CreateAsync(new CreateTaskRequest { Id = "shared-id" }, Ct);

        Assert.Null(await b.GetAsync(task.Id, Ct));
        Assert.Empty((await b.ListAsync(cancellationToken: Ct)).Tasks);
        Assert.Equal(0, (await b.GetStatsAsync(Ct)).Total);
        await b.CreateAsync(new CreateTaskRequest { Id = "shared-id" }, Ct);
        Assert.Equal(1, (await a.GetStatsAsync(Ct)).Total);
    }

    [Fact]
    public async Task A_key_of_another_type_is_reported_as_foreign_data()
    {
        var (store, prefix) = NewStore(redis.Standalone.Connection);
        var db = redis.Standalone.Connection.GetDatabase();
        await db.StringSetAsync($"{prefix}{{tasks}}:t:intruder", "not a hash");

        await Assert.ThrowsAsync<StoreDataException>(() => store.GetAsync("intruder", Ct).AsTask());
        await Assert.ThrowsAsync<StoreDataException>(() => store.UpdateStatusAsync("intruder", TaskState.Failed, cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<StoreDataException>(() => store.GetResultAsync<string>("intruder", Ct).AsTask());
        await Assert.ThrowsAsync<StoreDataException>(() => store.CreateAsync(new CreateTaskRequest { Id = "intruder" }, Ct).AsTask());
        await Assert.ThrowsAsync<StoreDataException>(() => store.DeleteAsync("intruder", Ct).AsTask());
        Assert.Equal("not a hash", (string?)await db.StringGetAsync($"{prefix}{{tasks}}:t:intruder"));
    }

    [Theory]
    [InlineData("foo", "bar")]
    [InlineData("v", "2")]
    [InlineData("st", "exploded")]
    [InlineData("c", "yesterday")]
    [InlineData("c", "99999999999999999")]
    [InlineData("u", "-5")]
    [InlineData("ttl", "9223372036854775807")]
    [InlineData("id", "someone-else")]
    public async Task A_hash_the_store_did_not_write_is_reported_not_guessed_at(string field, string value)
    {
        var (store, prefix) = NewStore(redis.Standalone.Connection);
        var db = redis.Standalone.Connection.GetDatabase();
        var task = await store.CreateAsync(cancellationToken: Ct);
        var key = $"{prefix}{{tasks}}:t:{task.Id}";
        if (field == "foo")
        {
            await db.KeyDeleteAsync(key);
        }

        await db.HashSetAsync(key, field, value);

        if (field != "id")
        {
            var error = await Assert.ThrowsAsync<StoreDataException>(() => store.GetAsync(task.Id, Ct).AsTask());
            Assert.Contains(task.Id, error.Message, StringComparison.Ordinal);
        }

        var listError = await Assert.ThrowsAsync<StoreDataException>(() => store.ListAsync(cancellationToken: Ct).AsTask());
        Assert.Contains(task.Id, listError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_damaged_result_fails_as_a_serialization_error()
    {
        var (store, prefix) = NewStore(redis.Standalone.Connection);
        var task = await store.CreateAsync(cancellationToken: Ct);
        await store.SetResultAsync(task.Id, new { a = 1 }, cancellationToken: Ct);
        await redis.Standalone.Connection.GetDatabase().HashSetAsync($"{prefix}{{tasks}}:t:{task.Id}", "res", "{not json");

        await Assert.ThrowsAsync<StoreSerializationException>(() => store.GetResultAsync<Dictionary<string, int>>(task.Id, Ct).AsTask());
    }

    [Fact]
    public async Task Index_entries_of_expired_tasks_are_pruned_even_past_one_batch()
    {
        var (store, prefix) = NewStore(redis.Standalone.Connection);
        var db = redis.Standalone.Connection.GetDatabase();
        await Task.WhenAll(Enumerable.Range(0, 1500).Select(_ => store.CreateAsync(new CreateTaskRequest { Ttl = TimeSpan.FromSeconds(1) }, Ct).AsTask()));
        var survivor = await store.CreateAsync(cancellationToken: Ct);
        await Task.Delay(TimeSpan.FromMilliseconds(1300), Ct);

        var stats = await store.GetStatsAsync(Ct);

        Assert.Equal(new TaskStats { Working = 1 }, stats);
        Assert.Equal(1, await db.SortedSetLengthAsync($"{prefix}{{tasks}}:idx:all"));
        Assert.Equal(1, await db.SortedSetLengthAsync($"{prefix}{{tasks}}:idx:expiry"));
        Assert.Equal([survivor.Id], (await store.ListAsync(cancellationToken: Ct)).Tasks.Select(t => t.Id));
    }

    [Fact]
    public async Task A_task_whose_key_vanished_is_dropped_from_listings_and_its_index()
    {
        var (store, prefix) = NewStore(redis.Standalone.Connection);
        var db = redis.Standalone.Connection.GetDatabase();
        var gone = await store.CreateAsync(cancellationToken: Ct);
        var kept = await store.CreateAsync(cancellationToken: Ct);
        await db.KeyDeleteAsync($"{prefix}{{tasks}}:t:{gone.Id}"); // as an eviction under maxmemory would

        var page = await store.ListAsync(cancellationToken: Ct);

        Assert.Equal([kept.Id], page.Tasks.Select(t => t.Id));
        Assert.Null(await db.SortedSetScoreAsync($"{prefix}{{tasks}}:idx:all", gone.Id));
    }

    [Fact]
    public async Task A_page_is_filled_past_index_entries_whose_keys_vanished()
    {
        var (store, prefix) = NewStore(redis.Standalone.Connection);
        var db = redis.Standalone.Connection.GetDatabase();
        var ids = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            ids.Add((await store.CreateAsync(new CreateTaskRequest { Id = $"t{i}" }, Ct)).Id);
        }

        foreach (var id in new[] { "t7", "t6", "t5", "t3" })
        {
            await db.KeyDeleteAsync($"{prefix}{{tasks}}:t:{id}");
        }

        var first = await store.ListAsync(new TaskQuery { PageSize = 3 }, Ct);
        var second = await store.ListAsync(new TaskQuery { PageSize = 3, Cursor = first.NextCursor }, Ct);

        Assert.Equal(["t4", "t2", "t1"], first.Tasks.Select(t => t.Id));
        Assert.Equal(["t0"], second.Tasks.Select(t => t.Id));
        Assert.Null(second.NextCursor);
        Assert.Equal(4, await db.SortedSetLengthAsync($"{prefix}{{tasks}}:idx:all"));
    }

    [Fact]
    public async Task The_task_key_expires_at_the_very_instant_its_index_entry_records()
    {
        var (store, prefix) = NewStore(redis.Standalone.Connection);
        var db = redis.Standalone.Connection.GetDatabase();
        var task = await store.CreateAsync(cancellationToken: Ct);

        var keyExpiry = (long)await db.ExecuteAsync("PEXPIRETIME", $"{prefix}{{tasks}}:t:{task.Id}");
        var indexExpiry = await db.SortedSetScoreAsync($"{prefix}{{tasks}}:idx:expiry", task.Id);

        Assert.Equal(keyExpiry, (long)indexExpiry!.Value);
    }

    [Fact]
    public async Task An_update_never_puts_back_an_index_entry_that_pruning_removed()
    {
        // Pruning drops index entries in the task's last instant; an update in that instant must not revive them,
        // or the counts would include a task that has expired.
        var (store, prefix) = NewStore(redis.Standalone.Connection);
        var db = redis.Standalone.Connection.GetDatabase();
        var task = await store.CreateAsync(cancellationToken: Ct);
        foreach (var index in new[] { "all", "expiry", "status:working" })
        {
            await db.SortedSetRemoveAsync($"{prefix}{{tasks}}:idx:{index}", task.Id);
        }

        await store.UpdateStatusAsync(task.Id, TaskState.InputRequired, cancellationToken: Ct);

        Assert.Equal(0, (await store.GetStatsAsync(Ct)).Total);
        Assert.Equal(0, await db.SortedSetLengthAsync($"{prefix}{{tasks}}:idx:status:input_required"));
    }

    [Fact]
    public async Task A_server_that_refuses_writes_fails_operations_typed()
    {
        await using var server = await redis.StartOwnServerAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync(server.EndPoint + ",allowAdmin=true");
        var store = new RedisTaskStore(connection);
        var task = await store.CreateAsync(cancellationToken: Ct);
        await connection.GetServers().Single().ExecuteAsync("CONFIG", "SET", "maxmemory", "1");

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.UpdateStatusAsync(task.Id, TaskState.Failed, cancellationToken: Ct).AsTask());

        Assert.Contains("OOM", error.Message, StringComparison.Ordinal);
        Assert.Equal(TaskState.Working, (await store.GetAsync(task.Id, Ct))!.Status);
    }

    [Fact]
    public async Task Listing_and_counting_never_scan_the_keyspace()
    {
        var target = redis.Standalone;
        var (store, prefix) = NewStore(target.Connection);
        var db = target.Connection.GetDatabase();
        var noise = Enumerable.Range(0, 2000).Select(i => new KeyValuePair<RedisKey, RedisValue>($"{prefix}noise:{i}", i)).ToArray();
        await db.StringSetAsync(noise);
        await store.CreateAsync(cancellationToken: Ct);
        var server = target.Connection.GetServers().Single();
        var before = await ScanAndKeysCallsAsync(server);

        await store.ListAsync(cancellationToken: Ct);
        await store.ListAsync(new TaskQuery { Status = TaskState.Working }, Ct);
        await store.GetStatsAsync(Ct);

        Assert.Equal(before, await ScanAndKeysCallsAsync(server));
        await db.KeyDeleteAsync(noise.Select(n => n.Key).ToArray());
    }

    [Fact]
    public async Task Operations_on_an_unreachable_redis_fail_with_store_unavailable()
    {
        await using var down = await ConnectionMultiplexer.ConnectAsync("127.0.0.1:1,abortConnect=false,connectTimeout=300,asyncTimeout=500,syncTimeout=500");
        var store = new RedisTaskStore(down);

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.GetAsync("any", Ct).AsTask());

        Assert.Contains("127.0.0.1:1", error.Message, StringComparison.Ordinal);
    }

    private static async Task<long> ScanAndKeysCallsAsync(IServer server)
    {
        var info = await server.InfoAsync("commandstats");
        return info.SelectMany(g => g)
            .Where(kv => kv.Key is "cmdstat_scan" or "cmdstat_keys")
            .Sum(kv => long.Parse(kv.Value.Split(',')[0].Split('=')[1], System.Globalization.CultureInfo.InvariantCulture));
    }
}

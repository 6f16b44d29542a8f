using RedisStores.Locking;
using RedisStores.Tests.Infrastructure;
using StackExchange.Redis;

namespace RedisStores.Tests.Locking;

/// <summary>What only the Redis lock service can show: other processes, keys, foreign data, Redis going away.</summary>
public sealed class RedisLockServiceSpecificTests(RedisEnvironment redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Two_processes_and_this_one_never_hold_the_lock_at_once()
    {
        var prefix = RedisEnvironment.UniquePrefix();
        var counter = prefix + "counter";
        var name = "shared-" + Guid.NewGuid().ToString("N");
        var service = new RedisDistributedLockService(redis.Standalone.Connection, new RedisStoresOptions { KeyPrefix = prefix });
        var db = redis.Standalone.Connection.GetDatabase();
        const int Times = 25;

        var others = Enumerable.Range(0, 2).Select(_ => TestHostProcess.RunAsync(redis.Standalone.Configuration, prefix, "lock-increment", name, counter, Times.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToList();
        for (var i = 0; i < Times; i++)
        {
            await using var held = await service.AcquireAsync(name, TimeSpan.FromSeconds(60), cancellationToken: Ct);
            var value = (long)await db.StringGetAsync(counter);
            await Task.Delay(1, Ct);
            await db.StringSetAsync(counter, value + 1);
        }

        Assert.All(await Task.WhenAll(others), reply => Assert.Equal("ok", reply));
        Assert.Equal(3 * Times, (long)await db.StringGetAsync(counter));
    }

    [Fact]
    public async Task Each_lock_has_its_own_hash_tag_and_its_fence_key_expires()
    {
        var prefix = RedisEnvironment.UniquePrefix();
        var service = new RedisDistributedLockService(redis.Cluster.Connection, new RedisStoresOptions { KeyPrefix = prefix });
        var db = redis.Cluster.Connection.GetDatabase();

        await using (var held = await service.AcquireAsync("orders", cancellationToken: Ct))
        {
            Assert.True(await db.KeyExistsAsync($"{prefix}{{locks:orders}}:held"));
        }

        Assert.False(await db.KeyExistsAsync($"{prefix}{{locks:orders}}:held"));
        var fenceTtl = await db.KeyTimeToLiveAsync($"{prefix}{{locks:orders}}:fence");
        Assert.NotNull(fenceTtl);
        Assert.InRange(fenceTtl.Value, TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));
    }

    [Fact]
    public async Task Fencing_tokens_keep_rising_after_the_fence_key_is_gone()
    {
        var prefix = RedisEnvironment.UniquePrefix();
        var service = new RedisDistributedLockService(redis.Standalone.Connection, new RedisStoresOptions { KeyPrefix = prefix });
        long before;
        await using (var first = await service.AcquireAsync("fenced", cancellationToken: Ct))
        {
            before = first.FencingToken;
        }

        await redis.Standalone.Connection.GetDatabase().KeyDeleteAsync($"{prefix}{{locks:fenced}}:fence");
        await using var second = await service.AcquireAsync("fenced", cancellationToken: Ct);

        Assert.True(second.FencingToken > before);
    }

    [Fact]
    public async Task A_lock_key_the_service_did_not_write_fails_instead_of_waiting_forever()
    {
        var prefix = RedisEnvironment.UniquePrefix();
        var service = new RedisDistributedLockService(redis.Standalone.Connection, new RedisStoresOptions { KeyPrefix = prefix });
        await redis.Standalone.Connection.GetDatabase().StringSetAsync($"{prefix}{{locks:squatted}}:held", "someone else, no expiry");

        await Assert.ThrowsAsync<StoreDataException>(() => service.AcquireAsync("squatted", cancellationToken: Ct).AsTask());
    }

    [Fact]
    public async Task A_lock_whose_key_is_taken_over_is_reported_lost_at_the_next_extension()
    {
        var prefix = RedisEnvironment.UniquePrefix();
        var service = new RedisDistributedLockService(redis.Standalone.Connection, new RedisStoresOptions { KeyPrefix = prefix });
        await using var held = await service.AcquireAsync("stolen", options: new LockOptions { Lease = TimeSpan.FromSeconds(30), AutoExtend = false }, cancellationToken: Ct);
        await redis.Standalone.Connection.GetDatabase().StringSetAsync($"{prefix}{{locks:stolen}}:held", "intruder", TimeSpan.FromSeconds(30));

        Assert.False(await held.ExtendAsync(cancellationToken: Ct));
        Assert.True(held.HandleLostToken.IsCancellationRequested);
        Assert.Equal("intruder", (string?)await redis.Standalone.Connection.GetDatabase().StringGetAsync($"{prefix}{{locks:stolen}}:held"));
    }

    [Fact]
    public async Task A_renewal_stuck_in_a_paused_server_does_not_delay_the_lost_signal_past_the_lease()
    {
        await using var server = await redis.StartOwnServerAsync();
        var options = ConfigurationOptions.Parse(server.EndPoint + ",allowAdmin=true");
        options.AsyncTimeout = 20_000; // renewals hang for 20 s, far past the 1 s lease
        await using var connection = await ConnectionMultiplexer.ConnectAsync(options);
        var service = new RedisDistributedLockService(connection);
        var held = await service.AcquireAsync("paused", options: new LockOptions { Lease = TimeSpan.FromSeconds(1) }, cancellationToken: Ct);
        var lost = new TaskCompletionSource();
        using var registration = held.HandleLostToken.Register(() => lost.TrySetResult());

        await connection.GetServers().Single().ExecuteAsync("CLIENT", "PAUSE", 25_000, "ALL");

        // Before the fix the signal waited for the stuck renewal: 20 s. The lease is 1 s; 12 s is a wide margin.
        await lost.Task.WaitAsync(TimeSpan.FromSeconds(12), Ct);
        Assert.True(held.IsLost);
        await server.DisposeAsync(); // fails the pending commands now, rather than after the 20 s timeout
    }

    [Fact]
    public async Task An_acquire_cancelled_in_flight_does_not_leave_an_ownerless_lock()
    {
        await using var server = await redis.StartOwnServerAsync();
        var options = ConfigurationOptions.Parse(server.EndPoint + ",allowAdmin=true");
        await using var connection = await ConnectionMultiplexer.ConnectAsync(options);
        await using var other = await ConnectionMultiplexer.ConnectAsync(server.EndPoint);
        var service = new RedisDistributedLockService(connection);
        var rival = new RedisDistributedLockService(other);
        await connection.GetServers().Single().ExecuteAsync("CLIENT", "PAUSE", 1500, "WRITE");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        // The attempt reaches the server, which runs it when the pause ends; the caller stopped waiting long before.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => service.AcquireAsync("orphan", options: new LockOptions { Lease = TimeSpan.FromMinutes(10) }, cancellationToken: cancel.Token).AsTask());

        await using var next = await rival.AcquireAsync("orphan", TimeSpan.FromSeconds(20), cancellationToken: Ct);
        Assert.NotNull(next);
    }

    [Fact]
    public async Task When_redis_dies_the_holder_learns_the_lock_is_lost_and_disposing_it_does_not_throw()
    {
        await using var server = await redis.StartOwnServerAsync();
        var options = ConfigurationOptions.Parse(server.EndPoint);
        options.AsyncTimeout = 500;
        options.SyncTimeout = 500;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(options);
        var service = new RedisDistributedLockService(connection);
        var held = await service.AcquireAsync("doomed", options: new LockOptions { Lease = TimeSpan.FromSeconds(1) }, cancellationToken: Ct);
        var lost = new TaskCompletionSource();
        using var registration = held.HandleLostToken.Register(() => lost.TrySetResult());

        await server.DisposeAsync();

        await lost.Task.WaitAsync(TimeSpan.FromSeconds(20), Ct);
        Assert.True(held.IsLost);
        await held.DisposeAsync();
    }

    [Fact]
    public async Task A_release_wakes_a_waiter_on_a_connection_with_a_channel_prefix()
    {
        var configuration = ConfigurationOptions.Parse(redis.Standalone.Configuration);
        configuration.ChannelPrefix = RedisChannel.Literal("app:");
        await using var connectionA = await ConnectionMultiplexer.ConnectAsync(configuration);
        await using var connectionB = await ConnectionMultiplexer.ConnectAsync(configuration);
        var options = new RedisStoresOptions { KeyPrefix = RedisEnvironment.UniquePrefix(), Locks = { PollInterval = TimeSpan.FromHours(1) } };
        var a = new RedisDistributedLockService(connectionA, options);
        var b = new RedisDistributedLockService(connectionB, options);
        var held = await a.AcquireAsync("prefixed", options: new LockOptions { Lease = TimeSpan.FromMinutes(10) }, cancellationToken: Ct);
        var waiting = b.AcquireAsync("prefixed", TimeSpan.FromMinutes(5), cancellationToken: Ct).AsTask();
        await Task.Delay(200, Ct);

        await held.ReleaseAsync(Ct);

        await using var next = await waiting.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.True(next.FencingToken > held.FencingToken);
    }
}

using RedisStores.Messaging;
using RedisStores.Tests.Infrastructure;
using StackExchange.Redis;
using StackExchange.Redis.Profiling;
using static RedisStores.Tests.Caching.CacheTestSupport;

namespace RedisStores.Tests.Messaging;

/// <summary>What only the Redis bus can show: round trips, reconnects, foreign messages, channel prefixes.</summary>
public sealed class RedisMessageBusSpecificTests(RedisEnvironment redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(RedisTopology.Standalone)]
    [InlineData(RedisTopology.Cluster)]
    public async Task A_message_is_one_publish_and_a_batch_of_500_is_one_script(RedisTopology topology)
    {
        await using var connection = await redis.Get(topology).ConnectAnotherAsync();
        var bus = new RedisMessageBus(connection, new RedisStoresOptions { KeyPrefix = RedisEnvironment.UniquePrefix() });
        var session = new ProfilingSession();
        connection.RegisterProfiler(() => session);
        await bus.PublishManyAsync("warm", [1], Ct);

        session.FinishProfiling();
        await bus.PublishAsync("t", 1, Ct);
        Assert.Equal(["PUBLISH"], session.FinishProfiling().Select(c => c.Command));
        await bus.PublishManyAsync("t", Enumerable.Range(0, 500), Ct);
        var batch = session.FinishProfiling().Select(c => c.Command).ToList();
        Assert.True(batch is ["EVALSHA"] or ["EVAL"], string.Join(", ", batch));
    }

    [Fact]
    public async Task Subscriptions_come_back_after_their_connection_is_killed_and_after_a_server_restart()
    {
        var port = RedisServerProcess.FreePort(needsBusPort: false);
        var server = await redis.StartOwnServerAsync(port);
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"{server.EndPoint},allowAdmin=true,abortConnect=false");
        await using var publisherConnection = await ConnectionMultiplexer.ConnectAsync($"{server.EndPoint},abortConnect=false");
        var options = new RedisStoresOptions { KeyPrefix = RedisEnvironment.UniquePrefix() };
        var subscriber = new RedisMessageBus(connection, options);
        var publisher = new RedisMessageBus(publisherConnection, options);
        var received = new List<string>();
        await using var subscription = await subscriber.SubscribeAsync<string>("events", (m, _) =>
        {
            lock (received)
            {
                received.Add(m.Payload);
            }

            return ValueTask.CompletedTask;
        }, cancellationToken: Ct);

        await connection.GetServers().Single().ExecuteAsync("CLIENT", "KILL", "TYPE", "pubsub");
        await WaitUntilAsync(async () => await Probe("after kill"), "a message is received after the subscription's connection was killed");

        await server.DisposeAsync();
        await using var restarted = await redis.StartOwnServerAsync(port);
        await WaitUntilAsync(async () => await Probe("after restart"), "a message is received after the server restarted");

        async Task<bool> Probe(string text)
        {
            await publisher.PublishAsync("events", text, Ct);
            await Task.Delay(100, Ct);
            lock (received)
            {
                return received.Contains(text);
            }
        }
    }

    [Fact]
    public async Task A_foreign_message_on_the_channel_is_dropped_and_counted_not_fatal()
    {
        var options = new RedisStoresOptions { KeyPrefix = RedisEnvironment.UniquePrefix() };
        var bus = new RedisMessageBus(redis.Standalone.Connection, options);
        var received = new TaskCompletionSource<string>();
        await using var subscription = await bus.SubscribeAsync<string>("t", (m, _) =>
        {
            received.TrySetResult(m.Payload);
            return ValueTask.CompletedTask;
        }, cancellationToken: Ct);

        await redis.Standalone.Connection.GetSubscriber().PublishAsync(RedisChannel.Literal(options.KeyPrefix + "bus:t"), "not ours");
        await bus.PublishAsync("t", "ours", Ct);

        Assert.Equal("ours", await received.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct));
        Assert.Equal(1, subscription.Dropped);
    }

    [Fact]
    public async Task A_batch_reaches_subscribers_on_a_connection_with_a_channel_prefix()
    {
        var configuration = ConfigurationOptions.Parse(redis.Standalone.Configuration);
        configuration.ChannelPrefix = RedisChannel.Literal("app:");
        await using var connection = await ConnectionMultiplexer.ConnectAsync(configuration);
        var bus = new RedisMessageBus(connection, new RedisStoresOptions { KeyPrefix = RedisEnvironment.UniquePrefix() });
        var count = 0;
        var all = new TaskCompletionSource();
        await using var subscription = await bus.SubscribePatternAsync<int>("n.*", (_, _) =>
        {
            if (Interlocked.Increment(ref count) == 3)
            {
                all.TrySetResult();
            }

            return ValueTask.CompletedTask;
        }, cancellationToken: Ct);

        await bus.PublishManyAsync("n.1", [1, 2], Ct);
        await bus.PublishAsync("n.2", 3, Ct);

        await all.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
    }

    [Fact]
    public async Task A_durable_subscriber_misses_nothing_while_its_connection_is_killed_again_and_again()
    {
        await using var server = await redis.StartOwnServerAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"{server.EndPoint},allowAdmin=true,abortConnect=false");
        await using var publisherConnection = await ConnectionMultiplexer.ConnectAsync($"{server.EndPoint},abortConnect=false");
        var options = new RedisStoresOptions { KeyPrefix = RedisEnvironment.UniquePrefix() };
        options.Messaging.DurableTopics["payments"] = new DurableTopicOptions();
        var subscriber = new RedisMessageBus(connection, options);
        var publisher = new RedisMessageBus(publisherConnection, options);
        var received = new List<int>();
        await using var subscription = await subscriber.SubscribeAsync<int>("payments", (m, _) =>
        {
            lock (received)
            {
                received.Add(m.Payload);
            }

            return ValueTask.CompletedTask;
        }, cancellationToken: Ct);

        var admin = publisherConnection.GetServers().Single();
        for (var i = 1; i <= 200; i++)
        {
            await publisher.PublishAsync("payments", i, Ct);
            if (i % 40 == 0)
            {
                // Every client but the publisher's: the subscriber's interactive and pub/sub connections both drop.
                await publisherConnection.GetDatabase().ExecuteAsync("CLIENT", "KILL", "SKIPME", "yes");
            }
        }

        await WaitUntilAsync(() => { lock (received) { return received.Count >= 200; } }, "all 200 messages arrived");
        await Task.Delay(300, Ct);
        lock (received)
        {
            Assert.Equal(Enumerable.Range(1, 200), received);
        }
    }

    [Fact]
    public async Task A_durable_subscriber_resumes_after_the_server_restarts_with_its_data()
    {
        var port = RedisServerProcess.FreePort(needsBusPort: false);
        var server = await redis.StartOwnServerAsync(port);
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"{server.EndPoint},allowAdmin=true,abortConnect=false");
        var options = new RedisStoresOptions { KeyPrefix = RedisEnvironment.UniquePrefix() };
        options.Messaging.DurableTopics["ledger"] = new DurableTopicOptions();
        var bus = new RedisMessageBus(connection, options);
        var received = new List<int>();
        await using var subscription = await bus.SubscribeAsync<int>("ledger", (m, _) =>
        {
            lock (received)
            {
                received.Add(m.Payload);
            }

            return ValueTask.CompletedTask;
        }, cancellationToken: Ct);
        await bus.PublishManyAsync("ledger", [1, 2, 3], Ct);
        await WaitUntilAsync(() => { lock (received) { return received.Count == 3; } }, "the first three arrived");

        // Persisted, stopped, started again on the same port and directory: the stream is back.
        await connection.GetServers().Single().ExecuteAsync("SAVE");
        await server.DisposeAsync();
        await using var restarted = await redis.StartOwnServerAsync(port);
        await WaitUntilAsync(async () => { await bus.PublishManyAsync("ledger", [4, 5], Ct); return true; }, "publishing works again");

        await WaitUntilAsync(() => { lock (received) { return received.Count >= 5; } }, "the later messages arrived");
        lock (received)
        {
            Assert.Equal([1, 2, 3, 4, 5], received);
        }
    }

    [Fact]
    public async Task Trimming_by_age_follows_the_servers_clock_not_a_publisher_whose_clock_runs_ahead()
    {
        var ahead = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(DateTimeOffset.UtcNow.AddMinutes(1));
        var options = new RedisStoresOptions { KeyPrefix = RedisEnvironment.UniquePrefix() };
        options.Messaging.DurableTopics["skewed"] = new DurableTopicOptions { MaxAge = TimeSpan.FromSeconds(30) };
        var bus = new RedisMessageBus(redis.Standalone.Connection, options, timeProvider: ahead);

        await bus.PublishManyAsync("skewed", [1, 2, 3], Ct);

        Assert.Equal([1, 2, 3], (await bus.ReadHistoryAsync<int>("skewed", cancellationToken: Ct)).Select(m => m.Payload));
    }

    [Fact]
    public async Task A_foreign_entry_in_a_durable_stream_is_dropped_and_the_subscription_goes_on()
    {
        var options = new RedisStoresOptions { KeyPrefix = RedisEnvironment.UniquePrefix() };
        options.Messaging.DurableTopics["ledger"] = new DurableTopicOptions();
        var bus = new RedisMessageBus(redis.Standalone.Connection, options);
        var received = System.Threading.Channels.Channel.CreateUnbounded<int>();
        var subscription = await bus.SubscribeAsync<int>("ledger", (m, ct) => received.Writer.WriteAsync(m.Payload, ct), new SubscriptionOptions<int> { After = "0" }, Ct);

        await bus.PublishAsync("ledger", 1, Ct);
        await redis.Standalone.Connection.GetDatabase().StreamAddAsync($"{options.KeyPrefix}{{mt:ledger}}:s", "foreign", "field");
        await bus.PublishAsync("ledger", 2, Ct);

        Assert.Equal(1, await received.Reader.ReadAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(15), Ct));
        Assert.Equal(2, await received.Reader.ReadAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(15), Ct));
        Assert.Equal(1, subscription.Dropped);
        Assert.Equal([1, 2], (await bus.ReadHistoryAsync<int>("ledger", cancellationToken: Ct)).Select(m => m.Payload));
        await subscription.DisposeAsync();
    }

    [Fact]
    public async Task A_subscribe_given_up_while_the_server_is_paused_leaves_no_subscription_behind()
    {
        await using var server = await redis.StartOwnServerAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"{server.EndPoint},allowAdmin=true");
        await using var admin = await ConnectionMultiplexer.ConnectAsync($"{server.EndPoint},allowAdmin=true");
        var options = new RedisStoresOptions { KeyPrefix = RedisEnvironment.UniquePrefix() };
        var bus = new RedisMessageBus(connection, options);

        await admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "1000", "ALL");
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        giveUp.CancelAfter(200);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => bus.SubscribeAsync<int>("leak", (_, _) => ValueTask.CompletedTask, cancellationToken: giveUp.Token).AsTask());

        await WaitUntilAsync(
            async () => (long)(await admin.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", options.KeyPrefix + "bus:leak"))[1] == 0 && await Task.Delay(1500, Ct).ContinueWith(_ => true),
            "the abandoned subscription is gone");
        Assert.Equal(0, (long)(await admin.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", options.KeyPrefix + "bus:leak"))[1]);
    }
}

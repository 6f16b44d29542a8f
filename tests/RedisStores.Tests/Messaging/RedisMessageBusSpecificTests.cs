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
}

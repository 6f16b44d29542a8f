using System.Collections.Concurrent;
using RedisStores.Messaging;
using StackExchange.Redis;

namespace RedisStores.Benchmarks;

/// <summary>
/// Publish → receive across two multiplexers, as between two instances: each operation publishes one message on the
/// driver's connection and completes when a subscriber on a second connection has it. Against raw PUBLISH and a
/// StackExchange.Redis subscription doing the same.
/// </summary>
internal static class MessagingBenchmarks
{
    private sealed record Ping(long Number);

    public static async Task<List<Row>> RunAsync(IConnectionMultiplexer connection, string endPoint, LoadDriver driver, int[] concurrencies)
    {
        var rows = new List<Row>();
        await using var other = await ConnectionMultiplexer.ConnectAsync(endPoint);
        var options = new RedisStoresOptions { KeyPrefix = "bench-m:" };
        var publisher = new RedisMessageBus(connection, options);
        var subscriber = new RedisMessageBus(other, options);
        var waiting = new ConcurrentDictionary<long, TaskCompletionSource>();
        await using var subscription = await subscriber.SubscribeAsync<Ping>("pings", (m, _) =>
        {
            if (waiting.TryRemove(m.Payload.Number, out var arrived))
            {
                arrived.TrySetResult();
            }

            return ValueTask.CompletedTask;
        }, new SubscriptionOptions<Ping> { BufferSize = 100_000 });

        var raw = RedisChannel.Literal("bench-raw:pings");
        var rawQueue = await other.GetSubscriber().SubscribeAsync(raw);
        rawQueue.OnMessage(m =>
        {
            if (waiting.TryRemove((long)m.Message, out var arrived))
            {
                arrived.TrySetResult();
            }
        });

        long next = 0;
        foreach (var concurrency in concurrencies)
        {
            rows.Add(await driver.RunAsync("bus publish → receive (2 connections)", concurrency, async _ =>
            {
                var number = Interlocked.Increment(ref next);
                var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                waiting[number] = arrived;
                await publisher.PublishAsync("pings", new Ping(number));
                await arrived.Task;
            }));
            rows.Add(await driver.RunAsync("raw PUBLISH → ChannelMessageQueue (anchor)", concurrency, async _ =>
            {
                var number = Interlocked.Increment(ref next);
                var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                waiting[number] = arrived;
                await connection.GetSubscriber().PublishAsync(raw, number);
                await arrived.Task;
            }));
        }

        await rawQueue.UnsubscribeAsync();
        return rows;
    }
}

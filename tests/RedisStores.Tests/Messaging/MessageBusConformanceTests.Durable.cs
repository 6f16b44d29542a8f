using RedisStores.Messaging;

namespace RedisStores.Tests.Messaging;

// Durable topics: history, resuming from a position, and backpressure instead of drops.
public abstract partial class MessageBusConformanceTests
{
    private static void Durable(RedisStoresOptions options, string topic, int maxLength = 10_000)
        => options.Messaging.DurableTopics[topic] = new DurableTopicOptions { MaxLength = maxLength };

    [Fact]
    public async Task A_durable_topic_keeps_its_messages_in_order_and_history_reads_from_any_position()
    {
        var bus = CreateStore(o => Durable(o, "audit"));
        var ids = await bus.PublishManyAsync("audit", ["a", "b", "c"], Ct);
        ids = [.. ids, await bus.PublishAsync("audit", "d", Ct)];

        var all = await bus.ReadHistoryAsync<string>("audit", cancellationToken: Ct);
        var afterB = await bus.ReadHistoryAsync<string>("audit", ids[1], cancellationToken: Ct);
        var firstTwo = await bus.ReadHistoryAsync<string>("audit", "0", 2, Ct);

        Assert.Equal(["a", "b", "c", "d"], all.Select(m => m.Payload));
        Assert.Equal(ids, all.Select(m => m.Id));
        Assert.Equal(["c", "d"], afterB.Select(m => m.Payload));
        Assert.Equal(["a", "b"], firstTwo.Select(m => m.Payload));
        Assert.All(all, m => Assert.Equal("audit", m.Topic));
    }

    [Fact]
    public async Task A_durable_subscriber_resumes_after_its_last_message_with_nothing_lost_or_repeated()
    {
        var publisher = CreateStore(o => Durable(o, "ledger"));
        var subscriber = await CreatePeerAsync(publisher);
        var ids = await publisher.PublishManyAsync("ledger", Enumerable.Range(1, 10), Ct);

        // Handled 1..4 before going away; resumes after 4 while more is published.
        var received = new Inbox<int>();
        await using var subscription = await subscriber.SubscribeAsync<int>("ledger", received.HandleAsync, new SubscriptionOptions<int> { After = ids[3] }, Ct);
        await publisher.PublishManyAsync("ledger", Enumerable.Range(11, 5), Ct);

        Assert.Equal(Enumerable.Range(5, 11), await received.TakeAsync(11, m => m.Payload));
        await received.AssertNothingMoreAsync();
    }

    [Fact]
    public async Task A_durable_subscription_without_a_position_gets_only_what_is_published_after_it()
    {
        var bus = CreateStore(o => Durable(o, "news"));
        await bus.PublishAsync("news", "old", Ct);
        var received = new Inbox<string>();
        await using var subscription = await bus.SubscribeAsync<string>("news", received.HandleAsync, cancellationToken: Ct);

        await bus.PublishAsync("news", "new", Ct);

        Assert.Equal("new", (await received.NextAsync()).Payload);
        await received.AssertNothingMoreAsync();
    }

    [Fact]
    public async Task A_slow_durable_subscriber_with_a_tiny_buffer_loses_nothing()
    {
        var bus = CreateStore(o => Durable(o, "orders"));
        using var gate = new SemaphoreSlim(0);
        var received = new Inbox<int>();
        await using var subscription = await bus.SubscribeAsync<int>("orders", async (m, ct) =>
        {
            await gate.WaitAsync(ct);
            await received.HandleAsync(m, ct);
        }, new SubscriptionOptions<int> { BufferSize = 2, After = "0" }, Ct);

        await bus.PublishManyAsync("orders", Enumerable.Range(1, 50), Ct);
        gate.Release(50);

        Assert.Equal(Enumerable.Range(1, 50), await received.TakeAsync(50, m => m.Payload));
        Assert.Equal(0, subscription.Dropped);
    }

    [Fact]
    public async Task A_durable_topic_keeps_at_most_its_length()
    {
        var bus = CreateStore(o => Durable(o, "recent", maxLength: 5));
        await bus.PublishManyAsync("recent", Enumerable.Range(1, 20), Ct);

        Assert.Equal([16, 17, 18, 19, 20], (await bus.ReadHistoryAsync<int>("recent", cancellationToken: Ct)).Select(m => m.Payload));
    }

    [Fact]
    public async Task History_and_positions_belong_to_durable_topics_only()
    {
        var bus = CreateStore(o => Durable(o, "kept"));
        await Assert.ThrowsAsync<ArgumentException>(() => bus.ReadHistoryAsync<int>("plain", cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => bus.SubscribeAsync<int>("plain", (_, _) => ValueTask.CompletedTask, new SubscriptionOptions<int> { After = "0" }, Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => bus.ReadHistoryAsync<int>("kept", "not-an-id", cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => bus.ReadHistoryAsync<int>("kept", count: 0, cancellationToken: Ct).AsTask());
    }

    [Fact]
    public async Task A_pattern_subscriber_also_hears_durable_topics_live()
    {
        var bus = CreateStore(o => Durable(o, "jobs.done"));
        var received = new Inbox<string>();
        await using var subscription = await bus.SubscribePatternAsync<string>("jobs.*", received.HandleAsync, cancellationToken: Ct);

        var id = await bus.PublishAsync("jobs.done", "x", Ct);

        var message = await received.NextAsync();
        Assert.Equal(id, message.Id);
        Assert.Equal("jobs.done", message.Topic);
    }
}

using System.Collections.Concurrent;
using RedisStores.Messaging;

namespace RedisStores.Tests.Messaging;

/// <summary>
/// What every <see cref="IMessageBus"/> must do. The in-memory bus and the Redis bus on each topology run it
/// unchanged; <see cref="ConformanceGuardTests"/> fails if an implementation has no concrete subclass.
/// </summary>
public abstract partial class MessageBusConformanceTests : StoreConformanceTests<IMessageBus>
{
    /// <summary>A second instance of the application, sharing the first one's messages.</summary>
    protected abstract Task<IMessageBus> CreatePeerAsync(IMessageBus first);

    [Fact]
    public async Task A_message_reaches_a_subscriber_of_another_instance_typed_with_its_id_topic_and_time()
    {
        var publisher = CreateStore();
        var subscriber = await CreatePeerAsync(publisher);
        var received = new Inbox<Order>();
        await using var subscription = await subscriber.SubscribeAsync<Order>("orders.created", received.HandleAsync, cancellationToken: Ct);

        var id = await publisher.PublishAsync("orders.created", new Order("A-1", 3), Ct);

        var message = await received.NextAsync();
        Assert.Equal(id, message.Id);
        Assert.Equal("orders.created", message.Topic);
        Assert.Equal(new Order("A-1", 3), message.Payload);
        Assert.Equal(Clock.GetUtcNow(), message.PublishedAt);
        Assert.Equal(1, subscription.Delivered);
    }

    [Fact]
    public async Task A_pattern_subscription_gets_every_matching_topic_and_only_those()
    {
        var bus = CreateStore();
        var received = new Inbox<string>();
        await using var subscription = await bus.SubscribePatternAsync<string>("tasks.*", received.HandleAsync, cancellationToken: Ct);

        await bus.PublishAsync("tasks.created", "one", Ct);
        await bus.PublishAsync("orders.created", "not this", Ct);
        await bus.PublishAsync("tasks.done", "two", Ct);
        await bus.PublishAsync("tasks", "not this either", Ct);

        // Order holds per topic; across topics a cluster may deliver them in either order.
        Assert.Equal(["tasks.created:one", "tasks.done:two"], (await received.TakeAsync(2, m => $"{m.Topic}:{m.Payload}")).Order(StringComparer.Ordinal));
        await received.AssertNothingMoreAsync();
        Assert.True(subscription.IsPattern);
    }

    [Theory]
    [InlineData("t[ab]?", "tax", true)]
    [InlineData("t[ab]?", "tcx", false)]
    [InlineData("t[^ab]x", "tcx", true)]
    [InlineData("t[a-c]x", "tbx", true)]
    [InlineData("lit\\*", "lit*", true)]
    [InlineData("lit\\*", "litx", false)]
    public async Task Patterns_match_as_Redis_globs_do(string pattern, string topic, bool matches)
    {
        var bus = CreateStore();
        var received = new Inbox<string>();
        await using var subscription = await bus.SubscribePatternAsync<string>(pattern, received.HandleAsync, cancellationToken: Ct);

        await bus.PublishAsync(topic, "x", Ct);

        if (matches)
        {
            Assert.Equal(topic, (await received.NextAsync()).Topic);
        }
        else
        {
            await received.AssertNothingMoreAsync();
        }
    }

    [Fact]
    public async Task Glob_characters_in_a_topic_are_literal()
    {
        var bus = CreateStore();
        var received = new Inbox<string>();
        await using var subscription = await bus.SubscribeAsync<string>("alerts.*", received.HandleAsync, cancellationToken: Ct);

        await bus.PublishAsync("alerts.disk", "not for the literal topic", Ct);
        await bus.PublishAsync("alerts.*", "for it", Ct);

        var message = await received.NextAsync();
        Assert.Equal("for it", message.Payload);
        Assert.Equal("alerts.*", message.Topic);
    }

    [Fact]
    public async Task A_batch_arrives_whole_and_in_order()
    {
        var publisher = CreateStore();
        var subscriber = await CreatePeerAsync(publisher);
        var received = new Inbox<int>();
        await using var subscription = await subscriber.SubscribeAsync<int>("numbers", received.HandleAsync, cancellationToken: Ct);

        var ids = await publisher.PublishManyAsync("numbers", Enumerable.Range(1, 200), Ct);

        Assert.Equal(Enumerable.Range(1, 200), await received.TakeAsync(200, m => m.Payload));
        Assert.Equal(200, ids.Distinct().Count());
    }

    [Fact]
    public async Task A_filter_drops_what_it_refuses_before_the_handler()
    {
        var bus = CreateStore();
        var received = new Inbox<int>();
        await using var subscription = await bus.SubscribeAsync<int>("n", received.HandleAsync, new SubscriptionOptions<int> { Filter = m => m.Payload % 2 == 0 }, Ct);

        await bus.PublishManyAsync("n", [1, 2, 3, 4], Ct);

        Assert.Equal([2, 4], await received.TakeAsync(2, m => m.Payload));
        Assert.Equal(2, subscription.Dropped);
    }

    [Fact]
    public async Task A_handler_that_throws_is_counted_and_the_subscription_lives_on()
    {
        var bus = CreateStore();
        var received = new Inbox<string>();
        await using var subscription = await bus.SubscribeAsync<string>("faulty", async (m, ct) =>
        {
            if (m.Payload == "boom")
            {
                throw new InvalidOperationException("handler bug");
            }

            await received.HandleAsync(m, ct);
        }, cancellationToken: Ct);

        await bus.PublishAsync("faulty", "boom", Ct);
        await bus.PublishAsync("faulty", "fine", Ct);

        Assert.Equal("fine", (await received.NextAsync()).Payload);
        Assert.Equal(1, subscription.HandlerFailures);
        Assert.Equal(2, subscription.Delivered);
    }

    [Theory]
    [InlineData(BufferOverflow.DropOldest, new[] { 5, 6 })]
    [InlineData(BufferOverflow.DropNewest, new[] { 2, 3 })]
    public async Task A_slow_handler_does_not_hold_up_others_and_its_full_buffer_drops_by_its_policy(BufferOverflow overflow, int[] kept)
    {
        var bus = CreateStore();
        using var gate = new SemaphoreSlim(0);
        var slow = new Inbox<int>();
        var fast = new Inbox<int>();
        var started = new TaskCompletionSource();
        await using var slowSubscription = await bus.SubscribeAsync<int>("load", async (m, ct) =>
        {
            started.TrySetResult();
            await gate.WaitAsync(ct);
            await slow.HandleAsync(m, ct);
        }, new SubscriptionOptions<int> { BufferSize = 2, Overflow = overflow }, Ct);
        await using var fastSubscription = await bus.SubscribeAsync<int>("load", fast.HandleAsync, cancellationToken: Ct);

        await bus.PublishAsync("load", 1, Ct);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct); // 1 is in the handler; the buffer holds 2
        await bus.PublishManyAsync("load", [2, 3, 4, 5, 6], Ct);

        Assert.Equal([1, 2, 3, 4, 5, 6], await fast.TakeAsync(6, m => m.Payload)); // not held up

        // Each subscription has its own queue: wait until the slow one has met all five, then let its handler go.
        await Caching.CacheTestSupport.WaitUntilAsync(() => slowSubscription.Dropped == 3, "the slow subscription's buffer overflowed");
        gate.Release(10);
        Assert.Equal([1, .. kept], await slow.TakeAsync(3, m => m.Payload));
        Assert.Equal(3, slowSubscription.Dropped);
    }

    [Fact]
    public async Task A_disposed_subscription_receives_nothing_more()
    {
        var bus = CreateStore();
        var received = new Inbox<string>();
        var subscription = await bus.SubscribeAsync<string>("t", received.HandleAsync, cancellationToken: Ct);
        await bus.PublishAsync("t", "before", Ct);
        Assert.Equal("before", (await received.NextAsync()).Payload);

        await subscription.DisposeAsync();
        await bus.PublishAsync("t", "after", Ct);

        await received.AssertNothingMoreAsync();
        await subscription.DisposeAsync(); // twice is fine
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_handler_may_dispose_its_own_subscription(bool durable)
    {
        var bus = CreateStore(o => o.Messaging.DurableTopics["kept"] = new DurableTopicOptions());
        var topic = durable ? "kept" : "plain";
        IMessageSubscription? subscription = null;
        var disposed = new TaskCompletionSource();
        subscription = await bus.SubscribeAsync<int>(topic, async (_, _) =>
        {
            await subscription!.DisposeAsync();
            disposed.TrySetResult();
        }, cancellationToken: Ct);

        await bus.PublishAsync(topic, 1, Ct);

        await disposed.Task.WaitAsync(TimeSpan.FromSeconds(15), Ct);
        await bus.PublishAsync(topic, 2, Ct);
        Assert.Equal(1, subscription.Delivered);
    }

    [Fact]
    public async Task Messages_still_buffered_when_a_subscription_is_disposed_are_not_handled()
    {
        var bus = CreateStore();
        using var gate = new SemaphoreSlim(0);
        var handled = 0;
        var first = new TaskCompletionSource();
        var subscription = await bus.SubscribeAsync<int>("backlog", async (_, _) =>
        {
            first.TrySetResult();
            await gate.WaitAsync(CancellationToken.None); // ignores its token on purpose
            Interlocked.Increment(ref handled);
        }, cancellationToken: Ct);
        await bus.PublishManyAsync("backlog", Enumerable.Range(0, 100), Ct);
        await first.Task.WaitAsync(TimeSpan.FromSeconds(15), Ct);

        var disposing = subscription.DisposeAsync().AsTask();
        gate.Release(100);
        await disposing.WaitAsync(TimeSpan.FromSeconds(15), Ct);

        Assert.Equal(1, handled);
    }

    [Fact]
    public async Task A_message_that_cannot_be_read_as_the_subscribed_type_is_dropped_not_fatal()
    {
        var bus = CreateStore();
        var received = new Inbox<Order>();
        await using var subscription = await bus.SubscribeAsync<Order>("mixed", received.HandleAsync, cancellationToken: Ct);

        await bus.PublishAsync("mixed", "a plain string", Ct);
        await bus.PublishAsync("mixed", new Order("B-2", 1), Ct);

        Assert.Equal("B-2", (await received.NextAsync()).Payload.Sku);
        Assert.Equal(1, subscription.Dropped);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("brace{")]
    [InlineData("back\\slash")]
    public async Task Bad_topics_are_refused(string topic)
    {
        var bus = CreateStore();
        await Assert.ThrowsAsync<ArgumentException>(() => bus.PublishAsync(topic, 1, Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => bus.SubscribeAsync<int>(topic, (_, _) => ValueTask.CompletedTask, cancellationToken: Ct).AsTask());
    }

    [Fact]
    public async Task Bad_batches_sizes_and_buffers_are_refused_before_anything_is_published()
    {
        var bus = CreateStore(o => o.Messaging.MaxMessageBytes = 100);
        var received = new Inbox<string>();
        await using var subscription = await bus.SubscribeAsync<string>("t", received.HandleAsync, cancellationToken: Ct);

        await Assert.ThrowsAsync<ArgumentException>(() => bus.PublishManyAsync<string>("t", [], Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => bus.PublishManyAsync("t", ["ok", new string('x', 200)], Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => bus.PublishAsync("t", new string('x', 200), Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentNullException>(() => bus.SubscribeAsync<string>("t", null!, cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => bus.SubscribeAsync<string>("t", received.HandleAsync, new SubscriptionOptions<string> { BufferSize = 0 }, Ct).AsTask());

        await received.AssertNothingMoreAsync();
    }

    public sealed record Order(string Sku, int Quantity);

    /// <summary>Collects what a handler receives, and waits for it without sleeping.</summary>
    protected sealed class Inbox<T>
    {
        private readonly ConcurrentQueue<BusMessage<T>> _messages = new();
        private readonly SemaphoreSlim _arrived = new(0);

        public ValueTask HandleAsync(BusMessage<T> message, CancellationToken cancellationToken)
        {
            _messages.Enqueue(message);
            _arrived.Release();
            return ValueTask.CompletedTask;
        }

        public async Task<BusMessage<T>> NextAsync()
        {
            Assert.True(await _arrived.WaitAsync(TimeSpan.FromSeconds(15), Ct), "No message arrived within 15 s.");
            Assert.True(_messages.TryDequeue(out var message));
            return message;
        }

        public async Task<List<TOut>> TakeAsync<TOut>(int count, Func<BusMessage<T>, TOut> select)
        {
            var taken = new List<TOut>(count);
            for (var i = 0; i < count; i++)
            {
                taken.Add(select(await NextAsync()));
            }

            return taken;
        }

        /// <summary>Nothing arrives for a moment: the check that something did not happen.</summary>
        public async Task AssertNothingMoreAsync()
        {
            Assert.False(await _arrived.WaitAsync(TimeSpan.FromMilliseconds(300), Ct), $"Unexpected message: {(_messages.TryPeek(out var m) ? m.Topic : "?")}");
        }
    }
}

using RedisStores.Messaging;

namespace RedisStores.Tests.RoundTrips;

internal static partial class RoundTripScenarios
{
    private const int PublishBatch = 100;

    private static readonly Section BusSection = new("Message bus", typeof(IMessageBus), nameof(RedisMessageBus), typeof(IMessageSubscription));

    private static IEnumerable<Scenario> BusRows()
    {
        static Scenario Row(string method, string state, Func<Scope, Meter, Task> run) => new(BusSection, typeof(IMessageBus), method, state, run);
        static ValueTask Ignore<T>(BusMessage<T> message, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        yield return Row(nameof(IMessageBus.PublishAsync), "a plain topic", async (s, m) =>
        {
            await m.MeasureAsync(() => s.Bus.PublishAsync("orders", new { Id = 7 }).AsTask());
        });

        yield return Row(nameof(IMessageBus.PublishAsync), "a durable topic of 3 messages", async (s, m) =>
        {
            await s.Bus.PublishManyAsync(Scope.DurableTopic, [1, 2, 3]);
            await m.MeasureAsync(() => s.Bus.PublishAsync(Scope.DurableTopic, 4).AsTask());
        }) with { Notes = "Appends to the topic's stream, publishes, and trims by length and age." };

        yield return Row(nameof(IMessageBus.PublishManyAsync), $"{PublishBatch} messages on a plain topic", async (s, m) =>
        {
            await m.MeasureAsync(() => s.Bus.PublishManyAsync("orders", Enumerable.Range(0, PublishBatch)).AsTask());
        }) with { SingleEntity = false };

        yield return Row(nameof(IMessageBus.PublishManyAsync), $"{PublishBatch} messages on a durable topic", async (s, m) =>
        {
            await m.MeasureAsync(() => s.Bus.PublishManyAsync(Scope.DurableTopic, Enumerable.Range(0, PublishBatch)).AsTask());
        }) with { SingleEntity = false };

        yield return Row(nameof(IMessageBus.SubscribeAsync), "a plain topic", async (s, m) =>
        {
            s.Own(await m.MeasureAsync(() => s.Bus.SubscribeAsync<int>("orders", Ignore).AsTask()));
        }) with { Notes = "Messages then arrive over the subscription connection; none costs a command." };

        yield return Row(nameof(IMessageBus.SubscribeAsync), "a durable topic of 3 messages", async (s, m) =>
        {
            await s.Bus.PublishManyAsync(Scope.DurableTopic, [1, 2, 3]);
            s.Own(await m.MeasureAsync(
                () => s.Bus.SubscribeAsync<int>(Scope.DurableTopic, Ignore).AsTask(),
                settle: () => m.UntilCompletedAsync(1, "XRANGE")));
        }) with
        {
            Exception = "a durable subscription finds where the topic ends, then subscribes; the call returns then, and its feeder reads on from that position in the background (the third round trip).",
            Notes = "Then one read per notification, and a poll each second while idle.",
        };

        yield return Row(nameof(IMessageBus.SubscribePatternAsync), "a pattern of plain topics", async (s, m) =>
        {
            s.Own(await m.MeasureAsync(() => s.Bus.SubscribePatternAsync<int>("orders.*", Ignore).AsTask()));
        });

        yield return Row(nameof(IMessageBus.ReadHistoryAsync), "a durable topic of 3 messages", async (s, m) =>
        {
            await s.Bus.PublishManyAsync(Scope.DurableTopic, [1, 2, 3]);
            await m.MeasureAsync(() => s.Bus.ReadHistoryAsync<int>(Scope.DurableTopic).AsTask());
        }) with { SingleEntity = false };

        yield return new Scenario(BusSection, typeof(IMessageSubscription), nameof(IAsyncDisposable.DisposeAsync), "a subscription to a plain topic", async (s, m) =>
        {
            var subscription = await s.Bus.SubscribeAsync<int>("orders", Ignore);
            await m.MeasureAsync(() => subscription.DisposeAsync().AsTask());
        }) with { Notes = "The unsubscribe is sent without waiting for its reply." };
    }
}

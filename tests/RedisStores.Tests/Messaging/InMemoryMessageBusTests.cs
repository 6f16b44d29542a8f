using RedisStores.Messaging;

namespace RedisStores.Tests.Messaging;

[ConformanceFor(typeof(InMemoryMessageBus))]
public sealed class InMemoryMessageBusTests : MessageBusConformanceTests
{
    protected override IMessageBus CreateStore(RedisStoresOptions options) => new InMemoryMessageBus(options, timeProvider: Clock);

    // In memory, the instances of an application are one process: the peer is the same bus.
    protected override Task<IMessageBus> CreatePeerAsync(IMessageBus first) => Task.FromResult(first);

    protected override Task LetTimePassAsync(TimeSpan duration) => AdvanceClock(duration);
}

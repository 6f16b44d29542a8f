using RedisStores.Workers;

namespace RedisStores.Tests.Workers;

[ConformanceFor(typeof(InMemoryWorkerStore))]
public sealed class InMemoryWorkerStoreTests : WorkerStoreConformanceTests
{
    protected override IWorkerStore CreateStore(RedisStoresOptions options) => new InMemoryWorkerStore(options, timeProvider: Clock);

    protected override Task LetTimePassAsync(TimeSpan duration) => AdvanceClock(duration);

    /// <summary>In memory the data lives in the instance, so the only instance that shares it is the store itself.</summary>
    protected override IWorkerStore CreatePeer(IWorkerStore first) => first;

    [Fact]
    public async Task Expired_executions_are_removed_from_memory_not_just_hidden()
    {
        var store = new InMemoryWorkerStore(timeProvider: Clock);
        for (var i = 0; i < 100; i++)
        {
            await store.StartExecutionAsync($"e{i}", new ExecutionOptions { Ttl = TimeSpan.FromSeconds(1) }, Ct);
        }

        Clock.Advance(TimeSpan.FromSeconds(2));
        await store.StartExecutionAsync("kept", cancellationToken: Ct);

        Assert.Equal(1, store.HeldCount);
    }
}

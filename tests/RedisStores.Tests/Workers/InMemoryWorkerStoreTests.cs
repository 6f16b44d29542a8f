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

    [Fact]
    public async Task A_queue_that_holds_nothing_is_forgotten_but_not_while_a_worker_waits_on_it_or_its_dedup_key_lives()
    {
        var store = new InMemoryWorkerStore(timeProvider: Clock);
        for (var i = 0; i < 50; i++)
        {
            await store.EnqueueAsync($"q{i}", i, cancellationToken: Ct);
            await store.AckAsync((await store.LeaseAsync<int>($"q{i}", cancellationToken: Ct))!, Ct);
        }

        Assert.Equal(0, store.QueueCount);

        await store.EnqueueAsync("deduped", 1, new EnqueueOptions { DedupKey = "k", DedupWindow = TimeSpan.FromSeconds(10) }, Ct);
        await store.AckAsync((await store.LeaseAsync<int>("deduped", cancellationToken: Ct))!, Ct);
        Assert.Equal(1, store.QueueCount);
        Assert.False((await store.EnqueueAsync("deduped", 1, new EnqueueOptions { DedupKey = "k" }, Ct)).Enqueued);

        using var stop = new CancellationTokenSource();
        var waiting = store.WaitAndLeaseAsync<int>("waited", Timeout.InfiniteTimeSpan, cancellationToken: stop.Token).AsTask();
        await store.PurgeAsync("waited", Ct);
        Assert.Equal(2, store.QueueCount);
        await store.EnqueueAsync("waited", 7, cancellationToken: Ct);
        Assert.Equal(7, (await waiting.WaitAsync(TimeSpan.FromSeconds(10), Ct))!.Payload);

        Clock.Advance(TimeSpan.FromSeconds(11));
        await store.PurgeAsync("deduped", Ct);
        Assert.Equal(1, store.QueueCount); // "waited" still holds its leased job
    }

    [Fact]
    public async Task A_queue_emptied_by_its_jobs_ttl_is_forgotten_when_next_read()
    {
        var store = new InMemoryWorkerStore(timeProvider: Clock);
        for (var i = 0; i < 20; i++)
        {
            await store.EnqueueAsync($"t{i}", i, new EnqueueOptions { Ttl = TimeSpan.FromSeconds(1) }, Ct);
        }

        Clock.Advance(TimeSpan.FromSeconds(5));
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(default, await store.GetCountsAsync($"t{i}", Ct));
            Assert.Null(await store.LeaseAsync<int>($"t{i + 10}", cancellationToken: Ct));
        }

        Assert.Equal(0, store.QueueCount);
    }
}

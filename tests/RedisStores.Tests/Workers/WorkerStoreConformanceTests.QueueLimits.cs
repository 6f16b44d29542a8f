using RedisStores.Workers;

namespace RedisStores.Tests.Workers;

// The queue length limit and the edges of scheduling, on every implementation.
public abstract partial class WorkerStoreConformanceTests
{
    [Fact]
    public async Task Duplicates_do_not_count_against_the_queue_limit_so_a_retried_enqueue_is_never_refused()
    {
        var store = CreateStore(o => o.Workers.MaxQueueLength = 2);
        var first = await store.EnqueueAsync("limited", 1, new EnqueueOptions { DedupKey = "order-1" }, Ct);
        await store.EnqueueAsync("limited", 2, cancellationToken: Ct);

        var retried = await store.EnqueueAsync("limited", 1, new EnqueueOptions { DedupKey = "order-1" }, Ct);
        var batch = await store.EnqueueManyAsync("limited", [new JobRequest<int>(1, new EnqueueOptions { DedupKey = "order-1" })], Ct);
        var full = await Assert.ThrowsAsync<QueueFullException>(() => store.EnqueueAsync("limited", 3, new EnqueueOptions { DedupKey = "order-2" }, Ct).AsTask());

        Assert.Equal(new EnqueueResult(first.JobId, false), retried);
        Assert.Equal(new EnqueueResult(first.JobId, false), Assert.Single(batch));
        Assert.Equal(2, full.Length);
        Assert.Equal(2, full.MaxLength);
        Assert.Equal(new QueueCounts(2, 0, 0, 0), await store.GetCountsAsync("limited", Ct));

        // One key twice in a batch is one job: it fits where two would not.
        var store2 = CreateStore(o => o.Workers.MaxQueueLength = 1);
        var twice = await store2.EnqueueManyAsync("limited-2", [new JobRequest<int>(1, new EnqueueOptions { DedupKey = "k" }), new JobRequest<int>(1, new EnqueueOptions { DedupKey = "k" })], Ct);
        Assert.Equal([true, false], twice.Select(r => r.Enqueued));
        Assert.Equal(twice[0].JobId, twice[1].JobId);
    }

    [Fact]
    public async Task RunAt_more_than_365_days_ahead_is_refused_not_shortened()
    {
        var store = CreateStore();
        var tooFar = Clock.GetUtcNow() + TimeSpan.FromDays(366);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.EnqueueAsync("far", 1, new EnqueueOptions { RunAt = tooFar }, Ct).AsTask());
        await store.EnqueueAsync("far", 1, new EnqueueOptions { RunAt = Clock.GetUtcNow() + TimeSpan.FromDays(364) }, Ct);
        Assert.Equal(new QueueCounts(0, 1, 0, 0), await store.GetCountsAsync("far", Ct));
    }
}

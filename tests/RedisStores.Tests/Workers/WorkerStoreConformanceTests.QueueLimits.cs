using RedisStores.Internal;
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

    [Fact]
    public async Task A_cursor_with_a_score_that_is_not_a_finite_number_is_refused()
    {
        var store = CreateStore();
        await store.EnqueueManyAsync("paged", [new JobRequest<int>(1), new JobRequest<int>(2)], Ct);
        var real = (await store.ListJobsAsync("paged", JobState.Ready, new JobQuery { PageSize = 1 }, Ct)).NextCursor!;
        var parts = OpaqueCursor.TryDecode(real)!.Split('|');

        foreach (var score in new[] { "NaN", "Infinity", "-Infinity" })
        {
            var forged = OpaqueCursor.Encode(string.Join('|', parts[0], parts[1], parts[2], score, parts[4]));
            await Assert.ThrowsAsync<ArgumentException>(() => store.ListJobsAsync("paged", JobState.Ready, new JobQuery { Cursor = forged }, Ct).AsTask());
        }
    }

    [Fact]
    public async Task A_batch_over_64_MiB_of_payloads_is_refused_whole()
    {
        var store = CreateStore();
        var big = new string('x', 1000 * 1000);
        var jobs = Enumerable.Range(0, 70).Select(_ => new JobRequest<string>(big)).ToList();

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => store.EnqueueManyAsync("huge", jobs, Ct).AsTask());

        Assert.Contains("split it", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, (await store.GetCountsAsync("huge", Ct)).Total);
    }
}

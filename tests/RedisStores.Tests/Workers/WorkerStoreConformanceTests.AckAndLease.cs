using System.Collections.Concurrent;
using RedisStores.Workers;

namespace RedisStores.Tests.Workers;

/// <summary>
/// What every <see cref="IWorkerStore"/> must do for <see cref="IWorkerStore.AckAndLeaseNextAsync"/>: the ack of
/// <see cref="IWorkerStore.AckAsync"/> and the lease of <see cref="IWorkerStore.LeaseAsync"/>, in one step.
/// </summary>
public abstract partial class WorkerStoreConformanceTests
{
    [Fact]
    public async Task Ack_and_lease_next_removes_the_job_and_leases_the_next_by_priority_then_enqueue_order()
    {
        var store = CreateStore();
        var low = await store.EnqueueAsync("chain", new OrderPayload("low", 1), cancellationToken: Ct);
        var first = await store.EnqueueAsync("chain", new OrderPayload("first", 1), new EnqueueOptions { Priority = 5 }, Ct);
        var second = await store.EnqueueAsync("chain", new OrderPayload("second", 1), new EnqueueOptions { Priority = 5, MaxAttempts = 3 }, Ct);
        var options = new LeaseOptions { VisibilityTimeout = TimeSpan.FromMinutes(2), WorkerId = "w-1" };
        var lease = await store.LeaseAsync<OrderPayload>("chain", options, Ct);
        Assert.Equal(first.JobId, lease!.JobId);

        var next = await store.AckAndLeaseNextAsync(lease, options, Ct);

        Assert.Null(await store.GetJobAsync("chain", first.JobId, Ct));
        Assert.NotNull(next);
        Assert.Equal("chain", next.Queue);
        Assert.Equal(second.JobId, next.JobId);
        Assert.Equal(new OrderPayload("second", 1), next.Payload);
        Assert.Equal(1, next.Attempt);
        Assert.Equal(3, next.MaxAttempts);
        Assert.Equal(5, next.Priority);
        Assert.Equal("w-1", next.WorkerId);
        Assert.Null(next.LastError);
        Assert.False(string.IsNullOrEmpty(next.LeaseToken));
        Assert.NotEqual(lease.LeaseToken, next.LeaseToken);
        var record = await store.GetJobAsync("chain", second.JobId, Ct);
        Assert.Equal(JobState.Leased, record!.State);
        Assert.Equal(next.ExpiresAt, record.StateUntil);
        Assert.Equal("w-1", record.WorkerId);
        Assert.Equal(next.EnqueuedAt, record.EnqueuedAt);
        Assert.Equal(new QueueCounts(1, 0, 1, 0), await store.GetCountsAsync("chain", Ct));

        // The next lease is a lease like any other; defaults apply without options.
        var last = await store.AckAndLeaseNextAsync(next, cancellationToken: Ct);
        Assert.Equal(low.JobId, last!.JobId);
        Assert.Null(last.WorkerId);
        Assert.Null(await store.AckAndLeaseNextAsync(last, cancellationToken: Ct));
        Assert.Equal(default, await store.GetCountsAsync("chain", Ct));
        await Assert.ThrowsAsync<LeaseLostException>(() => store.AckAsync(last, Ct).AsTask());
    }

    [Fact]
    public async Task Ack_and_lease_next_with_a_lease_no_longer_held_throws_and_leases_nothing()
    {
        var store = CreateStore();
        var waiting = await store.EnqueueAsync("lost", "waiting", new EnqueueOptions { Priority = 1 }, Ct);
        await store.EnqueueAsync("lost", "first", new EnqueueOptions { Priority = 2 }, Ct);
        var first = await store.LeaseAsync<string>("lost", new LeaseOptions { VisibilityTimeout = s_oneSecond }, Ct);

        // Acked already.
        await store.AckAsync(first!, Ct);
        var error = await Assert.ThrowsAsync<LeaseLostException>(() => store.AckAndLeaseNextAsync(first!, cancellationToken: Ct).AsTask());
        Assert.Equal("lost", error.Queue);
        Assert.Equal(first!.JobId, error.JobId);
        Assert.Equal(new QueueCounts(1, 0, 0, 0), await store.GetCountsAsync("lost", Ct));

        // Run out and leased again by another worker: the old lease takes nothing either, and the new one is intact.
        var stale = await store.LeaseAsync<string>("lost", new LeaseOptions { VisibilityTimeout = s_oneSecond }, Ct);
        Assert.Equal(waiting.JobId, stale!.JobId);
        await LetTimePassAsync(TimeSpan.FromMilliseconds(1300));
        var current = await CreatePeer(store).LeaseAsync<string>("lost", cancellationToken: Ct);
        Assert.Equal(2, current!.Attempt);
        await store.EnqueueAsync("lost", "must stay ready", cancellationToken: Ct);

        await Assert.ThrowsAsync<LeaseLostException>(() => store.AckAndLeaseNextAsync(stale, cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<LeaseLostException>(() => store.AckAndLeaseNextAsync(Forged(current, current.Queue, current.JobId, "not-the-token"), cancellationToken: Ct).AsTask());

        Assert.Equal(new QueueCounts(1, 0, 1, 0), await store.GetCountsAsync("lost", Ct));
        Assert.Equal(current.ExpiresAt, (await store.GetJobAsync("lost", current.JobId, Ct))!.StateUntil);
        Assert.Equal("must stay ready", (await store.PeekAsync("lost", Ct))!.GetPayload<string>());
        Assert.Equal("must stay ready", (await store.AckAndLeaseNextAsync(current, cancellationToken: Ct))!.Payload);
    }

    [Fact]
    public async Task Ack_and_lease_next_takes_back_due_work_first_as_a_lease_does()
    {
        var store = CreateStore();
        var expired = await store.EnqueueAsync("due", "ran out", cancellationToken: Ct);
        await store.LeaseAsync<string>("due", new LeaseOptions { VisibilityTimeout = s_oneSecond }, Ct);
        await store.EnqueueAsync("due", "held", cancellationToken: Ct);
        var held = await store.LeaseAsync<string>("due", cancellationToken: Ct);
        var delayed = await store.EnqueueAsync("due", "came due", new EnqueueOptions { Delay = s_oneSecond, Priority = 9 }, Ct);
        await store.EnqueueAsync("due", "dropped", new EnqueueOptions { Ttl = s_oneSecond, Priority = 200 }, Ct);

        await LetTimePassAsync(TimeSpan.FromMilliseconds(1300));
        var next = await store.AckAndLeaseNextAsync(held!, cancellationToken: Ct);

        // The delayed job came due, and its priority puts it before the job whose lease ran out; the job past its TTL is gone.
        Assert.Equal(delayed.JobId, next!.JobId);
        var last = await store.AckAndLeaseNextAsync(next, cancellationToken: Ct);
        Assert.Equal(expired.JobId, last!.JobId);
        Assert.Equal(2, last.Attempt);
        Assert.False(string.IsNullOrEmpty(last.LastError));
        Assert.Null(await store.AckAndLeaseNextAsync(last, cancellationToken: Ct));
        Assert.Equal(default, await store.GetCountsAsync("due", Ct));
    }

    [Fact]
    public async Task A_lease_taken_by_ack_and_lease_next_runs_out_comes_back_and_dies_on_its_last_attempt_like_any_lease()
    {
        var store = CreateStore();
        await store.EnqueueAsync("next", "first", new EnqueueOptions { Priority = 1 }, Ct);
        var job = await store.EnqueueAsync("next", "second", new EnqueueOptions { MaxAttempts = 2 }, Ct);
        var first = await store.LeaseAsync<string>("next", cancellationToken: Ct);
        var shortLease = new LeaseOptions { VisibilityTimeout = s_oneSecond };

        var second = await store.AckAndLeaseNextAsync(first!, shortLease, Ct);
        Assert.Equal(job.JobId, second!.JobId);
        Assert.Null(await store.LeaseAsync<string>("next", cancellationToken: Ct));
        await LetTimePassAsync(TimeSpan.FromMilliseconds(1300));
        var again = await store.LeaseAsync<string>("next", shortLease, Ct);
        await LetTimePassAsync(TimeSpan.FromMilliseconds(1300));

        Assert.Equal(2, again!.Attempt);
        await Assert.ThrowsAsync<LeaseLostException>(() => store.AckAsync(second, Ct).AsTask());
        Assert.Equal(new QueueCounts(0, 0, 0, 1), await store.GetCountsAsync("next", Ct));
    }

    [Fact]
    public async Task Eight_workers_chaining_ack_and_lease_next_complete_each_of_four_hundred_jobs_exactly_once()
    {
        var store = CreateStore();
        await store.EnqueueManyAsync("chained", Enumerable.Range(0, 400).Select(i => new JobRequest<int>(i)), Ct);
        var acked = new ConcurrentDictionary<int, int>();

        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            var peer = w % 2 == 0 ? store : CreatePeer(store);
            var lease = await peer.LeaseAsync<int>("chained", cancellationToken: Ct);
            while (lease is not null)
            {
                var done = lease.Payload;
                lease = await peer.AckAndLeaseNextAsync(lease, cancellationToken: Ct);
                acked.AddOrUpdate(done, 1, (_, n) => n + 1);
            }
        }, Ct)));

        Assert.Equal(400, acked.Count);
        Assert.All(acked, a => Assert.Equal(1, a.Value));
        Assert.Equal(default, await store.GetCountsAsync("chained", Ct));
    }
}

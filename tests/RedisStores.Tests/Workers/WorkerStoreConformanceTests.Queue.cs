using System.Collections.Concurrent;
using RedisStores.Workers;

namespace RedisStores.Tests.Workers;

/// <summary>
/// What every <see cref="IWorkerStore"/> work queue must do. Times on Redis run on the server's clock, so these tests
/// compare a store's times with other times the same store reported, never with the test's clock.
/// </summary>
public abstract partial class WorkerStoreConformanceTests
{
    private static readonly TimeSpan s_oneSecond = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Another instance over the same data as <paramref name="first"/>, as another process of the service has: on
    /// Redis a second store on the same keys, in memory the store itself (its data lives in the instance).
    /// </summary>
    protected abstract IWorkerStore CreatePeer(IWorkerStore first);

    [Fact]
    public async Task Jobs_are_leased_by_priority_then_in_enqueue_order_and_peek_shows_the_next_without_leasing()
    {
        var store = CreateStore();
        var ids = new Dictionary<string, string>();
        foreach (var (name, priority) in new[] { ("a", 0), ("b", 5), ("c", 0), ("d", EnqueueOptions.MaxPriority), ("e", 5), ("f", 0) })
        {
            ids[name] = (await store.EnqueueAsync("orders", name, new EnqueueOptions { Priority = priority }, Ct)).JobId;
        }

        var leased = new List<string>();
        while (true)
        {
            var next = await store.PeekAsync("orders", Ct);
            var again = await store.PeekAsync("orders", Ct);
            var lease = await store.LeaseAsync<string>("orders", cancellationToken: Ct);
            if (lease is null)
            {
                Assert.Null(next);
                break;
            }

            Assert.NotNull(next);
            Assert.Equal(next.JobId, again!.JobId);
            Assert.Equal(lease.JobId, next.JobId);
            Assert.Equal(JobState.Ready, next.State);
            Assert.Equal(lease.Payload, next.GetPayload<string>());
            leased.Add(lease.Payload);
        }

        Assert.Equal(["d", "b", "e", "a", "c", "f"], leased);
        Assert.Equal(new QueueCounts(0, 0, 6, 0), await store.GetCountsAsync("orders", Ct));
    }

    [Fact]
    public async Task Peek_leaves_the_job_ready_and_returns_null_for_a_queue_with_nothing_ready()
    {
        var store = CreateStore();
        Assert.Null(await store.PeekAsync("quiet", Ct));
        await store.EnqueueAsync("quiet", "later", new EnqueueOptions { Delay = TimeSpan.FromHours(1) }, Ct);
        Assert.Null(await store.PeekAsync("quiet", Ct));
        var ready = await store.EnqueueAsync("quiet", "now", cancellationToken: Ct);

        var peeked = await store.PeekAsync("quiet", Ct);

        Assert.Equal(ready.JobId, peeked!.JobId);
        Assert.Equal(0, peeked.Attempts);
        Assert.Null(peeked.StateUntil);
        Assert.Equal(new QueueCounts(1, 1, 0, 0), await store.GetCountsAsync("quiet", Ct));
        Assert.Equal(ready.JobId, (await store.LeaseAsync<string>("quiet", cancellationToken: Ct))!.JobId);
    }

    [Fact]
    public async Task Counts_show_each_state_and_an_unknown_queue_counts_zero()
    {
        var store = CreateStore();
        for (var i = 0; i < 5; i++)
        {
            await store.EnqueueAsync("mixed", i, cancellationToken: Ct);
        }

        await store.EnqueueAsync("mixed", 99, new EnqueueOptions { Delay = TimeSpan.FromHours(1) }, Ct);
        var doomed = await store.LeaseAsync<int>("mixed", cancellationToken: Ct);
        await store.DeadLetterAsync(doomed!, "poison", Ct);
        Assert.NotNull(await store.LeaseAsync<int>("mixed", cancellationToken: Ct));

        var counts = await store.GetCountsAsync("mixed", Ct);

        Assert.Equal(new QueueCounts(Ready: 3, Scheduled: 1, Leased: 1, Dead: 1), counts);
        Assert.Equal(6, counts.Total);
        Assert.Equal(default, await store.GetCountsAsync("never-used", Ct));
    }

    [Fact]
    public async Task A_delayed_job_is_scheduled_until_due_then_ready_and_leased()
    {
        var store = CreateStore();
        var delayed = await store.EnqueueAsync("later", "by-delay", new EnqueueOptions { Delay = TimeSpan.FromMilliseconds(400) }, Ct);
        var atTime = await store.EnqueueAsync("later", "by-run-at", new EnqueueOptions { RunAt = Clock.GetUtcNow() + TimeSpan.FromMilliseconds(400) }, Ct);

        var scheduled = await store.GetJobAsync("later", delayed.JobId, Ct);
        Assert.Equal(JobState.Scheduled, scheduled!.State);
        Assert.NotNull(scheduled.StateUntil);
        Assert.Equal(JobState.Scheduled, (await store.GetJobAsync("later", atTime.JobId, Ct))!.State);
        Assert.Equal(new QueueCounts(0, 2, 0, 0), await store.GetCountsAsync("later", Ct));
        Assert.Null(await store.LeaseAsync<string>("later", cancellationToken: Ct));
        Assert.Null(await store.PeekAsync("later", Ct));

        await LetTimePassAsync(TimeSpan.FromMilliseconds(700));

        Assert.Equal(new QueueCounts(2, 0, 0, 0), await store.GetCountsAsync("later", Ct));
        var first = await store.LeaseAsync<string>("later", cancellationToken: Ct);
        var second = await store.LeaseAsync<string>("later", cancellationToken: Ct);
        Assert.Equal(["by-delay", "by-run-at"], new[] { first!.Payload, second!.Payload });
        Assert.Equal(1, first.Attempt);
    }

    [Fact]
    public async Task A_run_at_in_the_past_or_a_zero_delay_is_ready_at_once()
    {
        var store = CreateStore();
        var past = await store.EnqueueAsync("now", "past", new EnqueueOptions { RunAt = Clock.GetUtcNow() - TimeSpan.FromHours(1) }, Ct);
        var zero = await store.EnqueueAsync("now", "zero", new EnqueueOptions { Delay = TimeSpan.Zero }, Ct);

        Assert.Equal(JobState.Ready, (await store.GetJobAsync("now", past.JobId, Ct))!.State);
        Assert.Equal(new QueueCounts(2, 0, 0, 0), await store.GetCountsAsync("now", Ct));
        Assert.Equal(past.JobId, (await store.LeaseAsync<string>("now", cancellationToken: Ct))!.JobId);
        Assert.Equal(zero.JobId, (await store.LeaseAsync<string>("now", cancellationToken: Ct))!.JobId);
    }

    [Fact]
    public async Task A_scheduled_job_that_comes_due_takes_its_place_by_priority()
    {
        var store = CreateStore();
        await store.EnqueueAsync("due", "low-ready", cancellationToken: Ct);
        await store.EnqueueAsync("due", "high-delayed", new EnqueueOptions { Priority = 9, Delay = TimeSpan.FromMilliseconds(300) }, Ct);

        await LetTimePassAsync(TimeSpan.FromMilliseconds(600));

        Assert.Equal("high-delayed", (await store.LeaseAsync<string>("due", cancellationToken: Ct))!.Payload);
        Assert.Equal("low-ready", (await store.LeaseAsync<string>("due", cancellationToken: Ct))!.Payload);
    }

    [Fact]
    public async Task A_dedup_key_returns_the_first_jobs_id_while_remembered_even_after_the_job_is_acked()
    {
        var store = CreateStore();
        var options = new EnqueueOptions { DedupKey = "invoice:42" };

        var first = await store.EnqueueAsync("billing", "a", options, Ct);
        var second = await store.EnqueueAsync("billing", "b", options, Ct);

        Assert.True(first.Enqueued);
        Assert.False(second.Enqueued);
        Assert.Equal(first.JobId, second.JobId);
        Assert.Equal(new QueueCounts(1, 0, 0, 0), await store.GetCountsAsync("billing", Ct));
        Assert.Equal("invoice:42", (await store.GetJobAsync("billing", first.JobId, Ct))!.DedupKey);

        var lease = await store.LeaseAsync<string>("billing", cancellationToken: Ct);
        Assert.Equal("a", lease!.Payload);
        await store.AckAsync(lease, Ct);
        var afterAck = await store.EnqueueAsync("billing", "c", options, Ct);

        Assert.Equal(new EnqueueResult(first.JobId, false), afterAck);
        Assert.Equal(0, (await store.GetCountsAsync("billing", Ct)).Total);
        Assert.True((await store.EnqueueAsync("shipping", "d", options, Ct)).Enqueued); // keys are per queue
    }

    [Fact]
    public async Task A_dedup_key_is_forgotten_after_its_window_and_the_job_is_enqueued_again()
    {
        var store = CreateStore(o => o.Workers.DedupWindow = TimeSpan.FromMilliseconds(300));
        var byDefault = new EnqueueOptions { DedupKey = "short" };
        var ownWindow = new EnqueueOptions { DedupKey = "long", DedupWindow = TimeSpan.FromHours(1) };
        var shortFirst = await store.EnqueueAsync("dedup", 1, byDefault, Ct);
        var longFirst = await store.EnqueueAsync("dedup", 2, ownWindow, Ct);

        await LetTimePassAsync(TimeSpan.FromMilliseconds(600));
        var shortAgain = await store.EnqueueAsync("dedup", 3, byDefault, Ct);
        var longAgain = await store.EnqueueAsync("dedup", 4, ownWindow, Ct);

        Assert.True(shortAgain.Enqueued);
        Assert.NotEqual(shortFirst.JobId, shortAgain.JobId);
        Assert.Equal(new EnqueueResult(longFirst.JobId, false), longAgain);
        Assert.Equal(new QueueCounts(3, 0, 0, 0), await store.GetCountsAsync("dedup", Ct));
    }

    [Fact]
    public async Task A_batch_is_enqueued_in_order_and_reports_each_job()
    {
        var store = CreateStore();
        JobRequest<string>[] batch =
        [
            new("low-1"),
            new("high", new EnqueueOptions { Priority = 9 }),
            new("low-2"),
            new("low-3", new EnqueueOptions { MaxAttempts = 2 }),
        ];

        var results = await store.EnqueueManyAsync("batch", batch, Ct);

        Assert.Equal(4, results.Count);
        Assert.All(results, r => Assert.True(r.Enqueued));
        Assert.Equal(4, results.Select(r => r.JobId).Distinct().Count());
        var leases = await LeaseAllAsync<string>(store, "batch");
        Assert.Equal(["high", "low-1", "low-2", "low-3"], leases.Select(l => l.Payload));
        Assert.Equal([results[1].JobId, results[0].JobId, results[2].JobId, results[3].JobId], leases.Select(l => l.JobId));
        Assert.Equal(2, leases[3].MaxAttempts);
    }

    [Fact]
    public async Task A_batch_holding_one_dedup_key_twice_enqueues_the_first_and_reports_the_second_as_its_duplicate()
    {
        var store = CreateStore();
        var existing = await store.EnqueueAsync("batch", "existing", new EnqueueOptions { DedupKey = "old" }, Ct);

        var results = await store.EnqueueManyAsync(
            "batch",
            [
                new JobRequest<string>("first", new EnqueueOptions { DedupKey = "k" }),
                new JobRequest<string>("second", new EnqueueOptions { DedupKey = "k" }),
                new JobRequest<string>("plain"),
                new JobRequest<string>("again", new EnqueueOptions { DedupKey = "old" }),
            ],
            Ct);

        Assert.True(results[0].Enqueued);
        Assert.Equal(new EnqueueResult(results[0].JobId, false), results[1]);
        Assert.True(results[2].Enqueued);
        Assert.NotEqual(results[0].JobId, results[2].JobId);
        Assert.Equal(new EnqueueResult(existing.JobId, false), results[3]);
        Assert.Equal(new QueueCounts(3, 0, 0, 0), await store.GetCountsAsync("batch", Ct));
        Assert.Equal(["existing", "first", "plain"], (await LeaseAllAsync<string>(store, "batch")).Select(l => l.Payload));
    }

    [Fact]
    public async Task A_bad_batch_is_refused_whole_and_enqueues_nothing()
    {
        var store = CreateStore(o => o.Workers.MaxPayloadBytes = 100);

        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.EnqueueManyAsync("batch", Array.Empty<JobRequest<string>>(), Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.EnqueueManyAsync("batch", [new JobRequest<string>("ok"), null!], Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.EnqueueManyAsync("batch", [new JobRequest<string>("ok"), new JobRequest<string>(new string('x', 200)), new JobRequest<string>("ok")], Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.EnqueueManyAsync("batch", [new JobRequest<string>("ok", new EnqueueOptions { DedupKey = "d" }), new JobRequest<string>("bad", new EnqueueOptions { Priority = 256 })], Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.EnqueueManyAsync<string>("batch", null!, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.EnqueueManyAsync("batch", Enumerable.Range(0, 10_001).Select(i => new JobRequest<int>(i)), Ct).AsTask());

        Assert.Equal(default, await store.GetCountsAsync("batch", Ct));
        Assert.True((await store.EnqueueAsync("batch", "after", new EnqueueOptions { DedupKey = "d" }, Ct)).Enqueued);
    }

    [Fact]
    public async Task An_ack_removes_the_job_and_a_second_ack_fails_typed()
    {
        var store = CreateStore();
        var enqueued = await store.EnqueueAsync("acks", new OrderPayload("sku-1", 2), cancellationToken: Ct);
        var lease = await store.LeaseAsync<OrderPayload>("acks", cancellationToken: Ct);
        Assert.Equal(new OrderPayload("sku-1", 2), lease!.Payload);

        await store.AckAsync(lease, Ct);

        Assert.Null(await store.GetJobAsync("acks", enqueued.JobId, Ct));
        Assert.Equal(default, await store.GetCountsAsync("acks", Ct));
        var error = await Assert.ThrowsAsync<LeaseLostException>(() => store.AckAsync(lease, Ct).AsTask());
        Assert.Equal("acks", error.Queue);
        Assert.Equal(enqueued.JobId, error.JobId);
        await Assert.ThrowsAsync<LeaseLostException>(() => store.FailAsync(lease, "late", Ct).AsTask());
        await Assert.ThrowsAsync<LeaseLostException>(() => store.DeadLetterAsync(lease, "late", Ct).AsTask());
        await Assert.ThrowsAsync<LeaseLostException>(() => store.ExtendLeaseAsync(lease, cancellationToken: Ct).AsTask());
        Assert.Equal(default, await store.GetCountsAsync("acks", Ct));
    }

    [Fact]
    public async Task An_expired_lease_redelivers_the_job_with_the_next_attempt_and_the_old_lease_stops_working()
    {
        var store = CreateStore();
        var enqueued = await store.EnqueueAsync("redeliver", "work", cancellationToken: Ct);
        var first = await store.LeaseAsync<string>("redeliver", new LeaseOptions { VisibilityTimeout = s_oneSecond }, Ct);
        Assert.Equal(1, first!.Attempt);
        Assert.Null(await store.LeaseAsync<string>("redeliver", cancellationToken: Ct));

        await LetTimePassAsync(TimeSpan.FromMilliseconds(1300));

        Assert.Equal(new QueueCounts(1, 0, 0, 0), await store.GetCountsAsync("redeliver", Ct));
        var second = await store.LeaseAsync<string>("redeliver", new LeaseOptions { VisibilityTimeout = TimeSpan.FromSeconds(30) }, Ct);
        Assert.Equal(enqueued.JobId, second!.JobId);
        Assert.Equal(2, second.Attempt);
        Assert.False(string.IsNullOrEmpty(second.LastError)); // a lease that ran out counts as a failed attempt
        Assert.NotEqual(first.LeaseToken, second.LeaseToken);

        await Assert.ThrowsAsync<LeaseLostException>(() => store.AckAsync(first, Ct).AsTask());
        await Assert.ThrowsAsync<LeaseLostException>(() => store.FailAsync(first, "stale", Ct).AsTask());
        await Assert.ThrowsAsync<LeaseLostException>(() => store.DeadLetterAsync(first, "stale", Ct).AsTask());
        await Assert.ThrowsAsync<LeaseLostException>(() => store.ExtendLeaseAsync(first, TimeSpan.FromMinutes(5), Ct).AsTask());
        await Assert.ThrowsAsync<LeaseLostException>(() => store.AckAsync(Forged(second, second.Queue, second.JobId, "not-the-token"), Ct).AsTask());

        var record = await store.GetJobAsync("redeliver", enqueued.JobId, Ct);
        Assert.Equal(JobState.Leased, record!.State);
        Assert.Equal(2, record.Attempts);
        Assert.Equal(second.ExpiresAt, record.StateUntil);
        await store.AckAsync(second, Ct);
        Assert.Equal(default, await store.GetCountsAsync("redeliver", Ct));
    }

    [Fact]
    public async Task A_failed_job_is_retried_after_a_doubling_backoff_then_dead_lettered_after_its_last_attempt()
    {
        var store = CreateStore(o =>
        {
            o.Workers.RetryBaseDelay = TimeSpan.FromMilliseconds(200);
            o.Workers.RetryMaxDelay = TimeSpan.FromSeconds(10);
        });
        var enqueued = await store.EnqueueAsync("retry", "flaky", new EnqueueOptions { MaxAttempts = 3 }, Ct);
        var lease1 = await store.LeaseAsync<string>("retry", new LeaseOptions { VisibilityTimeout = s_oneSecond }, Ct);

        var failure1 = await store.FailAsync(lease1!, "e1", Ct);

        Assert.Equal(1, failure1.Attempt);
        Assert.False(failure1.DeadLettered);
        Assert.NotNull(failure1.RetryAt);
        var scheduled = await store.GetJobAsync("retry", enqueued.JobId, Ct);
        Assert.Equal(JobState.Scheduled, scheduled!.State);
        Assert.Equal(failure1.RetryAt, scheduled.StateUntil);
        Assert.Equal("e1", scheduled.LastError);
        Assert.Equal(1, scheduled.Attempts);
        Assert.Equal(new QueueCounts(0, 1, 0, 0), await store.GetCountsAsync("retry", Ct));
        Assert.Null(await store.LeaseAsync<string>("retry", cancellationToken: Ct)); // the first retry waits 200 ms ± 20%
        Assert.True(failure1.RetryAt - LeasedAt(lease1!, s_oneSecond) >= TimeSpan.FromMilliseconds(160));

        await LetTimePassAsync(TimeSpan.FromMilliseconds(400));
        var lease2 = await store.LeaseAsync<string>("retry", new LeaseOptions { VisibilityTimeout = s_oneSecond }, Ct);
        Assert.Equal(enqueued.JobId, lease2!.JobId);
        Assert.Equal(2, lease2.Attempt);
        Assert.Equal("e1", lease2.LastError);
        var failure2 = await store.FailAsync(lease2, "e2", Ct);

        // The second retry waits twice as long: 400 ms ± 20%, more than the first could ever wait (240 ms).
        Assert.False(failure2.DeadLettered);
        Assert.True(failure2.RetryAt - LeasedAt(lease2, s_oneSecond) >= TimeSpan.FromMilliseconds(300), $"retry at {failure2.RetryAt:O}, leased at {LeasedAt(lease2, s_oneSecond):O}");
        await LetTimePassAsync(TimeSpan.FromMilliseconds(800));
        var lease3 = await store.LeaseAsync<string>("retry", cancellationToken: Ct);
        Assert.Equal(3, lease3!.Attempt);
        Assert.Equal("e2", lease3.LastError);
        var failure3 = await store.FailAsync(lease3, "e3", Ct);

        Assert.Equal(new JobFailure(3, true, null), failure3);
        var dead = await store.GetJobAsync("retry", enqueued.JobId, Ct);
        Assert.Equal(JobState.Dead, dead!.State);
        Assert.Equal("e3", dead.LastError);
        Assert.Equal(3, dead.Attempts);
        Assert.NotNull(dead.StateUntil);
        Assert.Equal(new QueueCounts(0, 0, 0, 1), await store.GetCountsAsync("retry", Ct));
        await LetTimePassAsync(TimeSpan.FromMilliseconds(300));
        Assert.Null(await store.LeaseAsync<string>("retry", cancellationToken: Ct));
    }

    [Fact]
    public async Task A_dead_lettered_job_dies_at_once_and_replay_brings_it_back_with_its_attempts_reset()
    {
        var store = CreateStore();
        var enqueued = await store.EnqueueAsync("poison", "bad", new EnqueueOptions { MaxAttempts = 5 }, Ct);
        var lease = await store.LeaseAsync<string>("poison", cancellationToken: Ct);

        await store.DeadLetterAsync(lease!, "can never work", Ct);

        var dead = await store.GetJobAsync("poison", enqueued.JobId, Ct);
        Assert.Equal(JobState.Dead, dead!.State);
        Assert.Equal("can never work", dead.LastError);
        Assert.Equal(new QueueCounts(0, 0, 0, 1), await store.GetCountsAsync("poison", Ct));
        Assert.Null(await store.LeaseAsync<string>("poison", cancellationToken: Ct));
        await Assert.ThrowsAsync<LeaseLostException>(() => store.AckAsync(lease!, Ct).AsTask());

        Assert.True(await store.ReplayDeadAsync("poison", enqueued.JobId, Ct));

        var replayed = await store.GetJobAsync("poison", enqueued.JobId, Ct);
        Assert.Equal(JobState.Ready, replayed!.State);
        Assert.Equal(0, replayed.Attempts);
        Assert.Equal(new QueueCounts(1, 0, 0, 0), await store.GetCountsAsync("poison", Ct));
        Assert.False(await store.ReplayDeadAsync("poison", enqueued.JobId, Ct)); // ready, not dead
        var again = await store.LeaseAsync<string>("poison", cancellationToken: Ct);
        Assert.Equal(1, again!.Attempt);
        Assert.Equal("bad", again.Payload);
        Assert.False(await store.ReplayDeadAsync("poison", enqueued.JobId, Ct)); // leased, not dead
        Assert.False(await store.ReplayDeadAsync("poison", "no-such-job", Ct));
        Assert.False(await store.ReplayDeadAsync("no-such-queue", enqueued.JobId, Ct));
    }

    [Fact]
    public async Task A_lease_that_runs_out_on_the_last_attempt_sends_the_job_to_the_dead_letters()
    {
        var store = CreateStore();
        var enqueued = await store.EnqueueAsync("crashy", "job", new EnqueueOptions { MaxAttempts = 1 }, Ct);
        var lease = await store.LeaseAsync<string>("crashy", new LeaseOptions { VisibilityTimeout = s_oneSecond }, Ct);

        await LetTimePassAsync(TimeSpan.FromMilliseconds(1300));

        Assert.Null(await store.LeaseAsync<string>("crashy", cancellationToken: Ct));
        var dead = await store.GetJobAsync("crashy", enqueued.JobId, Ct);
        Assert.Equal(JobState.Dead, dead!.State);
        Assert.Equal(1, dead.Attempts);
        Assert.Equal(new QueueCounts(0, 0, 0, 1), await store.GetCountsAsync("crashy", Ct));
        await Assert.ThrowsAsync<LeaseLostException>(() => store.AckAsync(lease!, Ct).AsTask());
        Assert.True(await store.ReplayDeadAsync("crashy", enqueued.JobId, Ct));
        Assert.Equal(1, (await store.LeaseAsync<string>("crashy", cancellationToken: Ct))!.Attempt);
    }

    [Fact]
    public async Task Extending_a_lease_moves_its_expiry_and_keeps_the_job_from_other_workers()
    {
        var store = CreateStore();
        var enqueued = await store.EnqueueAsync("long", "work", cancellationToken: Ct);
        var lease = await store.LeaseAsync<string>("long", new LeaseOptions { VisibilityTimeout = s_oneSecond, WorkerId = "w-1" }, Ct);
        await LetTimePassAsync(TimeSpan.FromMilliseconds(500));

        var extended = await store.ExtendLeaseAsync(lease!, TimeSpan.FromSeconds(3), Ct);

        // Extended half a second in, for 3 s: 2.5 s past the original expiry (less a few ms, as timers may fire early).
        Assert.True(extended.ExpiresAt - lease!.ExpiresAt >= TimeSpan.FromMilliseconds(2400), $"{lease.ExpiresAt:O} -> {extended.ExpiresAt:O}");
        Assert.Equal(lease.JobId, extended.JobId);
        Assert.Equal(lease.Attempt, extended.Attempt);
        Assert.Equal(lease.Payload, extended.Payload);
        Assert.Equal(extended.ExpiresAt, (await store.GetJobAsync("long", enqueued.JobId, Ct))!.StateUntil);

        await LetTimePassAsync(TimeSpan.FromMilliseconds(1000)); // past the original expiry

        Assert.Null(await store.LeaseAsync<string>("long", cancellationToken: Ct));
        Assert.Equal(new QueueCounts(0, 0, 1, 0), await store.GetCountsAsync("long", Ct));
        var byDefault = await store.ExtendLeaseAsync(lease, null, Ct); // the configured 30 s
        Assert.True(byDefault.ExpiresAt - extended.ExpiresAt >= TimeSpan.FromSeconds(25), $"{extended.ExpiresAt:O} -> {byDefault.ExpiresAt:O}");
        await store.AckAsync(lease, Ct); // the old object stays valid
        Assert.Null(await store.GetJobAsync("long", enqueued.JobId, Ct));
    }

    [Fact]
    public async Task A_job_not_leased_within_its_ttl_is_dropped_and_a_leased_one_is_kept()
    {
        var store = CreateStore();
        await store.EnqueueAsync("ttl", "taken", new EnqueueOptions { Priority = 9, Ttl = TimeSpan.FromMilliseconds(300) }, Ct);
        var taken = await store.LeaseAsync<string>("ttl", cancellationToken: Ct);
        var stale = await store.EnqueueAsync("ttl", "stale", new EnqueueOptions { Ttl = TimeSpan.FromMilliseconds(300) }, Ct);
        var kept = await store.EnqueueAsync("ttl", "kept", cancellationToken: Ct);
        Assert.Equal("taken", taken!.Payload);

        await LetTimePassAsync(TimeSpan.FromMilliseconds(700));

        Assert.Equal(kept.JobId, (await store.LeaseAsync<string>("ttl", cancellationToken: Ct))!.JobId);
        Assert.Null(await store.GetJobAsync("ttl", stale.JobId, Ct));
        Assert.Equal(JobState.Leased, (await store.GetJobAsync("ttl", taken.JobId, Ct))!.State);
        Assert.Equal(new QueueCounts(0, 0, 2, 0), await store.GetCountsAsync("ttl", Ct));
        await store.AckAsync(taken, Ct);
    }

    [Fact]
    public async Task The_configured_job_ttl_drops_unleased_jobs_unless_a_job_names_its_own()
    {
        var store = CreateStore(o => o.Workers.JobTtl = TimeSpan.FromMilliseconds(300));
        var dropped = await store.EnqueueAsync("cfg-ttl", "default", cancellationToken: Ct);
        var alsoDropped = await store.EnqueueAsync("cfg-ttl", "default too", new EnqueueOptions { Priority = 3 }, Ct);
        var own = await store.EnqueueAsync("cfg-ttl", "own", new EnqueueOptions { Ttl = TimeSpan.FromHours(1) }, Ct);

        await LetTimePassAsync(TimeSpan.FromMilliseconds(700));

        Assert.Equal(own.JobId, (await store.LeaseAsync<string>("cfg-ttl", cancellationToken: Ct))!.JobId);
        Assert.Null(await store.LeaseAsync<string>("cfg-ttl", cancellationToken: Ct));
        Assert.Null(await store.GetJobAsync("cfg-ttl", dropped.JobId, Ct));
        Assert.Null(await store.GetJobAsync("cfg-ttl", alsoDropped.JobId, Ct));
        Assert.Equal(new QueueCounts(0, 0, 1, 0), await store.GetCountsAsync("cfg-ttl", Ct));
    }

    [Fact]
    public async Task A_job_once_leased_no_longer_expires_even_while_it_waits_for_a_retry()
    {
        var store = CreateStore(o =>
        {
            o.Workers.RetryBaseDelay = TimeSpan.FromMilliseconds(200);
            o.Workers.RetryMaxDelay = TimeSpan.FromMilliseconds(200);
        });
        var enqueued = await store.EnqueueAsync("ttl-retry", "work", new EnqueueOptions { Ttl = TimeSpan.FromMilliseconds(300) }, Ct);
        var lease = await store.LeaseAsync<string>("ttl-retry", cancellationToken: Ct);
        await store.FailAsync(lease!, "transient", Ct);

        await LetTimePassAsync(TimeSpan.FromMilliseconds(700));

        var again = await store.LeaseAsync<string>("ttl-retry", cancellationToken: Ct);
        Assert.Equal(enqueued.JobId, again!.JobId);
        Assert.Equal(2, again.Attempt);
    }

    [Fact]
    public async Task A_full_queue_refuses_jobs_and_batches_whole_and_leased_jobs_do_not_count()
    {
        var store = CreateStore(o => o.Workers.MaxQueueLength = 3);
        await store.EnqueueAsync("bounded", 1, cancellationToken: Ct);
        await store.EnqueueAsync("bounded", 2, cancellationToken: Ct);
        await store.EnqueueAsync("bounded", 3, new EnqueueOptions { Delay = TimeSpan.FromHours(1) }, Ct);

        var full = await Assert.ThrowsAsync<QueueFullException>(() => store.EnqueueAsync("bounded", 4, cancellationToken: Ct).AsTask());

        Assert.Equal("bounded", full.Queue);
        Assert.Equal(3, full.Length);
        Assert.Equal(3, full.MaxLength);
        Assert.Equal(new QueueCounts(2, 1, 0, 0), await store.GetCountsAsync("bounded", Ct));
        await store.LeaseAsync<int>("bounded", cancellationToken: Ct);
        await Assert.ThrowsAsync<QueueFullException>(() => store.EnqueueManyAsync("bounded", [new JobRequest<int>(5), new JobRequest<int>(6)], Ct).AsTask());
        Assert.Equal(new QueueCounts(1, 1, 1, 0), await store.GetCountsAsync("bounded", Ct));
        Assert.True((await store.EnqueueAsync("bounded", 7, cancellationToken: Ct)).Enqueued);
        Assert.Equal(new QueueCounts(2, 1, 1, 0), await store.GetCountsAsync("bounded", Ct));
        Assert.True((await store.EnqueueAsync("other", 8, cancellationToken: Ct)).Enqueued); // the limit is per queue
    }

    [Fact]
    public async Task Ready_jobs_list_in_lease_order_a_page_at_a_time()
    {
        var store = CreateStore();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await store.EnqueueAsync("pages", i, new EnqueueOptions { Priority = i % 2 }, Ct)).JobId);
        }

        var page1 = await store.ListJobsAsync("pages", JobState.Ready, new JobQuery { PageSize = 2 }, Ct);
        var page2 = await store.ListJobsAsync("pages", JobState.Ready, new JobQuery { PageSize = 2, Cursor = page1.NextCursor }, Ct);
        var page3 = await store.ListJobsAsync("pages", JobState.Ready, new JobQuery { PageSize = 2, Cursor = page2.NextCursor }, Ct);
        var whole = await store.ListJobsAsync("pages", JobState.Ready, cancellationToken: Ct);

        Assert.Equal([ids[1], ids[3]], page1.Jobs.Select(j => j.JobId));
        Assert.Equal([ids[0], ids[2]], page2.Jobs.Select(j => j.JobId));
        Assert.Equal([ids[4]], page3.Jobs.Select(j => j.JobId));
        Assert.NotNull(page1.NextCursor);
        Assert.NotNull(page2.NextCursor);
        Assert.Null(page3.NextCursor);
        Assert.Equal([1, 3, 0, 2, 4], whole.Jobs.Select(j => j.GetPayload<int>()));
        Assert.Null(whole.NextCursor);
        Assert.All(whole.Jobs, j => Assert.Equal(JobState.Ready, j.State));
        Assert.All(whole.Jobs, j => Assert.Null(j.StateUntil));
        Assert.All(whole.Jobs, j => Assert.Equal("pages", j.Queue));
        var emptyPage = await store.ListJobsAsync("pages", JobState.Dead, cancellationToken: Ct);
        Assert.Empty(emptyPage.Jobs);
        Assert.Null(emptyPage.NextCursor);
    }

    [Fact]
    public async Task A_cursor_works_only_for_the_queue_and_state_that_made_it()
    {
        var store = CreateStore();
        for (var i = 0; i < 3; i++)
        {
            await store.EnqueueAsync("cursor-a", i, cancellationToken: Ct);
            await store.EnqueueAsync("cursor-b", i, cancellationToken: Ct);
        }

        var page = await store.ListJobsAsync("cursor-a", JobState.Ready, new JobQuery { PageSize = 1 }, Ct);
        Assert.NotNull(page.NextCursor);

        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.ListJobsAsync("cursor-b", JobState.Ready, new JobQuery { Cursor = page.NextCursor }, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.ListJobsAsync("cursor-a", JobState.Scheduled, new JobQuery { Cursor = page.NextCursor }, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.ListJobsAsync("cursor-a", JobState.Ready, new JobQuery { Cursor = "not-a-cursor" }, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.ListJobsAsync("cursor-a", JobState.Ready, new JobQuery { PageSize = 0 }, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.ListJobsAsync("cursor-a", JobState.Ready, new JobQuery { PageSize = JobQuery.MaxPageSize + 1 }, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.ListJobsAsync("cursor-a", (JobState)42, null, Ct).AsTask());
        Assert.Equal(2, (await store.ListJobsAsync("cursor-a", JobState.Ready, new JobQuery { Cursor = page.NextCursor }, Ct)).Jobs.Count);
    }

    [Fact]
    public async Task Scheduled_leased_and_dead_jobs_list_by_due_time_lease_expiry_and_time_of_death()
    {
        var store = CreateStore();
        var late = await store.EnqueueAsync("states", "late", new EnqueueOptions { Delay = TimeSpan.FromHours(2) }, Ct);
        var soon = await store.EnqueueAsync("states", "soon", new EnqueueOptions { Delay = TimeSpan.FromHours(1) }, Ct);
        for (var i = 0; i < 4; i++)
        {
            await store.EnqueueAsync("states", $"r{i}", cancellationToken: Ct);
        }

        var longLease = await store.LeaseAsync<string>("states", new LeaseOptions { VisibilityTimeout = TimeSpan.FromMinutes(2) }, Ct);
        var shortLease = await store.LeaseAsync<string>("states", new LeaseOptions { VisibilityTimeout = TimeSpan.FromMinutes(1), WorkerId = "w-short" }, Ct);
        var diesFirst = await store.LeaseAsync<string>("states", cancellationToken: Ct);
        var diesSecond = await store.LeaseAsync<string>("states", cancellationToken: Ct);
        await store.DeadLetterAsync(diesSecond!, "first death", Ct);
        await LetTimePassAsync(TimeSpan.FromMilliseconds(50));
        await store.DeadLetterAsync(diesFirst!, "second death", Ct);

        var scheduled = (await store.ListJobsAsync("states", JobState.Scheduled, cancellationToken: Ct)).Jobs;
        var leased = (await store.ListJobsAsync("states", JobState.Leased, cancellationToken: Ct)).Jobs;
        var dead = (await store.ListJobsAsync("states", JobState.Dead, cancellationToken: Ct)).Jobs;

        Assert.Equal([soon.JobId, late.JobId], scheduled.Select(j => j.JobId));
        Assert.All(scheduled, j => Assert.Equal(JobState.Scheduled, j.State));
        Assert.True(scheduled[0].StateUntil < scheduled[1].StateUntil);
        Assert.Equal([shortLease!.JobId, longLease!.JobId], leased.Select(j => j.JobId));
        Assert.Equal([shortLease.ExpiresAt, longLease.ExpiresAt], leased.Select(j => j.StateUntil!.Value));
        Assert.Equal(["w-short", null], leased.Select(j => j.WorkerId));
        Assert.Equal([diesSecond!.JobId, diesFirst!.JobId], dead.Select(j => j.JobId));
        Assert.Equal(["first death", "second death"], dead.Select(j => j.LastError));
        Assert.All(dead, j => Assert.NotNull(j.StateUntil));
        Assert.Equal(new QueueCounts(0, 2, 2, 2), await store.GetCountsAsync("states", Ct));
    }

    [Fact]
    public async Task A_job_record_and_its_lease_show_every_field()
    {
        var store = CreateStore(o =>
        {
            o.Workers.RetryBaseDelay = TimeSpan.FromMinutes(1);
            o.Workers.RetryMaxDelay = TimeSpan.FromMinutes(1);
        });
        var payload = new OrderPayload("sku-9", 3);
        var enqueued = await store.EnqueueAsync("fields", payload, new EnqueueOptions { Priority = 7, MaxAttempts = 3, DedupKey = "order:9" }, Ct);

        var ready = await store.GetJobAsync("fields", enqueued.JobId, Ct);
        var lease = await store.LeaseAsync<OrderPayload>("fields", new LeaseOptions { VisibilityTimeout = TimeSpan.FromMinutes(1), WorkerId = "w-7" }, Ct);
        var leased = await store.GetJobAsync("fields", enqueued.JobId, Ct);

        Assert.Equal("fields", ready!.Queue);
        Assert.Equal(enqueued.JobId, ready.JobId);
        Assert.Equal(JobState.Ready, ready.State);
        Assert.Equal(7, ready.Priority);
        Assert.Equal(0, ready.Attempts);
        Assert.Equal(3, ready.MaxAttempts);
        Assert.Null(ready.StateUntil);
        Assert.Null(ready.WorkerId);
        Assert.Null(ready.LastError);
        Assert.Equal("order:9", ready.DedupKey);
        Assert.Equal(payload, ready.GetPayload<OrderPayload>());
        Assert.True(ready.PayloadBytes > 0);

        Assert.Equal("fields", lease!.Queue);
        Assert.Equal(enqueued.JobId, lease.JobId);
        Assert.Equal(payload, lease.Payload);
        Assert.Equal(1, lease.Attempt);
        Assert.Equal(3, lease.MaxAttempts);
        Assert.Equal(7, lease.Priority);
        Assert.Equal(ready.EnqueuedAt, lease.EnqueuedAt);
        Assert.Equal("w-7", lease.WorkerId);
        Assert.Null(lease.LastError);
        Assert.False(string.IsNullOrEmpty(lease.LeaseToken));

        Assert.Equal(JobState.Leased, leased!.State);
        Assert.Equal(1, leased.Attempts);
        Assert.Equal(lease.ExpiresAt, leased.StateUntil);
        Assert.Equal("w-7", leased.WorkerId);
        Assert.Equal(ready.EnqueuedAt, leased.EnqueuedAt);

        var failure = await store.FailAsync(lease, new string('e', 20_000), Ct);
        var failed = await store.GetJobAsync("fields", enqueued.JobId, Ct);
        Assert.Equal(JobState.Scheduled, failed!.State);
        Assert.Equal(failure.RetryAt, failed.StateUntil);
        Assert.Equal(new string('e', 16_384), failed.LastError);
        Assert.Equal(1, failed.Attempts);
        Assert.Equal(payload, failed.GetPayload<OrderPayload>());
    }

    [Fact]
    public async Task A_payload_that_cannot_be_read_as_the_asked_type_fails_typed_and_ends_in_the_dead_letters()
    {
        var store = CreateStore();
        var enqueued = await store.EnqueueAsync("typed", "not a number", new EnqueueOptions { MaxAttempts = 1 }, Ct);

        var peeked = await store.PeekAsync("typed", Ct);
        Assert.Throws<StoreSerializationException>(() => peeked!.GetPayload<int>());
        await Assert.ThrowsAsync<StoreSerializationException>(() => store.LeaseAsync<int>("typed", new LeaseOptions { VisibilityTimeout = s_oneSecond }, Ct).AsTask());

        Assert.Equal(new QueueCounts(0, 0, 1, 0), await store.GetCountsAsync("typed", Ct));
        await LetTimePassAsync(TimeSpan.FromMilliseconds(1300));
        Assert.Null(await store.LeaseAsync<string>("typed", cancellationToken: Ct));
        var dead = await store.GetJobAsync("typed", enqueued.JobId, Ct);
        Assert.Equal(JobState.Dead, dead!.State);
        Assert.Equal("not a number", dead.GetPayload<string>());
        Assert.Throws<StoreSerializationException>(() => dead.GetPayload<int>());
    }

    [Fact]
    public async Task Purge_deletes_every_job_in_every_state_with_its_dedup_key()
    {
        var store = CreateStore();
        await store.EnqueueAsync("purge", "r1", new EnqueueOptions { DedupKey = "once" }, Ct);
        await store.EnqueueAsync("purge", "r2", cancellationToken: Ct);
        await store.EnqueueAsync("purge", "r3", cancellationToken: Ct);
        await store.EnqueueAsync("purge", "r4", cancellationToken: Ct);
        await store.EnqueueAsync("purge", "s1", new EnqueueOptions { Delay = TimeSpan.FromHours(1) }, Ct);
        var held = await store.LeaseAsync<string>("purge", cancellationToken: Ct);
        var doomed = await store.LeaseAsync<string>("purge", cancellationToken: Ct);
        await store.DeadLetterAsync(doomed!, "x", Ct);
        await store.EnqueueAsync("kept", "elsewhere", cancellationToken: Ct);
        Assert.Equal(new QueueCounts(2, 1, 1, 1), await store.GetCountsAsync("purge", Ct));

        Assert.Equal(5, await store.PurgeAsync("purge", Ct));

        Assert.Equal(default, await store.GetCountsAsync("purge", Ct));
        Assert.Null(await store.GetJobAsync("purge", held!.JobId, Ct));
        Assert.Null(await store.LeaseAsync<string>("purge", cancellationToken: Ct));
        await Assert.ThrowsAsync<LeaseLostException>(() => store.AckAsync(held, Ct).AsTask());
        Assert.False(await store.ReplayDeadAsync("purge", doomed!.JobId, Ct));
        Assert.True((await store.EnqueueAsync("purge", "r1 again", new EnqueueOptions { DedupKey = "once" }, Ct)).Enqueued);
        Assert.Equal(1, await store.PurgeAsync("purge", Ct));
        Assert.Equal(0, await store.PurgeAsync("purge", Ct));
        Assert.Equal(0, await store.PurgeAsync("never-used", Ct));
        Assert.Equal(new QueueCounts(1, 0, 0, 0), await store.GetCountsAsync("kept", Ct));
    }

    [Fact]
    public async Task Purge_deletes_a_large_queue_whole()
    {
        var store = CreateStore();
        await store.EnqueueManyAsync("big-purge", Enumerable.Range(0, 1200).Select(i => new JobRequest<int>(i, new EnqueueOptions { Delay = i % 3 == 0 ? TimeSpan.FromHours(1) : null })), Ct);
        for (var i = 0; i < 5; i++)
        {
            await store.LeaseAsync<int>("big-purge", cancellationToken: Ct);
        }

        Assert.Equal(1200, await store.PurgeAsync("big-purge", Ct));

        Assert.Equal(default, await store.GetCountsAsync("big-purge", Ct));
    }

    [Fact]
    public async Task Wait_and_lease_takes_a_ready_job_at_once_and_returns_null_when_none_comes_in_time()
    {
        var store = CreateStore();
        Assert.Null(await store.WaitAndLeaseAsync<string>("idle", TimeSpan.Zero, cancellationToken: Ct));
        var empty = store.WaitAndLeaseAsync<string>("idle", TimeSpan.FromMilliseconds(300), cancellationToken: Ct).AsTask();

        Assert.Null(await PassTimeUntilDoneAsync(empty));

        var enqueued = await store.EnqueueAsync("idle", "here", cancellationToken: Ct);
        var lease = await Within(store.WaitAndLeaseAsync<string>("idle", TimeSpan.FromSeconds(30), new LeaseOptions { WorkerId = "w-1" }, Ct).AsTask());
        Assert.Equal(enqueued.JobId, lease!.JobId);
        Assert.Equal("w-1", lease.WorkerId);
        Assert.Equal(new QueueCounts(0, 0, 1, 0), await store.GetCountsAsync("idle", Ct));
    }

    [Fact]
    public async Task A_waiter_is_woken_by_an_enqueue_from_another_instance_not_by_polling()
    {
        // Polling once an hour: only the enqueue notification can wake the waiter within the test.
        var waiter = CreateStore(o => o.Workers.IdlePollInterval = TimeSpan.FromHours(1));
        var producer = CreatePeer(waiter);
        var waiting = waiter.WaitAndLeaseAsync<string>("inbox", TimeSpan.FromSeconds(30), cancellationToken: Ct).AsTask();
        await LetTimePassAsync(TimeSpan.FromMilliseconds(300));
        Assert.False(waiting.IsCompleted);

        var enqueued = await producer.EnqueueAsync("inbox", "wake up", cancellationToken: Ct);

        var lease = await Within(waiting);
        Assert.Equal(enqueued.JobId, lease!.JobId);
        Assert.Equal("wake up", lease.Payload);
    }

    [Fact]
    public async Task Two_waiters_and_two_enqueues_give_each_waiter_its_own_job()
    {
        var first = CreateStore(o => o.Workers.IdlePollInterval = TimeSpan.FromHours(1));
        var second = CreatePeer(first);
        var producer = CreatePeer(first);
        var waitingA = first.WaitAndLeaseAsync<int>("pair", TimeSpan.FromSeconds(30), cancellationToken: Ct).AsTask();
        var waitingB = second.WaitAndLeaseAsync<int>("pair", TimeSpan.FromSeconds(30), cancellationToken: Ct).AsTask();
        await LetTimePassAsync(TimeSpan.FromMilliseconds(300));
        Assert.False(waitingA.IsCompleted || waitingB.IsCompleted);

        await producer.EnqueueAsync("pair", 1, cancellationToken: Ct);
        await producer.EnqueueAsync("pair", 2, cancellationToken: Ct);

        var leases = await Within(Task.WhenAll(waitingA, waitingB));
        Assert.Equal([1, 2], leases.Select(l => l!.Payload).Order());
    }

    [Fact]
    public async Task A_waiter_is_woken_when_a_delayed_job_comes_due_not_by_polling()
    {
        var store = CreateStore(o => o.Workers.IdlePollInterval = TimeSpan.FromHours(1));
        var enqueued = await store.EnqueueAsync("timer", "due soon", new EnqueueOptions { Delay = TimeSpan.FromMilliseconds(400) }, Ct);
        var waiting = store.WaitAndLeaseAsync<string>("timer", TimeSpan.FromSeconds(30), cancellationToken: Ct).AsTask();
        Assert.False(waiting.IsCompleted);

        var lease = await PassTimeUntilDoneAsync(waiting);

        Assert.Equal(enqueued.JobId, lease!.JobId);
    }

    [Fact]
    public async Task A_waiter_is_woken_when_a_lease_runs_out_not_by_polling()
    {
        var store = CreateStore(o => o.Workers.IdlePollInterval = TimeSpan.FromHours(1));
        var enqueued = await store.EnqueueAsync("reclaim", "abandoned", cancellationToken: Ct);
        await store.LeaseAsync<string>("reclaim", new LeaseOptions { VisibilityTimeout = s_oneSecond }, Ct);
        var waiting = store.WaitAndLeaseAsync<string>("reclaim", TimeSpan.FromSeconds(30), cancellationToken: Ct).AsTask();
        Assert.False(waiting.IsCompleted);

        var lease = await PassTimeUntilDoneAsync(waiting);

        Assert.Equal(enqueued.JobId, lease!.JobId);
        Assert.Equal(2, lease.Attempt);
    }

    [Fact]
    public async Task Cancelling_a_waiter_stops_it_and_it_takes_no_job()
    {
        var store = CreateStore();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var waiting = store.WaitAndLeaseAsync<string>("cancel", TimeSpan.FromSeconds(30), cancellationToken: cancel.Token).AsTask();
        await LetTimePassAsync(TimeSpan.FromMilliseconds(200));
        Assert.False(waiting.IsCompleted);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Within(waiting));
        using var cancelForever = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var forever = store.WaitAndLeaseAsync<string>("cancel", Timeout.InfiniteTimeSpan, cancellationToken: cancelForever.Token).AsTask();
        await LetTimePassAsync(TimeSpan.FromMilliseconds(200));
        Assert.False(forever.IsCompleted);
        await cancelForever.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Within(forever));
        await store.EnqueueAsync("cancel", "left alone", cancellationToken: Ct);
        await LetTimePassAsync(TimeSpan.FromMilliseconds(200));
        Assert.Equal(new QueueCounts(1, 0, 0, 0), await store.GetCountsAsync("cancel", Ct));
    }

    [Fact]
    public async Task Eight_concurrent_workers_ack_each_of_four_hundred_jobs_exactly_once()
    {
        const int Jobs = 400;
        var store = CreateStore();
        var results = await store.EnqueueManyAsync("busy", Enumerable.Range(0, Jobs).Select(i => new JobRequest<int>(i)), Ct);
        Assert.All(results, r => Assert.True(r.Enqueued));
        var acked = new ConcurrentDictionary<int, int>();
        var peers = Enumerable.Range(0, 8).Select(_ => CreatePeer(store)).ToList();

        await Task.WhenAll(peers.Select((peer, w) => Task.Run(
            async () =>
            {
                var options = new LeaseOptions { WorkerId = $"w-{w}" };
                while (await peer.LeaseAsync<int>("busy", options, Ct) is { } lease)
                {
                    acked.AddOrUpdate(lease.Payload, 1, (_, n) => n + 1);
                    await peer.AckAsync(lease, Ct);
                }
            },
            Ct)));

        Assert.Equal(Jobs, acked.Count);
        Assert.All(acked, a => Assert.Equal(1, a.Value));
        Assert.Equal(default, await store.GetCountsAsync("busy", Ct));
    }

    [Theory]
    [MemberData(nameof(BadIds))]
    public async Task Bad_queue_names_and_job_ids_are_refused(string bad)
    {
        var store = CreateStore();
        await store.EnqueueAsync("fine", 1, cancellationToken: Ct);
        var lease = await store.LeaseAsync<int>("fine", cancellationToken: Ct);

        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.EnqueueAsync(bad, 1, cancellationToken: Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.EnqueueManyAsync(bad, [new JobRequest<int>(1)], Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.LeaseAsync<int>(bad, cancellationToken: Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.WaitAndLeaseAsync<int>(bad, TimeSpan.Zero, cancellationToken: Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.GetCountsAsync(bad, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.PeekAsync(bad, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.GetJobAsync(bad, lease!.JobId, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.GetJobAsync("fine", bad, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.ListJobsAsync(bad, JobState.Ready, null, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.ReplayDeadAsync(bad, lease!.JobId, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.ReplayDeadAsync("fine", bad, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.PurgeAsync(bad, Ct).AsTask());
        foreach (var forged in new[] { Forged(lease!, bad, lease!.JobId, lease.LeaseToken), Forged(lease, "fine", bad, lease.LeaseToken) })
        {
            await Assert.ThrowsAnyAsync<ArgumentException>(() => store.AckAsync(forged, Ct).AsTask());
            await Assert.ThrowsAnyAsync<ArgumentException>(() => store.FailAsync(forged, "x", Ct).AsTask());
            await Assert.ThrowsAnyAsync<ArgumentException>(() => store.DeadLetterAsync(forged, "x", Ct).AsTask());
            await Assert.ThrowsAnyAsync<ArgumentException>(() => store.ExtendLeaseAsync(forged, null, Ct).AsTask());
            await Assert.ThrowsAnyAsync<ArgumentException>(() => store.AckAndLeaseNextAsync(forged, null, Ct).AsTask());
        }

        Assert.Equal(new QueueCounts(0, 0, 1, 0), await store.GetCountsAsync("fine", Ct));
        await store.AckAsync(lease, Ct);
    }

    [Fact]
    public async Task Null_queue_names_job_ids_and_leases_are_refused()
    {
        var store = CreateStore();

        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.EnqueueAsync(null!, 1, cancellationToken: Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.LeaseAsync<int>(null!, cancellationToken: Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.GetCountsAsync(null!, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.GetJobAsync("q", null!, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.PurgeAsync(null!, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.AckAsync<int>(null!, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.FailAsync<int>(null!, "x", Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.DeadLetterAsync<int>(null!, "x", Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.ExtendLeaseAsync<int>(null!, null, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.AckAndLeaseNextAsync<int>(null!, null, Ct).AsTask());
        Assert.Null(await store.GetJobAsync("q", "never-enqueued", Ct));
    }

    [Fact]
    public async Task Enqueue_and_lease_options_out_of_range_are_refused_and_enqueue_nothing()
    {
        var store = CreateStore();
        var now = Clock.GetUtcNow();
        EnqueueOptions[] bad =
        [
            new() { Priority = -1 },
            new() { Priority = EnqueueOptions.MaxPriority + 1 },
            new() { MaxAttempts = 0 },
            new() { MaxAttempts = 1001 },
            new() { Delay = TimeSpan.FromMilliseconds(-1) },
            new() { Delay = TimeSpan.FromDays(366) },
            new() { Delay = TimeSpan.FromSeconds(1), RunAt = now + TimeSpan.FromSeconds(1) },
            new() { DedupKey = "has space" },
            new() { DedupKey = string.Empty },
            new() { DedupKey = new string('k', 513) },
            new() { DedupKey = "k", DedupWindow = TimeSpan.Zero },
            new() { Ttl = TimeSpan.Zero },
            new() { Ttl = TimeSpan.FromDays(366) },
        ];

        foreach (var options in bad)
        {
            await Assert.ThrowsAnyAsync<ArgumentException>(() => store.EnqueueAsync("opts", 1, options, Ct).AsTask());
        }

        Assert.Equal(default, await store.GetCountsAsync("opts", Ct));
        Assert.True((await store.EnqueueAsync("opts", 1, new EnqueueOptions { Priority = EnqueueOptions.MaxPriority, MaxAttempts = 1000, DedupKey = new string('k', 512) }, Ct)).Enqueued);
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.LeaseAsync<int>("opts", new LeaseOptions { VisibilityTimeout = TimeSpan.FromMilliseconds(500) }, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.LeaseAsync<int>("opts", new LeaseOptions { VisibilityTimeout = TimeSpan.FromDays(2) }, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.LeaseAsync<int>("opts", new LeaseOptions { WorkerId = "bad worker" }, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.WaitAndLeaseAsync<int>("opts", TimeSpan.FromSeconds(-2), cancellationToken: Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.WaitAndLeaseAsync<int>("opts", TimeSpan.FromDays(2), cancellationToken: Ct).AsTask());
        Assert.Equal(new QueueCounts(1, 0, 0, 0), await store.GetCountsAsync("opts", Ct));

        var lease = await store.LeaseAsync<int>("opts", new LeaseOptions { VisibilityTimeout = s_oneSecond }, Ct);
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.ExtendLeaseAsync(lease!, TimeSpan.FromMilliseconds(500), Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.FailAsync(lease!, string.Empty, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.DeadLetterAsync(lease!, string.Empty, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.AckAndLeaseNextAsync(lease!, new LeaseOptions { VisibilityTimeout = TimeSpan.FromMilliseconds(500) }, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.AckAndLeaseNextAsync(lease!, new LeaseOptions { WorkerId = "bad worker" }, Ct).AsTask());
        Assert.Equal(lease!.ExpiresAt, (await store.GetJobAsync("opts", lease.JobId, Ct))!.StateUntil);
    }

    [Fact]
    public async Task Oversized_and_unserializable_payloads_are_refused_before_anything_is_written()
    {
        var store = CreateStore(o => o.Workers.MaxPayloadBytes = 100);
        var loop = new Node();
        loop.Next = loop;

        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.EnqueueAsync("big", new string('x', 200), cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<StoreSerializationException>(() => store.EnqueueAsync("big", loop, cancellationToken: Ct).AsTask());

        Assert.Contains("RedisStores:Workers:MaxPayloadBytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(default, await store.GetCountsAsync("big", Ct));
        Assert.True((await store.EnqueueAsync("big", new string('x', 90), cancellationToken: Ct)).Enqueued);
    }

    [Fact]
    public void Queue_settings_out_of_range_are_refused_when_the_store_is_built()
    {
        AssertRefused("VisibilityTimeout", o => o.Workers.VisibilityTimeout = TimeSpan.FromMilliseconds(500));
        AssertRefused("MaxAttempts", o => o.Workers.MaxAttempts = 0);
        AssertRefused("RetryMaxDelay", o => o.Workers.RetryMaxDelay = TimeSpan.FromMilliseconds(10));
        AssertRefused("DedupWindow", o => o.Workers.DedupWindow = TimeSpan.Zero);
        AssertRefused("JobTtl", o => o.Workers.JobTtl = TimeSpan.Zero);
        AssertRefused("MaxQueueLength", o => o.Workers.MaxQueueLength = 0);
        AssertRefused("HeartbeatTtl", o => o.Workers.HeartbeatTtl = TimeSpan.FromMilliseconds(500));
        AssertRefused("IdlePollInterval", o => o.Workers.IdlePollInterval = TimeSpan.FromMilliseconds(50));

        void AssertRefused(string setting, Action<RedisStoresOptions> configure)
            => Assert.Contains($"RedisStores:Workers:{setting}", Assert.ThrowsAny<ArgumentException>(() => CreateStore(configure)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_cancelled_token_stops_every_queue_operation_before_it_starts()
    {
        var store = CreateStore();
        await store.EnqueueAsync("c", "ready", cancellationToken: Ct);
        await store.EnqueueAsync("c", "held", new EnqueueOptions { Priority = 1 }, Ct);
        var lease = await store.LeaseAsync<string>("c", cancellationToken: Ct);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var token = cancelled.Token;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.EnqueueAsync("c", "x", null, token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.EnqueueManyAsync("c", [new JobRequest<string>("x")], token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.LeaseAsync<string>("c", null, token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.WaitAndLeaseAsync<string>("c", TimeSpan.FromSeconds(5), null, token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.AckAsync(lease!, token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.FailAsync(lease!, "x", token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.DeadLetterAsync(lease!, "x", token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.ExtendLeaseAsync(lease!, null, token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.AckAndLeaseNextAsync(lease!, null, token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.GetCountsAsync("c", token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.PeekAsync("c", token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.GetJobAsync("c", lease!.JobId, token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.ListJobsAsync("c", JobState.Ready, null, token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.ReplayDeadAsync("c", lease!.JobId, token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.PurgeAsync("c", token).AsTask());

        Assert.Equal(new QueueCounts(1, 0, 1, 0), await store.GetCountsAsync("c", Ct));
        await store.AckAsync(lease!, Ct);
    }

    [Fact]
    public async Task A_full_queue_makes_room_when_waiting_jobs_are_dropped_by_their_ttl()
    {
        var store = CreateStore(o => o.Workers.MaxQueueLength = 2);
        await store.EnqueueAsync("bounded-ttl", 1, new EnqueueOptions { Ttl = TimeSpan.FromMilliseconds(300) }, Ct);
        await store.EnqueueAsync("bounded-ttl", 2, new EnqueueOptions { Ttl = TimeSpan.FromMilliseconds(300) }, Ct);

        await LetTimePassAsync(TimeSpan.FromMilliseconds(700));

        // The dropped jobs are gone (no job of the queue, counts zero), so they no longer hold places in it.
        Assert.True((await store.EnqueueAsync("bounded-ttl", 3, cancellationToken: Ct)).Enqueued);
        Assert.Equal(new QueueCounts(1, 0, 0, 0), await store.GetCountsAsync("bounded-ttl", Ct));
    }

    [Fact]
    public async Task Jobs_whose_lease_ran_out_wait_again_and_count_against_the_queue_limit()
    {
        var store = CreateStore(o => o.Workers.MaxQueueLength = 2);
        await store.EnqueueManyAsync("bounded-lease", [new JobRequest<int>(1), new JobRequest<int>(2)], Ct);
        await store.LeaseAsync<int>("bounded-lease", new LeaseOptions { VisibilityTimeout = s_oneSecond }, Ct);
        await store.LeaseAsync<int>("bounded-lease", new LeaseOptions { VisibilityTimeout = s_oneSecond }, Ct);

        await LetTimePassAsync(TimeSpan.FromMilliseconds(1300));

        // Both leases ran out: the two jobs wait again (QueueCounts.Ready counts them), and the limit counts waiting jobs.
        await Assert.ThrowsAsync<QueueFullException>(() => store.EnqueueAsync("bounded-lease", 3, cancellationToken: Ct).AsTask());
        Assert.Equal(new QueueCounts(2, 0, 0, 0), await store.GetCountsAsync("bounded-lease", Ct));
    }

    [Fact]
    public async Task A_ready_cursor_stays_valid_when_the_job_it_points_at_is_leased()
    {
        var store = CreateStore();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await store.EnqueueAsync("moving", i, cancellationToken: Ct)).JobId);
        }

        var first = await store.ListJobsAsync("moving", JobState.Ready, new JobQuery { PageSize = 2 }, Ct);
        await store.LeaseAsync<int>("moving", cancellationToken: Ct);
        await store.LeaseAsync<int>("moving", cancellationToken: Ct);
        var second = await store.ListJobsAsync("moving", JobState.Ready, new JobQuery { PageSize = 2, Cursor = first.NextCursor }, Ct);

        Assert.Equal([ids[0], ids[1]], first.Jobs.Select(j => j.JobId));
        Assert.Equal([ids[2], ids[3]], second.Jobs.Select(j => j.JobId));
        Assert.NotNull(second.NextCursor);
    }

    [Fact]
    public async Task Queue_names_job_ids_and_worker_ids_of_256_characters_with_every_allowed_sign_work()
    {
        var store = CreateStore();
        var queue = ("aZ0-_.@+=~/" + new string('q', 256))[..256];
        var worker = ("w-_.@+=~/" + new string('w', 256))[..256];
        await store.HeartbeatAsync(worker, new WorkerHeartbeat { Queues = [queue] }, Ct);

        var enqueued = await store.EnqueueAsync(queue, "payload", new EnqueueOptions { DedupKey = "a:b/c" + new string('k', 500) }, Ct);
        var lease = await store.LeaseAsync<string>(queue, new LeaseOptions { WorkerId = worker }, Ct);

        Assert.Equal(enqueued.JobId, lease!.JobId);
        Assert.Equal(queue, lease.Queue);
        Assert.Equal(worker, (await store.GetJobAsync(queue, lease.JobId, Ct))!.WorkerId);
        Assert.Equal(lease.JobId, Assert.Single((await store.ListJobsAsync(queue, JobState.Leased, cancellationToken: Ct)).Jobs).JobId);
        var held = Assert.Single(Assert.Single(await store.ListWorkersAsync(Ct)).Leases);
        Assert.Equal(new HeldJob(queue, lease.JobId, 1, lease.ExpiresAt), held);
        await store.DeadLetterAsync(lease, "x", Ct);
        Assert.True(await store.ReplayDeadAsync(queue, lease.JobId, Ct));
        Assert.Equal(1, await store.PurgeAsync(queue, Ct));
    }

    [Fact]
    public async Task A_waiter_is_woken_when_a_job_delayed_while_it_waits_comes_due()
    {
        // The waiter started on an empty queue: only a timer to the new job's due time (or a wake-up) can hand it over.
        var waiter = CreateStore(o => o.Workers.IdlePollInterval = TimeSpan.FromHours(1));
        var producer = CreatePeer(waiter);
        var waiting = waiter.WaitAndLeaseAsync<string>("late", TimeSpan.FromSeconds(30), cancellationToken: Ct).AsTask();
        await LetTimePassAsync(TimeSpan.FromMilliseconds(200));
        Assert.False(waiting.IsCompleted);

        var enqueued = await producer.EnqueueAsync("late", "delayed", new EnqueueOptions { Delay = TimeSpan.FromMilliseconds(400) }, Ct);

        var lease = await PassTimeUntilDoneAsync(waiting);
        Assert.Equal(enqueued.JobId, lease!.JobId);
    }

    [Fact]
    public async Task A_waiter_is_woken_when_a_job_failed_while_it_waits_comes_due_for_its_retry()
    {
        var store = CreateStore(o =>
        {
            o.Workers.IdlePollInterval = TimeSpan.FromHours(1);
            o.Workers.RetryBaseDelay = TimeSpan.FromMilliseconds(200);
            o.Workers.RetryMaxDelay = TimeSpan.FromMilliseconds(200);
        });
        var enqueued = await store.EnqueueAsync("retry-wait", "flaky", cancellationToken: Ct);
        var held = await store.LeaseAsync<string>("retry-wait", new LeaseOptions { VisibilityTimeout = TimeSpan.FromMinutes(5) }, Ct);
        var waiting = CreatePeer(store).WaitAndLeaseAsync<string>("retry-wait", TimeSpan.FromSeconds(30), cancellationToken: Ct).AsTask();
        await LetTimePassAsync(TimeSpan.FromMilliseconds(200));
        Assert.False(waiting.IsCompleted);

        await store.FailAsync(held!, "transient", Ct);

        var lease = await PassTimeUntilDoneAsync(waiting);
        Assert.Equal(enqueued.JobId, lease!.JobId);
        Assert.Equal(2, lease.Attempt);
    }

    [Fact]
    public async Task A_waiter_is_woken_by_a_replayed_dead_job()
    {
        var store = CreateStore(o => o.Workers.IdlePollInterval = TimeSpan.FromHours(1));
        var enqueued = await store.EnqueueAsync("replay-wait", "poison", cancellationToken: Ct);
        await store.DeadLetterAsync((await store.LeaseAsync<string>("replay-wait", cancellationToken: Ct))!, "bad", Ct);
        var waiting = CreatePeer(store).WaitAndLeaseAsync<string>("replay-wait", TimeSpan.FromSeconds(30), cancellationToken: Ct).AsTask();
        await LetTimePassAsync(TimeSpan.FromMilliseconds(300));
        Assert.False(waiting.IsCompleted);

        Assert.True(await store.ReplayDeadAsync("replay-wait", enqueued.JobId, Ct));

        var lease = await Within(waiting);
        Assert.Equal(enqueued.JobId, lease!.JobId);
        Assert.Equal(1, lease.Attempt);
    }

    [Fact]
    public async Task An_extension_counts_from_now_so_it_can_also_shorten_a_lease()
    {
        var store = CreateStore();
        var enqueued = await store.EnqueueAsync("shorten", "work", cancellationToken: Ct);
        var lease = await store.LeaseAsync<string>("shorten", new LeaseOptions { VisibilityTimeout = TimeSpan.FromMinutes(5) }, Ct);

        var shortened = await store.ExtendLeaseAsync(lease!, s_oneSecond, Ct);

        Assert.True(shortened.ExpiresAt < lease!.ExpiresAt);
        await LetTimePassAsync(TimeSpan.FromMilliseconds(1300));
        var again = await store.LeaseAsync<string>("shorten", cancellationToken: Ct);
        Assert.Equal(enqueued.JobId, again!.JobId);
        Assert.Equal(2, again.Attempt);
    }

    [Fact]
    public async Task Retries_wait_no_longer_than_the_configured_maximum()
    {
        var store = CreateStore(o =>
        {
            o.Workers.RetryBaseDelay = TimeSpan.FromMilliseconds(300);
            o.Workers.RetryMaxDelay = TimeSpan.FromMilliseconds(300);
        });
        var enqueued = await store.EnqueueAsync("capped", "flaky", cancellationToken: Ct);
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var lease = await store.LeaseAsync<string>("capped", cancellationToken: Ct);
            Assert.Equal(enqueued.JobId, lease!.JobId);
            Assert.Equal(attempt, lease.Attempt);
            Assert.False((await store.FailAsync(lease, $"e{attempt}", Ct)).DeadLettered);

            // Uncapped, the second retry would wait at least 480 ms and the third 960 ms; capped, at most 300 ms.
            await LetTimePassAsync(TimeSpan.FromMilliseconds(450));
        }

        Assert.Equal(4, (await store.LeaseAsync<string>("capped", cancellationToken: Ct))!.Attempt);
    }

    /// <summary>Leases until the queue has nothing ready, in lease order.</summary>
    private static async Task<List<JobLease<T>>> LeaseAllAsync<T>(IWorkerStore store, string queue)
    {
        var leases = new List<JobLease<T>>();
        while (await store.LeaseAsync<T>(queue, cancellationToken: Ct) is { } lease)
        {
            leases.Add(lease);
        }

        return leases;
    }

    /// <summary>When a lease was taken, by the store's clock: its expiry less its visibility timeout.</summary>
    private static DateTimeOffset LeasedAt<T>(JobLease<T> lease, TimeSpan visibilityTimeout) => lease.ExpiresAt - visibilityTimeout;

    /// <summary>A copy of <paramref name="lease"/> naming another queue, job or token, as a confused or stale caller would hold.</summary>
    private static JobLease<T> Forged<T>(JobLease<T> lease, string queue, string jobId, string leaseToken) => new()
    {
        Queue = queue,
        JobId = jobId,
        Payload = lease.Payload,
        Attempt = lease.Attempt,
        MaxAttempts = lease.MaxAttempts,
        Priority = lease.Priority,
        EnqueuedAt = lease.EnqueuedAt,
        ExpiresAt = lease.ExpiresAt,
        LastError = lease.LastError,
        WorkerId = lease.WorkerId,
        LeaseToken = leaseToken,
    };

    /// <summary>
    /// Lets time pass in small steps until <paramref name="task"/> finishes: in memory the fake clock drives the
    /// store's timers, so a waiter's wake-up needs the clock moved while it waits. A task still running after that
    /// fails the test (a wake-up that never came), rather than hanging it.
    /// </summary>
    private async Task<T> PassTimeUntilDoneAsync<T>(Task<T> task)
    {
        for (var i = 0; i < 40 && !task.IsCompleted; i++)
        {
            await LetTimePassAsync(TimeSpan.FromMilliseconds(100));
        }

        return await Within(task);
    }

    /// <summary>Awaits a task that should finish soon; a hang fails with a <see cref="TimeoutException"/>.</summary>
    private static Task<T> Within<T>(Task<T> task) => task.WaitAsync(TimeSpan.FromSeconds(15), Ct);

    public sealed record OrderPayload(string Sku, int Quantity);
}

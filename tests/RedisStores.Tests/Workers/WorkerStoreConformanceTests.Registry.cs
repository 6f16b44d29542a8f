using RedisStores.Workers;

namespace RedisStores.Tests.Workers;

/// <summary>What every <see cref="IWorkerStore"/> worker registry must do.</summary>
public abstract partial class WorkerStoreConformanceTests
{
    [Fact]
    public async Task A_heartbeat_registers_a_worker_with_its_queues_metadata_and_times()
    {
        var store = CreateStore(o => o.Workers.HeartbeatTtl = TimeSpan.FromSeconds(30));

        await store.HeartbeatAsync("w-1", new WorkerHeartbeat { Queues = ["emails", "billing"], Metadata = Metadata(("host", "box-1"), ("version", "1.2.3")) }, Ct);

        var worker = Assert.Single(await store.ListWorkersAsync(Ct));
        Assert.Equal("w-1", worker.WorkerId);
        Assert.Equal(["billing", "emails"], worker.Queues.Order(StringComparer.Ordinal));
        Assert.Equal(Metadata(("host", "box-1"), ("version", "1.2.3")), worker.Metadata.OrderBy(m => m.Key, StringComparer.Ordinal));
        Assert.Equal(worker.RegisteredAt, worker.LastHeartbeatAt);
        Assert.InRange(worker.ExpiresAt - worker.LastHeartbeatAt, TimeSpan.FromSeconds(29), TimeSpan.FromSeconds(31));
        Assert.Empty(worker.Leases);
        Assert.Equal("w-1", Assert.Single(await CreatePeer(store).ListWorkersAsync(Ct)).WorkerId);
    }

    [Fact]
    public async Task Workers_are_listed_by_id_and_a_bare_heartbeat_reports_no_queues_or_metadata()
    {
        var store = CreateStore();
        Assert.Empty(await store.ListWorkersAsync(Ct));

        await store.HeartbeatAsync("w-b", cancellationToken: Ct);
        await store.HeartbeatAsync("w-a", new WorkerHeartbeat(), Ct);
        await store.HeartbeatAsync("w-c", new WorkerHeartbeat { Queues = ["q"] }, Ct);

        var workers = await store.ListWorkersAsync(Ct);
        Assert.Equal(["w-a", "w-b", "w-c"], workers.Select(w => w.WorkerId));
        Assert.Empty(workers[0].Queues);
        Assert.Empty(workers[0].Metadata);
        Assert.Empty(workers[1].Queues);
        Assert.Equal(["q"], workers[2].Queues);
    }

    [Fact]
    public async Task A_later_heartbeat_replaces_queues_and_metadata_and_keeps_the_registration_time()
    {
        var store = CreateStore();
        await store.HeartbeatAsync("w-1", new WorkerHeartbeat { Queues = ["a", "b"], Metadata = Metadata(("zone", "eu")) }, Ct);
        var first = Assert.Single(await store.ListWorkersAsync(Ct));
        await LetTimePassAsync(TimeSpan.FromMilliseconds(300));

        await store.HeartbeatAsync("w-1", new WorkerHeartbeat { Queues = ["c"] }, Ct);

        var second = Assert.Single(await store.ListWorkersAsync(Ct));
        Assert.Equal(["c"], second.Queues);
        Assert.Empty(second.Metadata);
        Assert.Equal(first.RegisteredAt, second.RegisteredAt);
        Assert.True(second.LastHeartbeatAt > first.LastHeartbeatAt);
        Assert.True(second.ExpiresAt > first.ExpiresAt);
    }

    [Fact]
    public async Task A_worker_whose_heartbeat_runs_out_leaves_the_registry_and_a_new_heartbeat_registers_it_anew()
    {
        var store = CreateStore(o => o.Workers.HeartbeatTtl = TimeSpan.FromSeconds(1));
        await store.HeartbeatAsync("w-old", cancellationToken: Ct);
        var old = Assert.Single(await store.ListWorkersAsync(Ct));
        await LetTimePassAsync(TimeSpan.FromMilliseconds(500));
        await store.HeartbeatAsync("w-new", cancellationToken: Ct);

        await LetTimePassAsync(TimeSpan.FromMilliseconds(700));

        Assert.Equal(["w-new"], (await store.ListWorkersAsync(Ct)).Select(w => w.WorkerId));
        await store.HeartbeatAsync("w-old", cancellationToken: Ct);
        var again = (await store.ListWorkersAsync(Ct)).Single(w => w.WorkerId == "w-old");
        Assert.True(again.RegisteredAt > old.RegisteredAt);
        Assert.Equal(again.RegisteredAt, again.LastHeartbeatAt);
        Assert.False(await store.RemoveWorkerAsync("w-gone", Ct));
    }

    [Fact]
    public async Task A_worker_lists_the_jobs_it_holds_in_the_queues_it_serves()
    {
        var store = CreateStore(o =>
        {
            o.Workers.RetryBaseDelay = TimeSpan.FromMilliseconds(200);
            o.Workers.RetryMaxDelay = TimeSpan.FromMilliseconds(200);
        });
        await store.HeartbeatAsync("w-1", new WorkerHeartbeat { Queues = ["qa", "qb"] }, Ct);
        await store.HeartbeatAsync("w-2", new WorkerHeartbeat { Queues = ["qa"] }, Ct);
        var mine = new LeaseOptions { WorkerId = "w-1" };
        await store.EnqueueAsync("qa", "a1", cancellationToken: Ct);
        await store.EnqueueAsync("qa", "a2", cancellationToken: Ct);
        await store.EnqueueAsync("qb", "b1", cancellationToken: Ct);
        await store.EnqueueAsync("qc", "c1", cancellationToken: Ct);
        var a1 = await store.LeaseAsync<string>("qa", mine, Ct);
        var firstTry = await store.LeaseAsync<string>("qa", mine, Ct);
        await store.FailAsync(firstTry!, "once", Ct);
        await LetTimePassAsync(TimeSpan.FromMilliseconds(400));
        var a2 = await store.LeaseAsync<string>("qa", mine, Ct);
        await store.EnqueueAsync("qa", "a3", cancellationToken: Ct);
        await store.EnqueueAsync("qa", "a4", cancellationToken: Ct);
        var a3 = await store.LeaseAsync<string>("qa", new LeaseOptions { WorkerId = "w-2" }, Ct);
        var anonymous = await store.LeaseAsync<string>("qa", cancellationToken: Ct);
        var b1 = await store.LeaseAsync<string>("qb", mine, Ct);
        var c1 = await store.LeaseAsync<string>("qc", mine, Ct); // qc is not among w-1's queues
        Assert.Equal(["a1", "a2", "a3", "a4", "b1", "c1"], new[] { a1!.Payload, a2!.Payload, a3!.Payload, anonymous!.Payload, b1!.Payload, c1!.Payload });
        Assert.Equal(2, a2.Attempt);

        var workers = await store.ListWorkersAsync(Ct);

        Assert.Equal(["w-1", "w-2"], workers.Select(w => w.WorkerId));
        Assert.Equal(
            new[] { Held(a1), Held(a2), Held(b1) }.OrderBy(h => h.Queue, StringComparer.Ordinal).ThenBy(h => h.JobId, StringComparer.Ordinal),
            workers[0].Leases.OrderBy(h => h.Queue, StringComparer.Ordinal).ThenBy(h => h.JobId, StringComparer.Ordinal));
        Assert.Equal([Held(a3)], workers[1].Leases);

        await store.AckAsync(a1, Ct);
        await store.AckAsync(a3, Ct);

        workers = await store.ListWorkersAsync(Ct);
        Assert.Equal(new[] { a2.JobId, b1.JobId }.Order(StringComparer.Ordinal), workers[0].Leases.Select(h => h.JobId).Order(StringComparer.Ordinal));
        Assert.Empty(workers[1].Leases);

        static HeldJob Held(JobLease<string> lease) => new(lease.Queue, lease.JobId, lease.Attempt, lease.ExpiresAt);
    }

    [Fact]
    public async Task A_lease_that_ran_out_is_no_longer_listed_as_held()
    {
        var store = CreateStore();
        await store.HeartbeatAsync("w-1", new WorkerHeartbeat { Queues = ["jobs"] }, Ct);
        await store.EnqueueAsync("jobs", "short", cancellationToken: Ct);
        await store.EnqueueAsync("jobs", "long", cancellationToken: Ct);
        await store.LeaseAsync<string>("jobs", new LeaseOptions { WorkerId = "w-1", VisibilityTimeout = TimeSpan.FromSeconds(1) }, Ct);
        var kept = await store.LeaseAsync<string>("jobs", new LeaseOptions { WorkerId = "w-1", VisibilityTimeout = TimeSpan.FromMinutes(5) }, Ct);
        Assert.Equal(2, Assert.Single(await store.ListWorkersAsync(Ct)).Leases.Count);

        await LetTimePassAsync(TimeSpan.FromMilliseconds(1300));
        await store.HeartbeatAsync("w-1", new WorkerHeartbeat { Queues = ["jobs"] }, Ct);

        Assert.Equal([kept!.JobId], Assert.Single(await store.ListWorkersAsync(Ct)).Leases.Select(h => h.JobId));
    }

    [Fact]
    public async Task Removing_a_worker_unregisters_it_once_and_leaves_its_leases_alone()
    {
        var store = CreateStore();
        await store.HeartbeatAsync("w-1", new WorkerHeartbeat { Queues = ["jobs"] }, Ct);
        await store.HeartbeatAsync("w-2", cancellationToken: Ct);
        await store.EnqueueAsync("jobs", "held", cancellationToken: Ct);
        var lease = await store.LeaseAsync<string>("jobs", new LeaseOptions { WorkerId = "w-1" }, Ct);

        Assert.True(await store.RemoveWorkerAsync("w-1", Ct));
        Assert.False(await store.RemoveWorkerAsync("w-1", Ct));
        Assert.False(await store.RemoveWorkerAsync("never-registered", Ct));

        Assert.Equal(["w-2"], (await store.ListWorkersAsync(Ct)).Select(w => w.WorkerId));
        Assert.Equal(new QueueCounts(0, 0, 1, 0), await store.GetCountsAsync("jobs", Ct));
        Assert.Equal("w-1", (await store.GetJobAsync("jobs", lease!.JobId, Ct))!.WorkerId);
        await store.AckAsync(lease, Ct);
    }

    [Theory]
    [MemberData(nameof(BadIds))]
    public async Task Bad_worker_ids_and_heartbeat_queue_names_are_refused(string bad)
    {
        var store = CreateStore();
        await store.EnqueueAsync("jobs", 1, cancellationToken: Ct);

        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.HeartbeatAsync(bad, cancellationToken: Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.HeartbeatAsync("w-1", new WorkerHeartbeat { Queues = ["jobs", bad] }, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.RemoveWorkerAsync(bad, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.LeaseAsync<int>("jobs", new LeaseOptions { WorkerId = bad }, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.WaitAndLeaseAsync<int>("jobs", TimeSpan.Zero, new LeaseOptions { WorkerId = bad }, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.HeartbeatAsync(null!, cancellationToken: Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.RemoveWorkerAsync(null!, Ct).AsTask());

        Assert.Empty(await store.ListWorkersAsync(Ct));
        Assert.Equal(new QueueCounts(1, 0, 0, 0), await store.GetCountsAsync("jobs", Ct));
    }

    [Fact]
    public async Task Heartbeats_past_the_queue_and_metadata_limits_are_refused()
    {
        var store = CreateStore();
        var tooManyQueues = Enumerable.Range(0, 65).Select(i => $"q{i}").ToArray();
        var tooMuchMetadata = Enumerable.Range(0, 65).ToDictionary(i => $"k{i}", i => "v");

        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.HeartbeatAsync("w", new WorkerHeartbeat { Queues = tooManyQueues }, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.HeartbeatAsync("w", new WorkerHeartbeat { Metadata = tooMuchMetadata }, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.HeartbeatAsync("w", new WorkerHeartbeat { Metadata = Metadata(("k", new string('v', 1025))) }, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.HeartbeatAsync("w", new WorkerHeartbeat { Metadata = Metadata(("bad name", "v")) }, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.HeartbeatAsync("w", new WorkerHeartbeat { Metadata = Metadata(("k", null!)) }, Ct).AsTask());
        Assert.Empty(await store.ListWorkersAsync(Ct));

        await store.HeartbeatAsync("w", new WorkerHeartbeat { Queues = tooManyQueues[..64], Metadata = Metadata(("k", new string('v', 1024))) }, Ct);
        var worker = Assert.Single(await store.ListWorkersAsync(Ct));
        Assert.Equal(64, worker.Queues.Count);
        Assert.Equal(new string('v', 1024), worker.Metadata["k"]);
    }

    [Fact]
    public async Task A_cancelled_token_stops_every_registry_operation_before_it_starts()
    {
        var store = CreateStore();
        await store.HeartbeatAsync("w-1", new WorkerHeartbeat { Queues = ["a"] }, Ct);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.HeartbeatAsync("w-2", null, cancelled.Token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.HeartbeatAsync("w-1", new WorkerHeartbeat { Queues = ["b"] }, cancelled.Token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.RemoveWorkerAsync("w-1", cancelled.Token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.ListWorkersAsync(cancelled.Token).AsTask());

        var worker = Assert.Single(await store.ListWorkersAsync(Ct));
        Assert.Equal("w-1", worker.WorkerId);
        Assert.Equal(["a"], worker.Queues);
    }

    private static Dictionary<string, string> Metadata(params (string Name, string Value)[] entries)
        => entries.ToDictionary(e => e.Name, e => e.Value, StringComparer.Ordinal);
}

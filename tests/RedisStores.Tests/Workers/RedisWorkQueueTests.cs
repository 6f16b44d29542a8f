using System.Collections.Concurrent;
using RedisStores.Tests.Caching;
using RedisStores.Tests.Infrastructure;
using RedisStores.Workers;
using StackExchange.Redis;
using StackExchange.Redis.Profiling;

namespace RedisStores.Tests.Workers;

/// <summary>What only the Redis work queue can show: round trips, silence while idle, crashed processes, load, foreign data.</summary>
public sealed class RedisWorkQueueTests(RedisEnvironment redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (RedisWorkerStore Store, string Prefix) NewStore(IConnectionMultiplexer connection, Action<RedisStoresOptions>? configure = null, string? prefix = null)
    {
        var options = new RedisStoresOptions { KeyPrefix = prefix ?? RedisEnvironment.UniquePrefix() };
        configure?.Invoke(options);
        return (new RedisWorkerStore(connection, options), options.KeyPrefix);
    }

    [Theory]
    [InlineData(RedisTopology.Standalone)]
    [InlineData(RedisTopology.Cluster)]
    public async Task Every_single_job_operation_and_a_whole_batch_enqueue_is_one_script(RedisTopology topology)
    {
        await using var connection = await redis.Get(topology).ConnectAnotherAsync();
        var (store, _) = NewStore(connection);
        var session = new ProfilingSession();
        connection.RegisterProfiler(() => session);
        JobLease<int>? lease = null;
        var ops = new (string Name, Func<Task> Run)[]
        {
            ("enqueue", () => store.EnqueueAsync("q", 1, new EnqueueOptions { DedupKey = "d" }, Ct).AsTask()),
            ("enqueue ready", () => store.EnqueueAsync("q", 2, cancellationToken: Ct).AsTask()),
            ("enqueue 500", () => store.EnqueueManyAsync("q", Enumerable.Range(0, 500).Select(i => new JobRequest<int>(i)), Ct).AsTask()),
            ("lease", async () => lease = await store.LeaseAsync<int>("q", cancellationToken: Ct)),
            ("extend", async () => lease = await store.ExtendLeaseAsync(lease!, cancellationToken: Ct)),
            ("fail", async () => await store.FailAsync(lease!, "x", Ct)),
            ("lease again", async () => lease = await store.LeaseAsync<int>("q", cancellationToken: Ct)),
            ("ack and lease next", async () => lease = await store.AckAndLeaseNextAsync(lease!, cancellationToken: Ct)),
            ("ack", async () => await store.AckAsync(lease!, Ct)),
            ("counts", () => store.GetCountsAsync("q", Ct).AsTask()),
            ("peek", () => store.PeekAsync("q", Ct).AsTask()),
            ("get", () => store.GetJobAsync("q", "nope", Ct).AsTask()),
            ("list", () => store.ListJobsAsync("q", JobState.Ready, new JobQuery { PageSize = 100 }, Ct).AsTask()),
            ("replay", () => store.ReplayDeadAsync("q", "nope", Ct).AsTask()),
            ("heartbeat", () => store.HeartbeatAsync("w1", new WorkerHeartbeat { Queues = ["q"] }, Ct).AsTask()),
            ("remove worker", () => store.RemoveWorkerAsync("w2", Ct).AsTask()),
        };

        foreach (var (name, run) in ops)
        {
            session.FinishProfiling();
            await run();
            var commands = session.FinishProfiling().Select(c => c.Command).ToList();
            Assert.True(commands is ["EVALSHA"] or ["EVAL"], $"{name} sent {string.Join(", ", commands)}");
        }
    }

    [Fact]
    public async Task An_idle_waiter_sends_nothing_between_asks_and_an_enqueue_from_another_connection_wakes_it()
    {
        await using var waiterConnection = await redis.Standalone.ConnectAnotherAsync();
        var (waiter, prefix) = NewStore(waiterConnection, o => o.Workers.IdlePollInterval = TimeSpan.FromHours(1));
        var (producer, _) = NewStore(redis.Standalone.Connection, prefix: prefix);
        var session = new ProfilingSession();
        waiterConnection.RegisterProfiler(() => session);

        var waiting = waiter.WaitAndLeaseAsync<string>("idle", TimeSpan.FromSeconds(60), cancellationToken: Ct).AsTask();
        await Task.Delay(TimeSpan.FromSeconds(1.5), Ct);
        var whileIdle = session.FinishProfiling().Select(c => c.Command).ToList();
        Assert.False(waiting.IsCompleted);
        await producer.EnqueueAsync("idle", "wake up", cancellationToken: Ct);
        var lease = await waiting.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        // The store's first wait on the queue asks beside its subscription (which goes over the subscriber
        // connection). Finding nothing, it asks once more if the subscription was not yet live at its first ask, since
        // an enqueue in between would have gone unheard; whether it was depends on timing. Then silence.
        var asks = whileIdle.Where(c => c != "SUBSCRIBE").Select(c => c == "EVAL" ? "EVALSHA" : c).ToList();
        Assert.True(asks is ["EVALSHA"] or ["EVALSHA", "EVALSHA"], $"the first wait sent {string.Join(", ", asks)} while idle");
        Assert.Equal("wake up", lease!.Payload);

        // Later waits find the subscription live: one ask, then silence until the enqueue wakes them.
        session.FinishProfiling();
        var again = waiter.WaitAndLeaseAsync<string>("idle", TimeSpan.FromSeconds(60), cancellationToken: Ct).AsTask();
        await Task.Delay(TimeSpan.FromSeconds(1.5), Ct);
        var secondIdle = session.FinishProfiling().Select(c => c.Command).ToList();
        Assert.False(again.IsCompleted);
        await producer.EnqueueAsync("idle", "once more", cancellationToken: Ct);
        Assert.Equal("once more", (await again.WaitAsync(TimeSpan.FromSeconds(10), Ct))!.Payload);
        Assert.Equal(["EVALSHA"], secondIdle.Select(c => c == "EVAL" ? "EVALSHA" : c));
    }

    [Theory]
    [InlineData(RedisTopology.Standalone)]
    [InlineData(RedisTopology.Cluster)]
    public async Task A_worker_process_killed_mid_job_loses_nothing_the_job_is_delivered_again(RedisTopology topology)
    {
        var target = redis.Get(topology);
        var (store, prefix) = NewStore(target.Connection);
        var enqueued = await store.EnqueueAsync("payments", "charge order 7", cancellationToken: Ct);

        var (host, line) = await TestHostProcess.StartAsync(target.Configuration, prefix, "worker-lease", "payments", "1500");
        await using (host)
        {
            Assert.Equal($"ok leased {enqueued.JobId} 1 charge order 7", line);
            Assert.Equal(1, (await store.GetCountsAsync("payments", Ct)).Leased);
            await host.KillAsync();
            Assert.True(host.HasExited);
        }

        var again = await store.WaitAndLeaseAsync<string>("payments", TimeSpan.FromSeconds(30), cancellationToken: Ct);
        Assert.NotNull(again);
        Assert.Equal(enqueued.JobId, again.JobId);
        Assert.Equal(2, again.Attempt);
        Assert.Equal(MemoryQueue.LeaseRanOut, again.LastError);
        await store.AckAsync(again, Ct);
        Assert.Equal(0, (await store.GetCountsAsync("payments", Ct)).Total);
    }

    [Theory]
    [InlineData(RedisTopology.Standalone, false)]
    [InlineData(RedisTopology.Cluster, false)]
    [InlineData(RedisTopology.Standalone, true)]
    [InlineData(RedisTopology.Cluster, true)]
    public async Task Eight_workers_over_ten_thousand_jobs_complete_each_exactly_once_or_at_least_once_with_faults_and_lose_none(RedisTopology topology, bool injectFaults)
    {
        const int Jobs = 10_000;
        const int Workers = 8;
        var target = redis.Get(topology);
        var (store, _) = NewStore(target.Connection, o =>
        {
            o.Workers.RetryBaseDelay = TimeSpan.Zero;
            o.Workers.RetryMaxDelay = TimeSpan.Zero;
            o.Workers.MaxAttempts = 100;
            o.Workers.IdlePollInterval = TimeSpan.FromMilliseconds(200);
        });
        for (var batch = 0; batch < Jobs / 1000; batch++)
        {
            await store.EnqueueManyAsync("load", Enumerable.Range(batch * 1000, 1000).Select(i => new JobRequest<int>(i)), Ct);
        }

        var worked = new ConcurrentDictionary<int, int>(); // how many times each job's work ran to the end
        var acked = new ConcurrentDictionary<int, bool>();
        var leases = 0;
        var failed = 0;
        var abandoned = 0;
        var done = 0;
        var workers = Enumerable.Range(0, Workers).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            while (Volatile.Read(ref done) < Jobs)
            {
                var lease = await store.WaitAndLeaseAsync<int>("load", TimeSpan.FromMilliseconds(500), new LeaseOptions { VisibilityTimeout = TimeSpan.FromSeconds(1), WorkerId = $"w{w}" }, Ct);
                if (lease is null)
                {
                    continue;
                }

                Interlocked.Increment(ref leases);
                var roll = random.Next(100);
                if (injectFaults && roll < 10)
                {
                    Interlocked.Increment(ref failed);
                    await store.FailAsync(lease, "injected failure", Ct);
                    continue;
                }

                if (injectFaults && roll < 12)
                {
                    Interlocked.Increment(ref abandoned); // the worker "dies": its lease runs out
                    continue;
                }

                if (injectFaults && roll < 14)
                {
                    // Done, but the ack is lost: the job comes back after its lease and is done again.
                    worked.AddOrUpdate(lease.Payload, 1, (_, n) => n + 1);
                    continue;
                }

                worked.AddOrUpdate(lease.Payload, 1, (_, n) => n + 1);
                await store.AckAsync(lease, Ct);
                Assert.True(acked.TryAdd(lease.Payload, true), $"job {lease.Payload} was acked twice");
                Interlocked.Increment(ref done);
            }
        }, Ct)).ToArray();
        await Task.WhenAll(workers).WaitAsync(TimeSpan.FromMinutes(3), Ct);

        var counts = await store.GetCountsAsync("load", Ct);
        Assert.Equal(Jobs, acked.Count);
        Assert.All(Enumerable.Range(0, Jobs), i => Assert.True(acked.ContainsKey(i), $"job {i} was never completed"));
        Assert.Equal(0, counts.Total);
        if (injectFaults)
        {
            Assert.True(failed > 0 && abandoned > 0);
            Assert.True(leases >= Jobs + failed + abandoned, $"{leases} leases for {Jobs} jobs, {failed} failures, {abandoned} abandoned");
            Assert.Contains(worked, pair => pair.Value > 1);
        }
        else
        {
            Assert.All(worked, pair => Assert.Equal(1, pair.Value));
            Assert.Equal(Jobs, leases);
        }
    }

    [Fact]
    public async Task Foreign_data_in_a_queue_is_reported_and_left_alone()
    {
        var (store, prefix) = NewStore(redis.Standalone.Connection);
        var db = redis.Standalone.Connection.GetDatabase();
        await db.SortedSetAddAsync($"{prefix}{{wq:mixed}}:ready", "intruder", 1);
        await db.StringSetAsync($"{prefix}{{wq:mixed}}:j:intruder", "not ours");
        await db.StringSetAsync($"{prefix}{{wq:typed}}:ready", "a string where a sorted set belongs");

        await Assert.ThrowsAsync<StoreDataException>(() => store.LeaseAsync<string>("mixed", cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<StoreDataException>(() => store.GetJobAsync("mixed", "intruder", Ct).AsTask());
        await Assert.ThrowsAsync<StoreDataException>(() => store.PeekAsync("mixed", Ct).AsTask());
        await Assert.ThrowsAsync<StoreDataException>(() => store.EnqueueAsync("typed", 1, cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<StoreDataException>(() => store.GetCountsAsync("typed", Ct).AsTask());
        Assert.Equal("not ours", await db.StringGetAsync($"{prefix}{{wq:mixed}}:j:intruder"));
    }

    [Fact]
    public async Task A_ready_entry_whose_job_hash_was_deleted_is_skipped_not_fatal()
    {
        var (store, prefix) = NewStore(redis.Standalone.Connection);
        var db = redis.Standalone.Connection.GetDatabase();
        var first = await store.EnqueueAsync("q", "first", cancellationToken: Ct);
        await store.EnqueueAsync("q", "second", cancellationToken: Ct);
        await db.KeyDeleteAsync($"{prefix}{{wq:q}}:j:{first.JobId}");

        var lease = await store.LeaseAsync<string>("q", cancellationToken: Ct);

        Assert.Equal("second", lease!.Payload);
        Assert.Equal(new QueueCounts(0, 0, 1, 0), await store.GetCountsAsync("q", Ct));
    }

    [Fact]
    public async Task A_queue_lives_in_one_slot_and_purging_a_large_queue_deletes_every_key_in_slices()
    {
        var (store, prefix) = NewStore(redis.Cluster.Connection);
        for (var i = 0; i < 3; i++)
        {
            await store.EnqueueManyAsync("big", Enumerable.Range(0, 1000).Select(j => new JobRequest<int>(j, new EnqueueOptions { DedupKey = $"k{i}-{j}", Delay = j % 2 == 0 ? TimeSpan.FromHours(1) : null })), Ct);
        }

        Assert.Equal(3000, await store.PurgeAsync("big", Ct));
        Assert.Equal(0, (await store.GetCountsAsync("big", Ct)).Total);
        Assert.True((await store.EnqueueAsync("big", 1, new EnqueueOptions { DedupKey = "k0-1" }, Ct)).Enqueued);

        // Only the sequence counter, the new job, its dedup key, the ready set and the next-due marker the count
        // set (for a second at most) remain.
        var keys = new List<string>();
        foreach (var server in redis.Cluster.Connection.GetServers().Where(s => !s.IsReplica))
        {
            await foreach (var key in server.KeysAsync(pattern: $"{prefix}{{wq:big}}*"))
            {
                keys.Add(key.ToString());
            }
        }

        Assert.Equal(5, keys.Count);
        Assert.Contains($"{prefix}{{wq:big}}:due", keys);
        Assert.InRange((await redis.Cluster.Connection.GetDatabase().KeyTimeToLiveAsync($"{prefix}{{wq:big}}:due"))!.Value, TimeSpan.Zero, TimeSpan.FromSeconds(1));
        Assert.Single(keys.Select(ClusterSlot.Of).Distinct());
    }

    [Fact]
    public async Task Peek_skips_a_ready_entry_whose_job_hash_was_deleted_as_a_lease_does()
    {
        var (store, prefix) = NewStore(redis.Standalone.Connection);
        var db = redis.Standalone.Connection.GetDatabase();
        var first = await store.EnqueueAsync("q", "first", cancellationToken: Ct);
        var second = await store.EnqueueAsync("q", "second", cancellationToken: Ct);
        await db.KeyDeleteAsync($"{prefix}{{wq:q}}:j:{first.JobId}");

        Assert.Equal(second.JobId, (await store.PeekAsync("q", Ct))!.JobId);
        Assert.Equal(1, (await store.GetCountsAsync("q", Ct)).Ready);
    }

    [Fact]
    public async Task Only_a_waiter_with_time_left_raises_the_waiters_flag_and_an_enqueue_publishes_only_then()
    {
        var (store, prefix) = NewStore(redis.Standalone.Connection);
        var db = redis.Standalone.Connection.GetDatabase();
        var flag = $"{prefix}{{wq:flag}}:waiters";

        Assert.Null(await store.WaitAndLeaseAsync<int>("flag", TimeSpan.Zero, cancellationToken: Ct));
        Assert.False(await db.KeyExistsAsync(flag));

        Assert.Null(await store.WaitAndLeaseAsync<int>("flag", TimeSpan.FromMilliseconds(300), cancellationToken: Ct));
        var ttl = await db.KeyTimeToLiveAsync(flag);
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(1.4));
    }

    [Fact]
    public async Task Wake_ups_reach_waiters_on_a_connection_with_a_channel_prefix()
    {
        var options = ConfigurationOptions.Parse(redis.Standalone.Configuration);
        options.ChannelPrefix = RedisChannel.Literal("app:");
        await using var waiterConnection = await ConnectionMultiplexer.ConnectAsync(options);
        await using var producerConnection = await ConnectionMultiplexer.ConnectAsync(options);
        var (waiter, prefix) = NewStore(waiterConnection, o => o.Workers.IdlePollInterval = TimeSpan.FromHours(1));
        var (producer, _) = NewStore(producerConnection, prefix: prefix);

        var waiting = waiter.WaitAndLeaseAsync<string>("prefixed", TimeSpan.FromSeconds(60), cancellationToken: Ct).AsTask();
        await Task.Delay(300, Ct);
        await producer.EnqueueAsync("prefixed", "heard", cancellationToken: Ct);

        Assert.Equal("heard", (await waiting.WaitAsync(TimeSpan.FromSeconds(10), Ct))!.Payload);
    }

    [Fact]
    public async Task A_job_with_a_corrupt_field_is_reported_and_stays_where_it_was()
    {
        var (store, prefix) = NewStore(redis.Standalone.Connection);
        var db = redis.Standalone.Connection.GetDatabase();
        var job = await store.EnqueueAsync("corrupt", "payload", cancellationToken: Ct);
        await db.HashSetAsync($"{prefix}{{wq:corrupt}}:j:{job.JobId}", "a", "not a number");

        await Assert.ThrowsAsync<StoreDataException>(() => store.LeaseAsync<string>("corrupt", cancellationToken: Ct).AsTask());

        Assert.Equal(job.JobId, (string?)(await db.SortedSetRangeByRankAsync($"{prefix}{{wq:corrupt}}:ready")).Single());
        await db.HashSetAsync($"{prefix}{{wq:corrupt}}:j:{job.JobId}", "a", "0");
        Assert.Equal("payload", (await store.LeaseAsync<string>("corrupt", cancellationToken: Ct))!.Payload);
    }

    [Fact]
    public async Task A_batch_or_a_job_meeting_a_foreign_key_writes_nothing()
    {
        var (store, prefix) = NewStore(redis.Standalone.Connection);
        var db = redis.Standalone.Connection.GetDatabase();
        await db.StringSetAsync($"{prefix}{{wq:half}}:exp", "not a sorted set");

        await Assert.ThrowsAsync<StoreDataException>(() => store.EnqueueManyAsync("half", [new JobRequest<int>(1), new JobRequest<int>(2, new EnqueueOptions { Ttl = TimeSpan.FromMinutes(1), DedupKey = "d" })], Ct).AsTask());
        await Assert.ThrowsAsync<StoreDataException>(() => store.EnqueueAsync("half", 3, new EnqueueOptions { Ttl = TimeSpan.FromMinutes(1), DedupKey = "e" }, Ct).AsTask());

        var server = redis.Standalone.Connection.GetServers().Single();
        var keys = new List<string>();
        await foreach (var key in server.KeysAsync(pattern: $"{prefix}*"))
        {
            keys.Add(key.ToString());
        }

        Assert.Equal([$"{prefix}{{wq:half}}:exp"], keys);
    }

    [Fact]
    public async Task Listing_pages_past_jobs_whose_hash_vanished_without_stopping_or_repeating()
    {
        var (store, prefix) = NewStore(redis.Standalone.Connection);
        var db = redis.Standalone.Connection.GetDatabase();
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            ids.Add((await store.EnqueueAsync("gaps", i, cancellationToken: Ct)).JobId);
        }

        await db.KeyDeleteAsync([$"{prefix}{{wq:gaps}}:j:{ids[1]}", $"{prefix}{{wq:gaps}}:j:{ids[2]}"]);
        var listed = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await store.ListJobsAsync("gaps", JobState.Ready, new JobQuery { PageSize = 2, Cursor = cursor }, Ct);
            listed.AddRange(page.Jobs.Select(j => j.JobId));
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal([ids[0], ids[3], ids[4], ids[5]], listed);
    }

    [Fact]
    public async Task A_foreign_registration_or_queue_is_left_out_of_the_worker_listing_not_fatal_to_it()
    {
        var (store, prefix) = NewStore(redis.Standalone.Connection);
        var db = redis.Standalone.Connection.GetDatabase();
        await store.HeartbeatAsync("w1", new WorkerHeartbeat { Queues = ["good", "broken"] }, Ct);
        await store.HeartbeatAsync("w2", cancellationToken: Ct);
        await store.EnqueueAsync("good", 1, cancellationToken: Ct);
        var lease = await store.LeaseAsync<int>("good", new LeaseOptions { WorkerId = "w1" }, Ct);
        await db.KeyDeleteAsync($"{prefix}{{workers}}:w:w2");
        await db.StringSetAsync($"{prefix}{{workers}}:w:w2", "not ours");
        await db.StringSetAsync($"{prefix}{{wq:broken}}:leased", "not ours");

        var workers = await store.ListWorkersAsync(Ct);

        var w1 = Assert.Single(workers);
        Assert.Equal("w1", w1.WorkerId);
        Assert.Equal(lease!.JobId, Assert.Single(w1.Leases).JobId);
        Assert.Equal("not ours", await db.StringGetAsync($"{prefix}{{workers}}:w:w2"));
    }

    [Fact]
    public async Task A_lease_whose_caller_gave_up_while_the_script_was_in_flight_goes_back_to_ready_without_costing_an_attempt()
    {
        await using var server = await redis.StartOwnServerAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"{server.EndPoint},allowAdmin=true");
        await using var admin = await ConnectionMultiplexer.ConnectAsync($"{server.EndPoint},allowAdmin=true");
        var (store, prefix) = NewStore(connection);
        var job = await store.EnqueueAsync("q", "only once", new EnqueueOptions { MaxAttempts = 1, Ttl = TimeSpan.FromMinutes(5) }, Ct);

        // The server holds every command for a second; the caller gives up after 200 ms, while the lease waits.
        await admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "1000", "ALL");
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        giveUp.CancelAfter(200);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.LeaseAsync<string>("q", cancellationToken: giveUp.Token).AsTask());

        await CacheTestSupport.WaitUntilAsync(async () => (await store.GetJobAsync("q", job.JobId, Ct))?.State == JobState.Ready, "the lease is given back");
        var record = await store.GetJobAsync("q", job.JobId, Ct);
        Assert.Equal(0, record!.Attempts);
        Assert.NotNull(await connection.GetDatabase().SortedSetScoreAsync($"{prefix}{{wq:q}}:exp", job.JobId)); // its TTL is back
        var lease = await store.LeaseAsync<string>("q", cancellationToken: Ct);
        Assert.Equal(1, lease!.Attempt);
        Assert.Equal("only once", lease.Payload);
    }

    [Fact]
    public async Task An_ack_and_lease_next_whose_caller_gave_up_keeps_the_ack_and_gives_the_next_job_back_without_costing_an_attempt()
    {
        await using var server = await redis.StartOwnServerAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"{server.EndPoint},allowAdmin=true");
        await using var admin = await ConnectionMultiplexer.ConnectAsync($"{server.EndPoint},allowAdmin=true");
        var (store, _) = NewStore(connection);
        var done = await store.EnqueueAsync("q", "done", new EnqueueOptions { Priority = 1 }, Ct);
        var next = await store.EnqueueAsync("q", "only once", new EnqueueOptions { MaxAttempts = 1 }, Ct);
        var lease = await store.LeaseAsync<string>("q", cancellationToken: Ct);
        Assert.Equal(done.JobId, lease!.JobId);

        await admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "1000", "ALL");
        using var giveUp = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        giveUp.CancelAfter(200);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.AckAndLeaseNextAsync(lease, cancellationToken: giveUp.Token).AsTask());

        await CacheTestSupport.WaitUntilAsync(async () => (await store.GetJobAsync("q", next.JobId, Ct))?.State == JobState.Ready, "the next lease is given back");
        Assert.Null(await store.GetJobAsync("q", done.JobId, Ct));
        Assert.Equal(0, (await store.GetJobAsync("q", next.JobId, Ct))!.Attempts);
        var again = await store.LeaseAsync<string>("q", cancellationToken: Ct);
        Assert.Equal(1, again!.Attempt);
        Assert.Equal("only once", again.Payload);
    }

    [Fact]
    public async Task An_ack_and_lease_next_meeting_a_foreign_next_job_keeps_the_ack_reports_it_and_leaves_it_alone()
    {
        var (store, prefix) = NewStore(redis.Standalone.Connection);
        var db = redis.Standalone.Connection.GetDatabase();
        var job = await store.EnqueueAsync("mixed", "mine", cancellationToken: Ct);
        var lease = await store.LeaseAsync<string>("mixed", cancellationToken: Ct);
        await db.SortedSetAddAsync($"{prefix}{{wq:mixed}}:ready", "intruder", 1);
        await db.StringSetAsync($"{prefix}{{wq:mixed}}:j:intruder", "not ours");

        var error = await Assert.ThrowsAsync<StoreDataException>(() => store.AckAndLeaseNextAsync(lease!, cancellationToken: Ct).AsTask());

        Assert.Contains("was acked", error.Message, StringComparison.Ordinal);
        Assert.Contains("intruder", error.Message, StringComparison.Ordinal);
        Assert.Null(await store.GetJobAsync("mixed", job.JobId, Ct));
        Assert.Equal("intruder", (string?)(await db.SortedSetRangeByRankAsync($"{prefix}{{wq:mixed}}:ready")).Single());
        Assert.Equal("not ours", await db.StringGetAsync($"{prefix}{{wq:mixed}}:j:intruder"));
    }

    [Fact]
    public async Task Work_that_comes_due_before_the_next_due_marker_said_lowers_it_and_is_taken_back_on_time()
    {
        var (store, prefix) = NewStore(redis.Standalone.Connection, o =>
        {
            o.Workers.RetryBaseDelay = TimeSpan.FromMilliseconds(200);
            o.Workers.RetryMaxDelay = TimeSpan.FromMilliseconds(200);
        });
        var db = redis.Standalone.Connection.GetDatabase();
        var marker = $"{prefix}{{wq:m}}:due";
        await store.EnqueueAsync("m", "held", cancellationToken: Ct);
        var held = await store.LeaseAsync<string>("m", new LeaseOptions { VisibilityTimeout = TimeSpan.FromMinutes(1) }, Ct);

        // The lease's scan set the marker to the lease's expiry, a minute away, for at most a second.
        Assert.Equal(held!.ExpiresAt.ToUnixTimeMilliseconds(), (long)await db.StringGetAsync(marker));
        Assert.InRange((await db.KeyTimeToLiveAsync(marker))!.Value, TimeSpan.Zero, TimeSpan.FromSeconds(1));

        var delayed = await store.EnqueueAsync("m", "delayed", new EnqueueOptions { Delay = TimeSpan.FromMilliseconds(150) }, Ct);
        await store.EnqueueAsync("m", "dropped", new EnqueueOptions { Ttl = TimeSpan.FromMilliseconds(150), Priority = 1 }, Ct);
        Assert.True((long)await db.StringGetAsync(marker) < held.ExpiresAt.ToUnixTimeMilliseconds());
        await Task.Delay(250, Ct);

        var next = await store.AckAndLeaseNextAsync(held, cancellationToken: Ct);
        Assert.Equal(delayed.JobId, next!.JobId);
        Assert.Equal(new QueueCounts(0, 0, 1, 0), await store.GetCountsAsync("m", Ct));

        var retry = await store.FailAsync(next, "again", Ct);
        Assert.Equal(retry.RetryAt!.Value.ToUnixTimeMilliseconds(), (long)await db.StringGetAsync(marker));
        await Task.Delay(300, Ct);
        Assert.Equal(delayed.JobId, (await store.LeaseAsync<string>("m", cancellationToken: Ct))!.JobId);
    }

    [Fact]
    public async Task Scripts_sent_by_hash_are_sent_again_by_text_after_the_server_lost_them()
    {
        await using var server = await redis.StartOwnServerAsync();
        await using var connection = await ConnectionMultiplexer.ConnectAsync($"{server.EndPoint},allowAdmin=true");
        var (store, _) = NewStore(connection);
        await store.EnqueueAsync("q", 1, cancellationToken: Ct);
        await store.EnqueueAsync("q", 2, cancellationToken: Ct);
        var lease = await store.LeaseAsync<int>("q", cancellationToken: Ct);
        lease = await store.AckAndLeaseNextAsync(lease!, cancellationToken: Ct);

        // As after a restart or a failover to a server that never ran them.
        await connection.GetServers().Single().ScriptFlushAsync();

        await store.EnqueueAsync("q", 3, cancellationToken: Ct);
        var next = await store.AckAndLeaseNextAsync(lease!, cancellationToken: Ct);
        Assert.Equal(3, next!.Payload);
        await store.AckAsync(next, Ct);
        Assert.Null(await store.LeaseAsync<int>("q", cancellationToken: Ct));
        Assert.Equal(default, await store.GetCountsAsync("q", Ct));
    }

    [Fact]
    public async Task A_foreign_sequence_is_reported_as_foreign_data_by_enqueue_and_replay()
    {
        var (store, prefix) = NewStore(redis.Standalone.Connection);
        var db = redis.Standalone.Connection.GetDatabase();
        await store.EnqueueAsync("seq", 1, new EnqueueOptions { MaxAttempts = 1 }, Ct);
        var lease = await store.LeaseAsync<int>("seq", cancellationToken: Ct);
        await store.FailAsync(lease!, "dies", Ct);
        await db.StringSetAsync($"{prefix}{{wq:seq}}:seq", "not a number");

        await Assert.ThrowsAsync<StoreDataException>(() => store.EnqueueAsync("seq", 2, cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<StoreDataException>(() => store.ReplayDeadAsync("seq", lease!.JobId, Ct).AsTask());
        Assert.Equal(new QueueCounts(0, 0, 0, 1), await store.GetCountsAsync("seq", Ct));
    }

    [Fact]
    public async Task Publishing_needs_no_connection_and_survives_a_configuration_it_cannot_parse()
    {
        var options = ConfigurationOptions.Parse(redis.Standalone.Configuration);
        options.Password = "pa,ss=wd";
        options.ChannelPrefix = RedisChannel.Literal("app:");
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 500;
        await using var unreachable = await ConnectionMultiplexer.ConnectAsync(options);

        Assert.Equal("app:x", new RedisStores.Redis.RedisConnection(options).PublishName("x"));
        var hosts = new RedisStores.Redis.RedisConnection(unreachable).PublishName("x");
        Assert.True(hosts is "app:x" or "x", hosts);
        Assert.Equal("x", new RedisStores.Redis.RedisConnection(redis.Standalone.Connection).PublishName("x"));
    }
}

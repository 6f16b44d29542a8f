using RedisStores.Workers;

namespace RedisStores.Tests.RoundTrips;

internal static partial class RoundTripScenarios
{
    private const int EnqueueBatch = 10;

    private static readonly Section WorkerSection = new("Worker store", typeof(IWorkerStore), nameof(RedisWorkerStore));

    private static IEnumerable<Scenario> WorkerRows()
    {
        static Scenario Row(string method, string state, Func<Scope, Meter, Task> run) => new(WorkerSection, typeof(IWorkerStore), method, state, run);

        static async Task<string> StartedAsync(Scope s)
        {
            var id = s.Id("x");
            await s.Workers.StartExecutionAsync(id);
            return id;
        }

        // A queue whose one job this worker holds.
        static async Task<JobLease<string>> LeasedAsync(Scope s)
        {
            var queue = s.Id("q");
            await s.Workers.EnqueueAsync(queue, "payload");
            return (await s.Workers.LeaseAsync<string>(queue))!;
        }

        // Journal of executions and steps.
        yield return Row(nameof(IWorkerStore.StartExecutionAsync), "a new execution", async (s, m) =>
        {
            await m.MeasureAsync(() => s.Workers.StartExecutionAsync(s.Id("x")).AsTask());
        }) with { Notes = "The active index lives in another hash slot: its command is pipelined beside the script." };

        yield return Row(nameof(IWorkerStore.StartStepAsync), "a new step of a running execution", async (s, m) =>
        {
            var id = await StartedAsync(s);
            await m.MeasureAsync(() => s.Workers.StartStepAsync(id, "fetch").AsTask());
        });

        yield return Row(nameof(IWorkerStore.CompleteStepAsync), "a started step, with a small result", async (s, m) =>
        {
            var id = await StartedAsync(s);
            await s.Workers.StartStepAsync(id, "fetch");
            await m.MeasureAsync(() => s.Workers.CompleteStepAsync(id, "fetch", new { Rows = 42 }).AsTask());
        });

        yield return Row(nameof(IWorkerStore.GetStepResultAsync), "a completed step", async (s, m) =>
        {
            var id = await StartedAsync(s);
            await s.Workers.CompleteStepAsync(id, "fetch", 42);
            await m.MeasureAsync(() => s.Workers.GetStepResultAsync<int>(id, "fetch").AsTask());
        });

        yield return Row(nameof(IWorkerStore.ListStepsAsync), "an execution of 3 steps", async (s, m) =>
        {
            var id = await StartedAsync(s);
            foreach (var step in new[] { "fetch", "parse", "store" })
            {
                await s.Workers.CompleteStepAsync(id, step, 1);
            }

            await m.MeasureAsync(() => s.Workers.ListStepsAsync(id).AsTask());
        });

        yield return Row(nameof(IWorkerStore.CompleteExecutionAsync), "a running execution", async (s, m) =>
        {
            var id = await StartedAsync(s);
            await m.MeasureAsync(() => s.Workers.CompleteExecutionAsync(id).AsTask());
        }) with { Notes = "The index command is pipelined beside the script, as for the start." };

        yield return Row(nameof(IWorkerStore.FailExecutionAsync), "a running execution", async (s, m) =>
        {
            var id = await StartedAsync(s);
            await m.MeasureAsync(() => s.Workers.FailExecutionAsync(id, "boom").AsTask());
        });

        yield return Row(nameof(IWorkerStore.GetExecutionAsync), "a running execution", async (s, m) =>
        {
            var id = await StartedAsync(s);
            await m.MeasureAsync(() => s.Workers.GetExecutionAsync(id).AsTask());
        });

        yield return Row(nameof(IWorkerStore.ListActiveExecutionsAsync), "the first page, 3 running executions", async (s, m) =>
        {
            for (var i = 0; i < 3; i++)
            {
                await StartedAsync(s);
            }

            await m.MeasureAsync(() => s.Workers.ListActiveExecutionsAsync().AsTask());
        }) with
        {
            SingleEntity = false,
            Notes = "The index and the executions live in different hash slots: a slice of the index, then the executions it names, pipelined. Entries of finished executions are pruned with one more command.",
        };

        // Queues.
        yield return Row(nameof(IWorkerStore.EnqueueAsync), "a job on a queue nobody waits on", async (s, m) =>
        {
            await m.MeasureAsync(() => s.Workers.EnqueueAsync(s.Id("q"), "payload").AsTask());
        }) with { Notes = "With a worker waiting, the script also publishes a wake-up." };

        yield return Row(nameof(IWorkerStore.EnqueueManyAsync), $"{EnqueueBatch} jobs", async (s, m) =>
        {
            var jobs = Enumerable.Range(0, EnqueueBatch).Select(i => new JobRequest<string>($"payload {i}")).ToArray();
            await m.MeasureAsync(() => s.Workers.EnqueueManyAsync(s.Id("q"), jobs).AsTask());
        }) with { SingleEntity = false };

        yield return Row(nameof(IWorkerStore.LeaseAsync), "a queue with one ready job", async (s, m) =>
        {
            var queue = s.Id("q");
            await s.Workers.EnqueueAsync(queue, "payload");
            await m.MeasureAsync(() => s.Workers.LeaseAsync<string>(queue).AsTask());
        });

        yield return Row(nameof(IWorkerStore.WaitAndLeaseAsync), "a queue with one ready job, waited on before", async (s, m) =>
        {
            var queue = s.Id("q");
            await s.Workers.EnqueueAsync(queue, "first");
            await s.Workers.WaitAndLeaseAsync<string>(queue, TimeSpan.FromMinutes(1));
            await s.Workers.EnqueueAsync(queue, "payload");
            await m.MeasureAsync(() => s.Workers.WaitAndLeaseAsync<string>(queue, TimeSpan.FromMinutes(1)).AsTask());
        });

        yield return Row(nameof(IWorkerStore.WaitAndLeaseAsync), "the first wait on a queue, one ready job", async (s, m) =>
        {
            var queue = s.Id("q");
            await s.Workers.EnqueueAsync(queue, "payload");
            await m.MeasureAsync(() => s.Workers.WaitAndLeaseAsync<string>(queue, TimeSpan.FromMinutes(1)).AsTask());
        }) with { Notes = "The first wait of a store on a queue subscribes to its wake-ups beside its first ask; finding nothing, it waits for the subscription and asks again before it sleeps." };

        yield return Row(nameof(IWorkerStore.WaitAndLeaseAsync), "an empty queue, a job enqueued by another instance while it waits", async (s, m) =>
        {
            var queue = s.Id("q");
            await s.Workers.EnqueueAsync(queue, "first");
            await s.Workers.WaitAndLeaseAsync<string>(queue, TimeSpan.FromMinutes(1));
            await m.MeasureAsync(
                () => s.Workers.WaitAndLeaseAsync<string>(queue, TimeSpan.FromMinutes(1)).AsTask(),
                meanwhile: async () =>
                {
                    await m.UntilCompletedAsync(1);
                    await s.Workers.EnqueueAsync(queue, "payload");
                });
        }) with
        {
            Exception = "it waits: one attempt, then one more per wake-up (here one).",
            Notes = "Redis commands include the other instance's enqueue, which publishes the wake-up because a worker waits.",
        };

        yield return Row(nameof(IWorkerStore.AckAsync), "a leased job", async (s, m) =>
        {
            var lease = await LeasedAsync(s);
            await m.MeasureAsync(() => s.Workers.AckAsync(lease).AsTask());
        }) with { Notes = "The script also publishes the job's end on the store's notification topic." };

        yield return Row(nameof(IWorkerStore.AckAndLeaseNextAsync), "a leased job, another ready in its queue", async (s, m) =>
        {
            var lease = await LeasedAsync(s);
            await s.Workers.EnqueueAsync(lease.Queue, "next");
            await m.MeasureAsync(() => s.Workers.AckAndLeaseNextAsync(lease).AsTask());
        }) with { Notes = "Acks the job (publishing its end) and leases the next in one script: a worker loop's two round trips per job, with the enqueue." };

        yield return Row(nameof(IWorkerStore.FailAsync), "a leased job with attempts left", async (s, m) =>
        {
            var lease = await LeasedAsync(s);
            await m.MeasureAsync(() => s.Workers.FailAsync(lease, "boom").AsTask());
        });

        yield return Row(nameof(IWorkerStore.DeadLetterAsync), "a leased job", async (s, m) =>
        {
            var lease = await LeasedAsync(s);
            await m.MeasureAsync(() => s.Workers.DeadLetterAsync(lease, "boom").AsTask());
        });

        yield return Row(nameof(IWorkerStore.ExtendLeaseAsync), "a leased job", async (s, m) =>
        {
            var lease = await LeasedAsync(s);
            await m.MeasureAsync(() => s.Workers.ExtendLeaseAsync(lease, TimeSpan.FromMinutes(5)).AsTask());
        });

        yield return Row(nameof(IWorkerStore.GetCountsAsync), "a queue of 3 ready jobs", async (s, m) =>
        {
            var queue = s.Id("q");
            await s.Workers.EnqueueManyAsync(queue, Enumerable.Range(0, 3).Select(i => new JobRequest<int>(i)));
            await m.MeasureAsync(() => s.Workers.GetCountsAsync(queue).AsTask());
        });

        yield return Row(nameof(IWorkerStore.PeekAsync), "a queue of 3 ready jobs", async (s, m) =>
        {
            var queue = s.Id("q");
            await s.Workers.EnqueueManyAsync(queue, Enumerable.Range(0, 3).Select(i => new JobRequest<int>(i)));
            await m.MeasureAsync(() => s.Workers.PeekAsync(queue).AsTask());
        });

        yield return Row(nameof(IWorkerStore.GetJobAsync), "a ready job", async (s, m) =>
        {
            var queue = s.Id("q");
            var job = await s.Workers.EnqueueAsync(queue, "payload");
            await m.MeasureAsync(() => s.Workers.GetJobAsync(queue, job.JobId).AsTask());
        });

        yield return Row(nameof(IWorkerStore.ListJobsAsync), "the first page of ready jobs, 3 jobs", async (s, m) =>
        {
            var queue = s.Id("q");
            await s.Workers.EnqueueManyAsync(queue, Enumerable.Range(0, 3).Select(i => new JobRequest<int>(i)));
            await m.MeasureAsync(() => s.Workers.ListJobsAsync(queue, JobState.Ready).AsTask());
        }) with { SingleEntity = false };

        yield return Row(nameof(IWorkerStore.ReplayDeadAsync), "a dead job", async (s, m) =>
        {
            var lease = await LeasedAsync(s);
            await s.Workers.DeadLetterAsync(lease, "boom");
            await m.MeasureAsync(() => s.Workers.ReplayDeadAsync(lease.Queue, lease.JobId).AsTask());
        });

        yield return Row(nameof(IWorkerStore.PurgeAsync), "a queue of 3 jobs", async (s, m) =>
        {
            var queue = s.Id("q");
            await s.Workers.EnqueueManyAsync(queue, Enumerable.Range(0, 3).Select(i => new JobRequest<int>(i)));
            await m.MeasureAsync(() => s.Workers.PurgeAsync(queue).AsTask());
        }) with { SingleEntity = false, Notes = "One more round trip per 500 jobs: a large queue is deleted in slices." };

        // Registry.
        yield return Row(nameof(IWorkerStore.HeartbeatAsync), "a registered worker serving one queue", async (s, m) =>
        {
            var worker = s.Id("w");
            var heartbeat = new WorkerHeartbeat { Queues = ["q"], Metadata = new Dictionary<string, string> { ["host"] = "a" } };
            await s.Workers.HeartbeatAsync(worker, heartbeat);
            await m.MeasureAsync(() => s.Workers.HeartbeatAsync(worker, heartbeat).AsTask());
        });

        yield return Row(nameof(IWorkerStore.ListWorkersAsync), "2 workers serving one queue", async (s, m) =>
        {
            for (var i = 0; i < 2; i++)
            {
                await s.Workers.HeartbeatAsync(s.Id("w"), new WorkerHeartbeat { Queues = ["q"] });
            }

            await m.MeasureAsync(() => s.Workers.ListWorkersAsync().AsTask());
        }) with { SingleEntity = false, Notes = "The registrations, then what each queue served is held by whom: one script per queue, pipelined." };

        yield return Row(nameof(IWorkerStore.RemoveWorkerAsync), "a registered worker", async (s, m) =>
        {
            var worker = s.Id("w");
            await s.Workers.HeartbeatAsync(worker, new WorkerHeartbeat { Queues = ["q"] });
            await m.MeasureAsync(() => s.Workers.RemoveWorkerAsync(worker).AsTask());
        });
    }
}

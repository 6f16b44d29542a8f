using RedisStores.Workers;

/// <summary>Background work shared by a service's instances: a queue, a worker, its heartbeat, and a re-run that skips finished steps.</summary>
internal static class WorkerWalkthrough
{
    public static async Task RunAsync(IWorkerStore workers)
    {
        Console.WriteLine();
        Console.WriteLine("== Worker store ==");
        var queue = "demo-" + Guid.NewGuid().ToString("N")[..8];

        await workers.EnqueueAsync(queue, new Thumbnail("cat.png"));
        await workers.EnqueueAsync(queue, new Thumbnail("ceo.png"), new EnqueueOptions { Priority = 9 });
        var first = await workers.EnqueueAsync(queue, new Thumbnail("dog.png"), new EnqueueOptions { DedupKey = "upload-17" });
        var again = await workers.EnqueueAsync(queue, new Thumbnail("dog.png"), new EnqueueOptions { DedupKey = "upload-17" });
        await workers.EnqueueAsync(queue, new Thumbnail("later.png"), new EnqueueOptions { Delay = TimeSpan.FromSeconds(1) });
        var counts = await workers.GetCountsAsync(queue);
        Console.WriteLine($"1. enqueued: {counts.Ready} ready, {counts.Scheduled} scheduled; the second upload-17 was {(again.Enqueued ? "added?!" : $"a duplicate of {first.JobId[..8]}")}");

        await workers.HeartbeatAsync("worker-a", new WorkerHeartbeat { Queues = [queue], Metadata = new Dictionary<string, string> { ["host"] = Environment.MachineName } });
        var lease = await workers.WaitAndLeaseAsync<Thumbnail>(queue, TimeSpan.FromSeconds(5), new LeaseOptions { WorkerId = "worker-a" });
        var registered = (await workers.ListWorkersAsync()).Single(w => w.WorkerId == "worker-a");
        Console.WriteLine($"2. worker-a leased {lease!.Payload.File} first (priority {lease.Priority}); the registry shows it holding {registered.Leases.Count} job(s)");

        var failure = await workers.FailAsync(lease, "image service timed out");
        Console.WriteLine($"3. it failed attempt {failure.Attempt}: retried at {failure.RetryAt:HH:mm:ss.fff}, not lost");

        var done = new List<string>();
        var options = new LeaseOptions { WorkerId = "worker-a" };
        var next = await workers.WaitAndLeaseAsync<Thumbnail>(queue, TimeSpan.FromSeconds(5), options);
        while (next is not null)
        {
            done.Add(next.Attempt > 1 ? $"{next.Payload.File} (attempt {next.Attempt})" : next.Payload.File);

            // Ack it and lease the next ready job in one round trip; when none is ready yet, wait for one, woken by
            // the retry's and the delayed job's due times, not by polling.
            next = await workers.AckAndLeaseNextAsync(next, options)
                ?? (done.Count < 4 ? await workers.WaitAndLeaseAsync<Thumbnail>(queue, TimeSpan.FromSeconds(5), options) : null);
        }

        Console.WriteLine($"4. the rest in priority, then enqueue, then due order: {string.Join(", ", done)}");

        await workers.EnqueueAsync(queue, new Thumbnail("corrupt.png"), new EnqueueOptions { MaxAttempts = 1 });
        var poison = await workers.LeaseAsync<Thumbnail>(queue);
        await workers.FailAsync(poison!, "not an image");
        var dead = (await workers.ListJobsAsync(queue, JobState.Dead)).Jobs.Single();
        Console.WriteLine($"5. {dead.GetPayload<Thumbnail>().File} is dead after {dead.Attempts} attempt ({dead.LastError}); replayed: {await workers.ReplayDeadAsync(queue, dead.JobId)}");
        Console.WriteLine($"6. purged {await workers.PurgeAsync(queue)} job(s); worker-a signs off: {await workers.RemoveWorkerAsync("worker-a")}");

        // The journal: a re-run after a crash skips the steps that already completed.
        var execution = "import-" + queue;
        await workers.StartExecutionAsync(execution, new ExecutionOptions { Ttl = TimeSpan.FromMinutes(10) });
        await workers.CompleteStepAsync(execution, "download", 1_204);
        var rerun = await workers.StartStepAsync(execution, "download");
        var rows = (await workers.GetStepResultAsync<int>(execution, "download"))!.Value;
        await workers.CompleteStepAsync(execution, "load", rows);
        await workers.CompleteExecutionAsync(execution);
        Console.WriteLine($"7. re-run of {execution}: download {(rerun ? "ran again?!" : $"skipped, its {rows} rows reused")}; {(await workers.ListStepsAsync(execution)).Count} steps recorded");
    }

    private sealed record Thumbnail(string File);
}

using RedisStores.Internal;

namespace RedisStores.Workers;

/// <summary>
/// One queue of <see cref="InMemoryWorkerStore"/>: its jobs, a sorted set per state holding (score, id) as the Redis
/// layout does, the dedup keys, and the signal that wakes waiting workers. Not thread-safe: the store's lock guards it.
/// </summary>
internal sealed class MemoryQueue
{
    /// <summary>What a job's last error says when its lease ran out instead of being acked or failed.</summary>
    internal const string LeaseRanOut = "The lease ran out before the job was acked or failed: its worker stopped, or took longer than its visibility timeout.";

    private const long PriorityStride = 1L << 44;

    internal Dictionary<string, MemoryJob> Jobs { get; } = new(StringComparer.Ordinal);

    internal SortedSet<(long Score, string Id)> Ready { get; } = new(ExpiryOrder.Instance);

    internal SortedSet<(long Score, string Id)> Scheduled { get; } = new(ExpiryOrder.Instance);

    internal SortedSet<(long Score, string Id)> Leased { get; } = new(ExpiryOrder.Instance);

    internal SortedSet<(long Score, string Id)> Dead { get; } = new(ExpiryOrder.Instance);

    /// <summary>Waiting jobs with a TTL, by the time they are dropped.</summary>
    internal SortedSet<(long ExpiresMs, string Id)> Expiring { get; } = new(ExpiryOrder.Instance);

    internal Dictionary<string, (string JobId, long ExpiresMs)> Dedup { get; } = new(StringComparer.Ordinal);

    internal SortedSet<(long ExpiresMs, string Key)> DedupExpiry { get; } = new(ExpiryOrder.Instance);

    internal long Seq { get; set; }

    /// <summary>Workers waiting on the queue; a queue with waiters is never forgotten.</summary>
    internal int Waiters { get; set; }

    /// <summary>Completed, and replaced, whenever a job becomes ready.</summary>
    internal WakeSignal Signal { get; } = new();

    /// <summary>Higher priority first, then enqueue order: (255 - priority) * 2^44 + sequence, as on Redis.</summary>
    internal static long ReadyScore(MemoryJob job) => ((EnqueueOptions.MaxPriority - job.Priority) * PriorityStride) + job.Seq;

    internal SortedSet<(long Score, string Id)> SetOf(JobState state) => state switch
    {
        JobState.Ready => Ready,
        JobState.Scheduled => Scheduled,
        JobState.Leased => Leased,
        _ => Dead,
    };

    internal void Wake() => Signal.Wake();

    /// <summary>Moves a job to a state with its score, out of the state it was in.</summary>
    internal void Place(MemoryJob job, JobState state, long score)
    {
        if (job.Placed)
        {
            SetOf(job.State).Remove((job.Score, job.Id));
        }

        job.State = state;
        job.Score = score;
        job.Placed = true;
        SetOf(state).Add((score, job.Id));
    }

    internal void Remove(MemoryJob job)
    {
        SetOf(job.State).Remove((job.Score, job.Id));
        if (job.ExpiresMs is { } expires)
        {
            Expiring.Remove((expires, job.Id));
        }

        Jobs.Remove(job.Id);
    }

    /// <summary>When the next scheduled job comes due or lease runs out, if any.</summary>
    internal long? NextDueMs()
    {
        long? next = Scheduled.Count > 0 ? Scheduled.Min.Score : null;
        if (Leased.Count > 0 && (next is null || Leased.Min.Score < next))
        {
            next = Leased.Min.Score;
        }

        return next;
    }

    /// <summary>
    /// Drops waiting jobs past their TTL, makes due scheduled jobs ready, and takes back jobs whose lease ran out:
    /// ready again, or dead when that was their last attempt. The same steps, in the same order, as the Redis scripts.
    /// </summary>
    internal void Reclaim(long now)
    {
        while (Expiring.Count > 0 && Expiring.Min.ExpiresMs <= now)
        {
            var job = Jobs[Expiring.Min.Id];
            Remove(job);
        }

        var woke = false;
        while (Scheduled.Count > 0 && Scheduled.Min.Score <= now)
        {
            var job = Jobs[Scheduled.Min.Id];
            Place(job, JobState.Ready, ReadyScore(job));
            woke = true;
        }

        while (Leased.Count > 0 && Leased.Min.Score <= now)
        {
            var job = Jobs[Leased.Min.Id];
            job.Token = null;
            job.WorkerId = null;
            job.LastError = LeaseRanOut;
            if (job.Attempts >= job.MaxAttempts)
            {
                Place(job, JobState.Dead, now);
            }
            else
            {
                Place(job, JobState.Ready, ReadyScore(job));
                woke = true;
            }
        }

        if (woke)
        {
            Wake();
        }
    }

    internal void PruneDedup(long now)
    {
        // A dedup key lives through its expiry millisecond, as a Redis key with PX does.
        while (DedupExpiry.Count > 0 && DedupExpiry.Min.ExpiresMs < now)
        {
            var (expires, key) = DedupExpiry.Min;
            DedupExpiry.Remove((expires, key));
            if (Dedup.TryGetValue(key, out var entry) && entry.ExpiresMs == expires)
            {
                Dedup.Remove(key);
            }
        }
    }

    /// <summary>Deletes every job and the dedup keys that point at them; returns how many jobs there were.</summary>
    internal long Purge()
    {
        long count = Jobs.Count;
        foreach (var (key, entry) in Dedup.ToList())
        {
            if (Jobs.ContainsKey(entry.JobId))
            {
                Dedup.Remove(key);
                DedupExpiry.Remove((entry.ExpiresMs, key));
            }
        }

        Jobs.Clear();
        Ready.Clear();
        Scheduled.Clear();
        Leased.Clear();
        Dead.Clear();
        Expiring.Clear();
        return count;
    }
}

/// <summary>A job of <see cref="MemoryQueue"/>.</summary>
internal sealed class MemoryJob(string id, byte[] payload, int priority, int maxAttempts, long enqueuedMs, string? dedupKey)
{
    internal string Id { get; } = id;

    internal byte[] Payload { get; } = payload;

    internal int Priority { get; } = priority;

    internal int MaxAttempts { get; } = maxAttempts;

    internal long EnqueuedMs { get; } = enqueuedMs;

    internal string? DedupKey { get; } = dedupKey;

    internal long Seq { get; set; }

    internal int Attempts { get; set; }

    internal JobState State { get; set; }

    /// <summary>The score in its state's set: the ready order, due time, lease expiry or time of death.</summary>
    internal long Score { get; set; }

    internal bool Placed { get; set; }

    internal long? ExpiresMs { get; set; }

    internal string? Token { get; set; }

    internal string? WorkerId { get; set; }

    internal string? LastError { get; set; }

    internal JobSnapshot Snapshot()
        => new(Id, Payload, State, Priority, Attempts, MaxAttempts, EnqueuedMs, State == JobState.Ready ? null : Score, Token, WorkerId, LastError, DedupKey);
}

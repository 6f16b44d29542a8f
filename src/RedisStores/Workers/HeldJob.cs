namespace RedisStores.Workers;

/// <summary>A job a worker holds, as <see cref="WorkerRecord.Leases"/> lists it.</summary>
/// <param name="Queue">The job's queue.</param>
/// <param name="JobId">The job's id.</param>
/// <param name="Attempt">Which attempt the worker is making, counting from 1.</param>
/// <param name="ExpiresAt">When the lease runs out, unless extended.</param>
public readonly record struct HeldJob(string Queue, string JobId, int Attempt, DateTimeOffset ExpiresAt);

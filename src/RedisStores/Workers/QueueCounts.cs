namespace RedisStores.Workers;

/// <summary>How many jobs a queue holds in each state.</summary>
/// <param name="Ready">Jobs waiting to be leased now, including scheduled jobs that have come due and jobs whose lease ran out.</param>
/// <param name="Scheduled">Jobs waiting for a delay or a retry.</param>
/// <param name="Leased">Jobs held by workers.</param>
/// <param name="Dead">Jobs in the dead letters.</param>
public readonly record struct QueueCounts(long Ready, long Scheduled, long Leased, long Dead)
{
    /// <summary>Every job the queue holds.</summary>
    public long Total => Ready + Scheduled + Leased + Dead;
}

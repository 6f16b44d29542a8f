namespace RedisStores.Workers;

/// <summary>What became of a job its worker failed.</summary>
/// <param name="Attempt">The attempt that failed, counting from 1.</param>
/// <param name="DeadLettered"><see langword="true"/> when the job went to the dead letters; <see langword="false"/> when it will be retried.</param>
/// <param name="RetryAt">When the job is leased again; <see langword="null"/> when dead-lettered.</param>
public readonly record struct JobFailure(int Attempt, bool DeadLettered, DateTimeOffset? RetryAt);

namespace RedisStores.Workers;

/// <summary>A worker finished an attempt at a job: the message on <see cref="Messaging.StoreTopics.WorkerJobs"/>.</summary>
/// <param name="Queue">The job's queue.</param>
/// <param name="JobId">The job's id.</param>
/// <param name="Outcome"><c>completed</c> (acked), <c>retrying</c> (failed, will run again) or <c>dead</c> (dead-lettered).</param>
/// <param name="Attempt">The attempt that finished, counting from 1.</param>
public sealed record JobFinished(string Queue, string JobId, string Outcome, int Attempt);

namespace RedisStores.Workers;

/// <summary>One job of a batch for <see cref="IWorkerStore.EnqueueManyAsync"/>: its payload and how to enqueue it.</summary>
/// <typeparam name="T">The payload type; anything the configured serializer can write.</typeparam>
/// <param name="payload">The job's payload.</param>
/// <param name="options">How to enqueue it; <see langword="null"/> for the defaults.</param>
public sealed class JobRequest<T>(T payload, EnqueueOptions? options = null)
{
    /// <summary>The job's payload.</summary>
    public T Payload { get; } = payload;

    /// <summary>How to enqueue it; <see langword="null"/> for the defaults.</summary>
    public EnqueueOptions? Options { get; } = options;
}

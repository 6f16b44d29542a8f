namespace RedisStores.Tasks;

/// <summary>What to create a task with. Every property is optional.</summary>
public sealed record CreateTaskRequest
{
    /// <summary>
    /// The id to use; <see langword="null"/> lets the store generate one (32 hex digits). A given id is 1 to
    /// 256 ASCII letters, digits or <c>- _ . @ + = ~ /</c>; creating a second live task with the same id fails
    /// with <see cref="EntityAlreadyExistsException"/>.
    /// </summary>
    public string? Id { get; init; }

    /// <summary>How long the task and its result live; <see langword="null"/> takes <see cref="TaskStoreOptions.DefaultTtl"/>.</summary>
    public TimeSpan? Ttl { get; init; }

    /// <summary>The poll interval suggested to clients; <see langword="null"/> takes <see cref="TaskStoreOptions.DefaultPollInterval"/>.</summary>
    public TimeSpan? PollInterval { get; init; }

    /// <summary>The status to start in. Default: <see cref="TaskState.Working"/>. Must not be final.</summary>
    public TaskState Status { get; init; } = TaskState.Working;

    /// <summary>An optional first status message. An empty message is stored as <see langword="null"/>.</summary>
    public string? StatusMessage { get; init; }
}

namespace RedisStores.Messaging;

/// <summary>
/// The topics on which the stores announce their changes through the <see cref="IMessageBus"/>, so a host can react
/// (or stream them to its clients) without polling. Subscribe to them like any other topic.
/// </summary>
public static class StoreTopics
{
    /// <summary>Every task status change, as a <see cref="Tasks.TaskStatusChange"/>: <c>redisstores.tasks.status</c>.</summary>
    public const string TaskStatus = "redisstores.tasks.status";
}

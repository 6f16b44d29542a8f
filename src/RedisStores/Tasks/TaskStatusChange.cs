using System.Text.Json.Serialization;

namespace RedisStores.Tasks;

/// <summary>A task's status changed: the message on <see cref="Messaging.StoreTopics.TaskStatus"/>.</summary>
/// <param name="TaskId">The task's id.</param>
/// <param name="Status">The new status, by its wire name (<c>working</c>, <c>input_required</c>, <c>completed</c>, <c>failed</c>, <c>cancelled</c>).</param>
/// <param name="StatusMessage">The new status message, if any.</param>
public sealed record TaskStatusChange(string TaskId, string Status, string? StatusMessage)
{
    /// <summary>The new status; <see langword="null"/> for a wire name this version does not know.</summary>
    [JsonIgnore]
    public TaskState? State => TaskLifecycle.TryParseWire(Status, out var state) ? state : null;
}

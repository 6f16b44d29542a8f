namespace RedisStores.Tasks;

/// <summary>
/// A task was asked to move to a status its lifecycle forbids: a task that is
/// <see cref="TaskState.Completed"/>, <see cref="TaskState.Failed"/> or <see cref="TaskState.Cancelled"/> is final.
/// </summary>
public sealed class InvalidTaskTransitionException : RedisStoresException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="taskId">The task.</param>
    /// <param name="from">Its current status.</param>
    /// <param name="to">The status that was refused.</param>
    public InvalidTaskTransitionException(string taskId, TaskState from, TaskState to)
        : base($"Task '{taskId}' is {from}, which is final; it cannot become {to}. Create a new task to run the work again.")
    {
        TaskId = taskId;
        From = from;
        To = to;
    }

    /// <summary>The task.</summary>
    public string TaskId { get; }

    /// <summary>The task's current, final status.</summary>
    public TaskState From { get; }

    /// <summary>The status that was refused.</summary>
    public TaskState To { get; }
}

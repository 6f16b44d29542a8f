namespace RedisStores.Tasks;

/// <summary>
/// Where a task is in its life. <see cref="Working"/> and <see cref="InputRequired"/> may change to any status;
/// <see cref="Completed"/>, <see cref="Failed"/> and <see cref="Cancelled"/> are final.
/// </summary>
/// <remarks>Named <c>TaskState</c> so that it does not clash with <see cref="System.Threading.Tasks.TaskStatus"/>.</remarks>
public enum TaskState
{
    /// <summary>The task is running. Every task starts here unless created otherwise.</summary>
    Working = 0,

    /// <summary>The task waits for input from its requester.</summary>
    InputRequired = 1,

    /// <summary>The task finished successfully. Final.</summary>
    Completed = 2,

    /// <summary>The task finished with an error. Final.</summary>
    Failed = 3,

    /// <summary>The task was cancelled. Final.</summary>
    Cancelled = 4,
}

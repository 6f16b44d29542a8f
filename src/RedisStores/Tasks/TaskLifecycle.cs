namespace RedisStores.Tasks;

/// <summary>The lifecycle rules and wire names of task statuses, shared by both implementations.</summary>
internal static class TaskLifecycle
{
    internal const string EntityKind = "task";

    // Wire names match the systems users migrate from, so redis-cli output reads the same.
    private static readonly string[] s_wireNames = ["working", "input_required", "completed", "failed", "cancelled"];

    internal static int StatusCount => s_wireNames.Length;

    internal static bool IsTerminal(TaskState status) => status is TaskState.Completed or TaskState.Failed or TaskState.Cancelled;

    internal static string ToWire(TaskState status) => s_wireNames[(int)status];

    internal static bool TryParseWire(string? value, out TaskState status)
    {
        var index = Array.IndexOf(s_wireNames, value);
        status = (TaskState)Math.Max(index, 0);
        return index >= 0;
    }

    internal static void ThrowIfUndefined(TaskState status, string paramName)
    {
        if (!Enum.IsDefined(status))
        {
            throw new ArgumentOutOfRangeException(paramName, status, "Not a task status; use a TaskState value.");
        }
    }

    /// <summary>Throws when <paramref name="from"/> may not change to <paramref name="to"/>.</summary>
    internal static void EnsureCanMove(string taskId, TaskState from, TaskState to)
    {
        if (IsTerminal(from))
        {
            throw new InvalidTaskTransitionException(taskId, from, to);
        }
    }
}

using RedisStores.Internal;

namespace RedisStores.Tasks;

/// <summary>
/// The callers of <see cref="ITaskStore.WaitForCompletionAsync"/> in one store, by task id: a status change wakes
/// those waiting on its task, which read the task again. Shared by both stores, so they wait the same way.
/// </summary>
internal sealed class TaskWaiters
{
    internal static readonly TimeSpan MaxWait = TimeSpan.FromDays(1);

    private readonly object _gate = new();
    private readonly Dictionary<string, (WakeSignal Signal, int Count)> _waiting = new(StringComparer.Ordinal);

    internal void Wake(string taskId)
    {
        lock (_gate)
        {
            if (_waiting.TryGetValue(taskId, out var entry))
            {
                entry.Signal.Wake();
            }
        }
    }

    /// <summary>
    /// Reads the task until it is final or the time is up. <paramref name="safetyPoll"/> bounds each sleep, for a
    /// notification lost while disconnected; a notification ends the sleep at once.
    /// </summary>
    internal async ValueTask<TaskRecord> WaitAsync(
        Func<string, CancellationToken, ValueTask<TaskRecord?>> read, string taskId, TimeSpan timeout, TimeSpan safetyPoll, TimeProvider time, CancellationToken cancellationToken,
        Task? subscribed = null)
    {
        if (timeout != Timeout.InfiniteTimeSpan && (timeout < TimeSpan.Zero || timeout > MaxWait))
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, $"The timeout must be between 0 and {MaxWait}, or Timeout.InfiniteTimeSpan.");
        }

        var signal = Enter(taskId);
        try
        {
            var started = time.GetTimestamp();
            while (true)
            {
                var woken = signal.Task; // before reading, so a change during the read still wakes the sleep
                var liveBeforeRead = subscribed is null || subscribed.IsCompletedSuccessfully;
                var task = await read(taskId, cancellationToken).ConfigureAwait(false) ?? throw new EntityNotFoundException(TaskLifecycle.EntityKind, taskId);
                if (TaskLifecycle.IsTerminal(task.Status))
                {
                    return task;
                }

                if (!liveBeforeRead)
                {
                    // The read went out beside the subscription, so a change made meanwhile may have gone unheard:
                    // wait until the notifications are live, then read once more before sleeping.
                    await subscribed!.WaitAsync(cancellationToken).ConfigureAwait(false);
                    continue;
                }

                var sleep = safetyPoll;
                if (timeout != Timeout.InfiniteTimeSpan)
                {
                    var left = timeout - time.GetElapsedTime(started);
                    if (left <= TimeSpan.Zero)
                    {
                        return task;
                    }

                    sleep = sleep == Timeout.InfiniteTimeSpan || left < sleep ? left : sleep; // InfiniteTimeSpan is -1 ms
                }

                try
                {
                    await woken.WaitAsync(sleep, time, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // Read again: the time is up, or the safety poll.
                }
            }
        }
        finally
        {
            Exit(taskId);
        }
    }

    private WakeSignal Enter(string taskId)
    {
        lock (_gate)
        {
            var entry = _waiting.TryGetValue(taskId, out var found) ? found : (Signal: new WakeSignal(), Count: 0);
            _waiting[taskId] = (entry.Signal, entry.Count + 1);
            return entry.Signal;
        }
    }

    private void Exit(string taskId)
    {
        lock (_gate)
        {
            var entry = _waiting[taskId];
            if (entry.Count == 1)
            {
                _waiting.Remove(taskId);
            }
            else
            {
                _waiting[taskId] = (entry.Signal, entry.Count - 1);
            }
        }
    }
}

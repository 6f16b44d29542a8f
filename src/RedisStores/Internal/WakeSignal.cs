namespace RedisStores.Internal;

/// <summary>
/// A signal for waiters that re-check state when woken: <see cref="Task"/> completes at the next <see cref="Wake"/>,
/// which also arms a fresh one. Take the task before checking, so a wake during the check is not missed. Used by
/// queue waiters, durable subscriptions and task waiters alike.
/// </summary>
internal sealed class WakeSignal
{
    private TaskCompletionSource _current = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal Task Task => Volatile.Read(ref _current).Task;

    internal void Wake() => Interlocked.Exchange(ref _current, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}

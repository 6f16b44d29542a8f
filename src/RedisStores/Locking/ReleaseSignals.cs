namespace RedisStores.Locking;

/// <summary>
/// Wakes the waiters of one lock name when it is released. A waiter registers before it tries to acquire, so a
/// release between its attempt and its wait still wakes it. Entries exist only while someone waits.
/// </summary>
internal sealed class ReleaseSignals
{
    private readonly Dictionary<string, (TaskCompletionSource Signal, int Waiters)> _waiting = new(StringComparer.Ordinal);

    internal Task Register(string name)
    {
        lock (_waiting)
        {
            if (!_waiting.TryGetValue(name, out var entry))
            {
                entry = (new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), 0);
            }

            _waiting[name] = (entry.Signal, entry.Waiters + 1);
            return entry.Signal.Task;
        }
    }

    internal void Unregister(string name, Task registered)
    {
        lock (_waiting)
        {
            if (_waiting.TryGetValue(name, out var entry) && entry.Signal.Task == registered)
            {
                if (entry.Waiters <= 1)
                {
                    _waiting.Remove(name);
                }
                else
                {
                    _waiting[name] = (entry.Signal, entry.Waiters - 1);
                }
            }
        }
    }

    internal void Signal(string name)
    {
        TaskCompletionSource? signal = null;
        lock (_waiting)
        {
            if (_waiting.Remove(name, out var entry))
            {
                signal = entry.Signal;
            }
        }

        signal?.TrySetResult();
    }

    /// <summary>Wakes every waiter, for when notifications may have been missed (a reconnect).</summary>
    internal void SignalAll()
    {
        List<TaskCompletionSource> signals;
        lock (_waiting)
        {
            signals = [.. _waiting.Values.Select(e => e.Signal)];
            _waiting.Clear();
        }

        signals.ForEach(s => s.TrySetResult());
    }
}

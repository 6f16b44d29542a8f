namespace RedisStores.Locking;

/// <summary>
/// Wakes the waiters of one lock name when it is released. A waiter registers before it tries to acquire, so a
/// release between its attempt and its wait still wakes it. Entries exist only while someone waits.
/// </summary>
/// <remarks>
/// A first attempt, which usually succeeds, registers nothing: it reads <see cref="Version"/> before it is sent, and
/// when it fails and registers, a changed version means a release may have come in between, so it tries again at once.
/// </remarks>
internal sealed class ReleaseSignals
{
    private readonly Dictionary<string, (TaskCompletionSource Signal, int Waiters)> _waiting = new(StringComparer.Ordinal);
    private long _version;

    /// <summary>Rises before every signal, of any name, takes effect.</summary>
    internal long Version => Interlocked.Read(ref _version);

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
        Interlocked.Increment(ref _version);
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
        Interlocked.Increment(ref _version);
        List<TaskCompletionSource> signals;
        lock (_waiting)
        {
            signals = [.. _waiting.Values.Select(e => e.Signal)];
            _waiting.Clear();
        }

        signals.ForEach(s => s.TrySetResult());
    }
}

namespace RedisStores.Locking;

/// <summary>Locks in this process's memory, with leases on the injected clock.</summary>
internal sealed class InMemoryLockBackend(TimeProvider time) : LockBackend
{
    private readonly Dictionary<string, (long Owner, DateTimeOffset Expires)> _held = new(StringComparer.Ordinal);
    private long _fence;
    private int _pruneAt = 64;

    internal override ValueTask<Attempt> TryAcquireAsync(string name, object? prepared, long owner, TimeSpan lease, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_held)
        {
            var now = time.GetUtcNow();
            PruneIfLarge(now);
            if (_held.TryGetValue(name, out var holder) && holder.Expires >= now)
            {
                return ValueTask.FromResult(new Attempt(false, 0, holder.Expires - now + TimeSpan.FromMilliseconds(1)));
            }

            _held[name] = (owner, now + lease);
            return ValueTask.FromResult(new Attempt(true, ++_fence, TimeSpan.Zero));
        }
    }

    internal override ValueTask<bool> ExtendAsync(string name, object? prepared, long owner, TimeSpan lease, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_held)
        {
            var now = time.GetUtcNow();
            if (!IsHeldBy(name, owner, now))
            {
                return ValueTask.FromResult(false);
            }

            _held[name] = (owner, now + lease);
            return ValueTask.FromResult(true);
        }
    }

    internal override ValueTask<bool> ReleaseAsync(string name, object? prepared, long owner, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_held)
        {
            if (!IsHeldBy(name, owner, time.GetUtcNow()))
            {
                return ValueTask.FromResult(false);
            }

            _held.Remove(name);
        }

        Releases.Signal(name);
        return ValueTask.FromResult(true);
    }

    // Like a Redis key, a lease is live through its last instant and gone after it.
    private bool IsHeldBy(string name, long owner, DateTimeOffset now)
        => _held.TryGetValue(name, out var holder) && holder.Owner == owner && holder.Expires >= now;

    // Expired entries of names nobody asks for again would stay forever; sweep when the table doubles.
    private void PruneIfLarge(DateTimeOffset now)
    {
        if (_held.Count < _pruneAt)
        {
            return;
        }

        foreach (var expired in _held.Where(e => e.Value.Expires < now).Select(e => e.Key).ToList())
        {
            _held.Remove(expired);
        }

        _pruneAt = Math.Max(64, _held.Count * 2);
    }
}

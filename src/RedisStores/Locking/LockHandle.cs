using RedisStores.Internal;

namespace RedisStores.Locking;

/// <summary>
/// A held lock of any backend. The service's <see cref="RenewalScheduler"/> wakes it when a renewal is due, and
/// declares the lock lost when the lease, counted from when the last successful renewal was sent, runs out first.
/// </summary>
/// <remarks>
/// A handle has no timer, task or token source of its own until asked: <see cref="HandleLostToken"/> makes its source
/// on first use, and a renewal runs only when one is due. Its timing fields are guarded by the scheduler's gate.
/// </remarks>
internal sealed class LockHandle : IDistributedLockHandle
{
    private const int Held = 0;
    private const int Released = 1;
    private const int Lost = 2;
    private const int Releasing = 3;

    // After a failed renewal (Redis unreachable), try again this soon, while the lease still runs.
    private static readonly TimeSpan s_retryAfterFailure = TimeSpan.FromMilliseconds(100);
    private static readonly CancellationToken s_cancelled = new(canceled: true);

    private readonly LockEngine _engine;
    private readonly object? _prepared;
    private readonly long _owner;
    private readonly bool _autoExtend;
    private readonly TimeSpan _interval;
    private CancellationTokenSource? _lost;
    private long _leaseEnd;
    private long _nextRenewal;
    private TimeSpan _lease;
    private bool _renewing;
    private long _renewalsSent;
    private int _state;
    private int _disposed;

    internal LockHandle(LockEngine engine, string name, object? prepared, long owner, long fencingToken, TimeSpan lease, bool autoExtend, TimeSpan interval, long sentAt)
    {
        _engine = engine;
        Name = name;
        _prepared = prepared;
        _owner = owner;
        FencingToken = fencingToken;
        _lease = lease;
        _autoExtend = autoExtend;
        _interval = interval;
        _leaseEnd = Scheduler.After(sentAt, lease);
        _nextRenewal = Scheduler.After(sentAt, interval);
        lock (Scheduler.Gate)
        {
            Scheduler.ScheduleLocked(this, NextDueLocked());
        }
    }

    public string Name { get; }

    public long FencingToken { get; }

    public TimeSpan Lease
    {
        get
        {
            lock (Scheduler.Gate)
            {
                return _lease;
            }
        }
    }

    public CancellationToken HandleLostToken
    {
        get
        {
            var lost = Volatile.Read(ref _lost);
            if (lost is null)
            {
                if (Volatile.Read(ref _state) == Lost)
                {
                    return s_cancelled;
                }

                var created = new CancellationTokenSource();
                lost = Interlocked.CompareExchange(ref _lost, created, null) ?? created;
                if (lost != created)
                {
                    created.Dispose();
                }

                // MarkLost may have looked for the source just before it was published: cancel it here then.
                if (Volatile.Read(ref _state) == Lost)
                {
                    SignalLost(lost);
                }
            }

            return lost.Token;
        }
    }

    public bool IsLost => Volatile.Read(ref _state) == Lost;

    /// <summary>The handle's place in the scheduler's heap, -1 when not there. Guarded by the scheduler's gate.</summary>
    internal int HeapIndex { get; set; } = -1;

    /// <summary>When the scheduler next wakes the handle. Guarded by the scheduler's gate.</summary>
    internal long Due { get; set; }

    private RenewalScheduler Scheduler => _engine.Scheduler;

    public async ValueTask<bool> ExtendAsync(TimeSpan? lease = null, CancellationToken cancellationToken = default)
    {
        if (lease is { } l && (l < LockEngine.MinLease || l > LockEngine.MaxLease))
        {
            throw new ArgumentOutOfRangeException(nameof(lease), l, $"A lease must be between {LockEngine.MinLease} and {LockEngine.MaxLease}.");
        }

        return Volatile.Read(ref _state) == Held && await RenewAsync(lease ?? Lease, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<bool> ReleaseAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!BeginRelease())
        {
            return false;
        }

        var released = await _engine.Backend.ReleaseAsync(Name, _prepared, _owner, cancellationToken).ConfigureAwait(false);
        Interlocked.CompareExchange(ref _state, Released, Releasing);
        return released;
    }

    public ValueTask DisposeAsync() => Interlocked.Exchange(ref _disposed, 1) == 1 ? default : DisposeCoreAsync();

    /// <summary>Called by the scheduler, outside its gate, when the handle is due; the handle is out of the heap.</summary>
    internal void OnDue()
    {
        string? lostReason = null;
        var renew = false;
        lock (Scheduler.Gate)
        {
            if (Volatile.Read(ref _state) != Held)
            {
                return;
            }

            var now = _engine.Time.GetTimestamp();
            if (now >= _leaseEnd)
            {
                // The lease end is a deadline of its own: a renewal stuck in a client timeout must not outlive it.
                lostReason = _renewing ? "its lease ran out while a renewal was still pending" : "its lease ran out before a renewal succeeded";
            }
            else if (_autoExtend && !_renewing && now >= _nextRenewal)
            {
                _renewing = true;
                renew = true;
            }

            if (lostReason is null)
            {
                Scheduler.ScheduleLocked(this, NextDueLocked());
            }
        }

        if (lostReason is not null)
        {
            MarkLost(lostReason);
        }
        else if (renew)
        {
            _ = RenewInBackgroundAsync();
        }
    }

    /// <summary>
    /// Called by the scheduler when <see cref="OnDue"/> threw: a handle still held goes back in the heap, so it is still
    /// renewed or declared lost.
    /// </summary>
    internal void ScheduleAfterFault()
    {
        lock (Scheduler.Gate)
        {
            if (Volatile.Read(ref _state) == Held && HeapIndex < 0)
            {
                Scheduler.ScheduleLocked(this, NextDueLocked());
            }
        }
    }

    // Held becomes Releasing until the delete is confirmed, so a failed release can be tried again. A lost handle
    // still sends its owner-checked delete: a renewal that timed out here may have run on the server.
    private bool BeginRelease()
    {
        var prior = Interlocked.CompareExchange(ref _state, Releasing, Held);
        if (prior == Released)
        {
            return false;
        }

        if (prior == Held)
        {
            lock (Scheduler.Gate)
            {
                Scheduler.RemoveLocked(this);
            }
        }

        return true;
    }

    private async ValueTask DisposeCoreAsync()
    {
        try
        {
            if (BeginRelease())
            {
                await _engine.Backend.ReleaseAsync(Name, _prepared, _owner, CancellationToken.None).ConfigureAwait(false);
                Interlocked.CompareExchange(ref _state, Released, Releasing);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Disposal must not throw; the lease runs out on its own and the next holder gets the lock then.
            Log.LockReleaseFailed(_engine.Logger, ex.Message);
        }
    }

    // Due for the next renewal, or at the end of the lease: while a renewal is pending, or without automatic extension.
    private long NextDueLocked() => _autoExtend && !_renewing && _nextRenewal < _leaseEnd ? _nextRenewal : _leaseEnd;

    private async Task<bool> RenewAsync(TimeSpan lease, CancellationToken cancellationToken)
    {
        long sentAt;
        long renewal;
        lock (Scheduler.Gate)
        {
            sentAt = _engine.Time.GetTimestamp();
            renewal = ++_renewalsSent;

            // A shorter lease may take effect on the server before its reply comes back, or without one: count the
            // deadline from now already, so that it is never later than the server's, whichever renewal arrives.
            var shortened = Scheduler.After(sentAt, lease);
            if (shortened < _leaseEnd)
            {
                _leaseEnd = shortened;
                if (Volatile.Read(ref _state) == Held)
                {
                    Scheduler.ScheduleLocked(this, NextDueLocked());
                }
            }
        }

        if (await _engine.Backend.ExtendAsync(Name, _prepared, _owner, lease, cancellationToken).ConfigureAwait(false))
        {
            lock (Scheduler.Gate)
            {
                // Renewals in flight together (ExtendAsync beside the background renewal) may answer in any order.
                // Only the newest sent is what the server holds now: an older reply would set a deadline, and a
                // lease, the server no longer has. Until the newest answers, the earlier deadline stands.
                if (renewal != _renewalsSent)
                {
                    return true;
                }

                _lease = lease;
                _leaseEnd = Scheduler.After(sentAt, lease);
                _nextRenewal = Scheduler.After(sentAt, _interval < lease ? _interval : lease / 3);

                // The lease end may have moved earlier (an explicit, shorter lease): wake for it in time.
                if (Volatile.Read(ref _state) == Held)
                {
                    Scheduler.ScheduleLocked(this, NextDueLocked());
                }
            }

            return true;
        }

        MarkLost("another holder has it, or its lease ran out");
        return false;
    }

    private async Task RenewInBackgroundAsync()
    {
        var retrySoon = false;
        try
        {
            await RenewAsync(Lease, CancellationToken.None).ConfigureAwait(false);
        }
        catch (StoreUnavailableException ex)
        {
            if (Volatile.Read(ref _state) == Held)
            {
                Log.LockRenewalFailed(_engine.Logger, ex.Message);
                retrySoon = true;
            }
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            // Foreign data where the lock should be, a disposed connection...: exclusivity is not assured.
            MarkLost(ex.Message);
        }
        finally
        {
            lock (Scheduler.Gate)
            {
                _renewing = false;
                if (retrySoon)
                {
                    _nextRenewal = Scheduler.After(_engine.Time.GetTimestamp(), s_retryAfterFailure);
                }

                if (Volatile.Read(ref _state) == Held)
                {
                    Scheduler.ScheduleLocked(this, NextDueLocked());
                }
            }
        }
    }

    private void MarkLost(string reason)
    {
        if (Interlocked.CompareExchange(ref _state, Lost, Held) == Held)
        {
            lock (Scheduler.Gate)
            {
                Scheduler.RemoveLocked(this);
            }

            // Signalled before logging: the handle's fate is settled even if the logger throws.
            if (Volatile.Read(ref _lost) is { } lost)
            {
                SignalLost(lost);
            }

            Log.LockLost(_engine.Logger, reason);
        }
    }

    // The callbacks run on the thread pool, not on the caller's thread, which is often the scheduler's timer: a callback
    // that throws would end the process there, and one that blocks would hold up the renewals of every lock.
    private void SignalLost(CancellationTokenSource lost)
    {
        var callbacks = lost.CancelAsync();
        if (!callbacks.IsCompletedSuccessfully)
        {
            _ = ObserveLostCallbacksAsync(callbacks);
        }
    }

    private async Task ObserveLostCallbacksAsync(Task callbacks)
    {
        try
        {
            await callbacks.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.LockLostCallbackFailed(_engine.Logger, ex);
        }
    }
}

using Microsoft.Extensions.Logging;
using RedisStores.Internal;

namespace RedisStores.Locking;

/// <summary>
/// A held lock of any backend. One background loop renews the lease every extend interval and declares the lock
/// lost when the lease, counted from when the last successful renewal was sent, runs out first.
/// </summary>
internal sealed class LockHandle : IDistributedLockHandle
{
    private const int Held = 0;
    private const int Released = 1;
    private const int Lost = 2;
    private const int Releasing = 3;

    // After a failed renewal (Redis unreachable), try again this soon, while the lease still runs.
    private static readonly TimeSpan s_retryAfterFailure = TimeSpan.FromMilliseconds(100);

    private readonly LockBackend _backend;
    private readonly string _owner;
    private readonly bool _autoExtend;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _lost = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _watch;
    private readonly object _gate = new();
    private TaskCompletionSource _reschedule = NewSignal();
    private DateTimeOffset _leaseEnd;
    private DateTimeOffset _nextRenewal;
    private TimeSpan _lease;
    private int _state;
    private int _disposed;

    internal LockHandle(LockBackend backend, string name, string owner, long fencingToken, TimeSpan lease, bool autoExtend, TimeSpan interval, DateTimeOffset sentAt, TimeProvider time, ILogger logger)
    {
        _backend = backend;
        Name = name;
        _owner = owner;
        FencingToken = fencingToken;
        _lease = lease;
        _autoExtend = autoExtend;
        _interval = interval;
        _time = time;
        _logger = logger;
        _leaseEnd = sentAt + lease;
        _nextRenewal = sentAt + interval;
        _watch = WatchAsync(); // runs inline to its first await: the delay toward the next renewal
    }

    public string Name { get; }

    public long FencingToken { get; }

    public TimeSpan Lease
    {
        get
        {
            lock (_gate)
            {
                return _lease;
            }
        }
    }

    public CancellationToken HandleLostToken => _lost.Token;

    public bool IsLost => Volatile.Read(ref _state) == Lost;

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

        // Held becomes Releasing until the delete is confirmed, so a failed release can be tried again. A lost handle
        // still sends its owner-checked delete: a renewal that timed out here may have run on the server.
        var prior = Interlocked.CompareExchange(ref _state, Releasing, Held);
        if (prior == Released)
        {
            return false;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        var released = await _backend.ReleaseAsync(Name, _owner, cancellationToken).ConfigureAwait(false);
        Interlocked.CompareExchange(ref _state, Released, Releasing);
        return released;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            await ReleaseAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Disposal must not throw; the lease runs out on its own and the next holder gets the lock then.
            Log.LockReleaseFailed(_logger, ex.Message);
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _watch.ConfigureAwait(false);
    }

    private async Task<bool> RenewAsync(TimeSpan lease, CancellationToken cancellationToken)
    {
        var sentAt = _time.GetUtcNow();
        if (await _backend.ExtendAsync(Name, _owner, lease, cancellationToken).ConfigureAwait(false))
        {
            TaskCompletionSource reschedule;
            lock (_gate)
            {
                _lease = lease;
                _leaseEnd = sentAt + lease;
                _nextRenewal = sentAt + (_interval < lease ? _interval : lease / 3);
                reschedule = _reschedule;
                _reschedule = NewSignal();
            }

            // The watch loop may be sleeping toward a lease end that just moved (an explicit, shorter lease).
            reschedule.TrySetResult();
            return true;
        }

        MarkLost("another holder has it, or its lease ran out");
        return false;
    }

    private async Task WatchAsync()
    {
        try
        {
            while (Volatile.Read(ref _state) == Held)
            {
                DateTimeOffset leaseEnd, due;
                lock (_gate)
                {
                    leaseEnd = _leaseEnd;
                    due = _autoExtend && _nextRenewal < leaseEnd ? _nextRenewal : leaseEnd;
                }

                var now = _time.GetUtcNow();
                if (now >= leaseEnd)
                {
                    MarkLost("its lease ran out before a renewal succeeded");
                    return;
                }

                if (due > now)
                {
                    Task reschedule;
                    lock (_gate)
                    {
                        reschedule = _reschedule.Task;
                    }

                    await Task.WhenAny(Task.Delay(due - now, _time, _stop.Token), reschedule).ConfigureAwait(false);
                    _stop.Token.ThrowIfCancellationRequested();
                    continue;
                }

                try
                {
                    // The lease end is a deadline of its own: a renewal stuck in a client timeout must not outlive it.
                    await RenewAsync(Lease, _stop.Token).WaitAsync(leaseEnd - now, _time, _stop.Token).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    MarkLost("its lease ran out while a renewal was still pending");
                    return;
                }
                catch (StoreUnavailableException ex)
                {
                    Log.LockRenewalFailed(_logger, ex.Message);
                    lock (_gate)
                    {
                        _nextRenewal = _time.GetUtcNow() + s_retryAfterFailure;
                    }
                }
                catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
                {
                    // Foreign data where the lock should be, a disposed connection...: exclusivity is not assured.
                    MarkLost(ex.Message);
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private void MarkLost(string reason)
    {
        if (Interlocked.CompareExchange(ref _state, Lost, Held) == Held)
        {
            Log.LockLost(_logger, reason);
            _lost.Cancel();
        }
    }
}

using Microsoft.Extensions.Logging;
using RedisStores.Internal;

using static RedisStores.Locking.LockBackend;

namespace RedisStores.Locking;

/// <summary>
/// Acquisition for every lock service: try, and while another holder keeps the lock, wait for its release
/// notification, for its lease to run out, or for the polling interval, whichever comes first.
/// </summary>
internal sealed class LockEngine
{
    internal const string EntityKind = "lock";

    // Room for a store's own prefix in front of a 256-character id, as session locks have.
    internal const int MaxNameLength = 300;
    internal static readonly TimeSpan MinLease = TimeSpan.FromMilliseconds(10);
    internal static readonly TimeSpan MaxLease = TimeSpan.FromDays(1);

    private readonly LockBackend _backend;
    private readonly TimeSpan _defaultLease;
    private readonly TimeSpan _pollInterval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    internal LockEngine(LockBackend backend, RedisStoresOptions options, TimeProvider time, ILogger logger)
    {
        _backend = backend;
        _defaultLease = options.LockTimeout;
        _pollInterval = options.Locks.PollInterval;
        _time = time;
        _logger = logger;
    }

    internal async ValueTask<IDistributedLockHandle> AcquireAsync(string name, TimeSpan? waitTimeout, LockOptions? options, CancellationToken cancellationToken)
        => await TryAcquireAsync(name, waitTimeout, options, cancellationToken).ConfigureAwait(false)
            ?? throw new LockTimeoutException(name, waitTimeout!.Value);

    /// <summary>Acquires within <paramref name="waitTimeout"/> (<see langword="null"/>: without limit), or returns <see langword="null"/>.</summary>
    internal async ValueTask<IDistributedLockHandle?> TryAcquireAsync(string name, TimeSpan? waitTimeout, LockOptions? options, CancellationToken cancellationToken)
    {
        StoreId.Validate(name, nameof(name), EntityKind, MaxNameLength);
        if (waitTimeout is { } timeout && (timeout < TimeSpan.Zero || timeout == Timeout.InfiniteTimeSpan))
        {
            throw new ArgumentOutOfRangeException(nameof(waitTimeout), timeout, "The wait timeout cannot be negative; pass null to wait without limit.");
        }

        var (lease, autoExtend, interval) = Settings(options);
        var deadline = waitTimeout is { } t ? _time.GetUtcNow() + t : (DateTimeOffset?)null;
        await TryEnsureNotificationsAsync(cancellationToken).ConfigureAwait(false);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var released = _backend.Releases.Register(name);
            try
            {
                var owner = Guid.NewGuid().ToString("N");
                var sentAt = _time.GetUtcNow();
                Attempt attempt;
                try
                {
                    attempt = await _backend.TryAcquireAsync(name, owner, lease, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or StoreUnavailableException)
                {
                    // The attempt may have been granted after we stopped waiting: free it, or it blocks everyone for a lease.
                    _ = ReleaseQuietlyAsync(name, owner);
                    throw;
                }

                if (attempt.Acquired)
                {
                    return new LockHandle(_backend, name, owner, attempt.FencingToken, lease, autoExtend, interval, sentAt, _time, _logger);
                }

                // Woken by the release notification, else when the holder's lease runs out or the poll interval passes.
                var wait = Min(attempt.HolderLeaseLeft, _pollInterval);
                if (deadline is { } end)
                {
                    var left = end - _time.GetUtcNow();
                    if (left <= TimeSpan.Zero)
                    {
                        return null;
                    }

                    wait = Min(wait, left);
                }

                using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var delay = Task.Delay(wait < TimeSpan.Zero ? TimeSpan.Zero : wait, _time, stopWaiting.Token);
                await Task.WhenAny(released, delay).ConfigureAwait(false);
                await stopWaiting.CancelAsync().ConfigureAwait(false);
            }
            finally
            {
                _backend.Releases.Unregister(name, released);
            }
        }
    }

    private async Task ReleaseQuietlyAsync(string name, string owner)
    {
        try
        {
            await _backend.ReleaseAsync(name, owner, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.LockReleaseFailed(_logger, ex.Message);
        }
    }

    private (TimeSpan Lease, bool AutoExtend, TimeSpan Interval) Settings(LockOptions? options)
    {
        var lease = options?.Lease ?? _defaultLease;
        if (lease < MinLease || lease > MaxLease)
        {
            throw new ArgumentOutOfRangeException(nameof(options), lease, $"A lease must be between {MinLease} and {MaxLease}.");
        }

        var interval = options?.ExtendInterval ?? lease / 3;
        if (interval <= TimeSpan.Zero || interval >= lease)
        {
            throw new ArgumentOutOfRangeException(nameof(options), interval, "The extend interval must be above zero and shorter than the lease.");
        }

        return (lease, options?.AutoExtend ?? true, interval);
    }

    // Without notifications, waiting still works by polling; the attempt that follows reports Redis being down.
    private async ValueTask TryEnsureNotificationsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await _backend.EnsureNotificationsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (StoreUnavailableException ex)
        {
            Log.LockNotificationsUnavailable(_logger, ex.Message);
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}

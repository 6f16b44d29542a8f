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

    private readonly TimeSpan _defaultLease;
    private readonly TimeSpan _pollInterval;
    private long _owners;

    internal LockEngine(LockBackend backend, RedisStoresOptions options, TimeProvider time, ILogger logger)
    {
        Backend = backend;
        _defaultLease = options.LockTimeout;
        _pollInterval = options.Locks.PollInterval;
        Time = time;
        Logger = logger;
        Scheduler = new RenewalScheduler(time, logger);
    }

    internal LockBackend Backend { get; }

    internal TimeProvider Time { get; }

    internal ILogger Logger { get; }

    /// <summary>Renews and watches every handle of this service.</summary>
    internal RenewalScheduler Scheduler { get; }

    // One method for both: a wrapper that turned null into the exception would cost an awaiting frame per acquisition.
    internal ValueTask<IDistributedLockHandle> AcquireAsync(string name, TimeSpan? waitTimeout, LockOptions? options, CancellationToken cancellationToken)
        => AcquireCoreAsync(name, waitTimeout, options, throwOnTimeout: true, cancellationToken)!;

    /// <summary>Acquires within <paramref name="waitTimeout"/> (<see langword="null"/>: without limit), or returns <see langword="null"/>.</summary>
    internal ValueTask<IDistributedLockHandle?> TryAcquireAsync(string name, TimeSpan? waitTimeout, LockOptions? options, CancellationToken cancellationToken)
        => AcquireCoreAsync(name, waitTimeout, options, throwOnTimeout: false, cancellationToken);

    private async ValueTask<IDistributedLockHandle?> AcquireCoreAsync(string name, TimeSpan? waitTimeout, LockOptions? options, bool throwOnTimeout, CancellationToken cancellationToken)
    {
        StoreId.Validate(name, nameof(name), EntityKind + " id", MaxNameLength, allowColon: false);
        if (waitTimeout is { } timeout && (timeout < TimeSpan.Zero || timeout == Timeout.InfiniteTimeSpan))
        {
            throw new ArgumentOutOfRangeException(nameof(waitTimeout), timeout, "The wait timeout cannot be negative; pass null to wait without limit.");
        }

        var (lease, autoExtend, interval) = Settings(options);
        // Measured on the monotonic timestamp: a step of the wall clock must not end or stretch the wait.
        var started = Time.GetTimestamp();
        // The first acquisition of a service subscribes to release notifications and makes its attempt at once: one
        // round trip when the lock is free. A failed attempt made before the subscription was live tries again once it is.
        Backend.StartNotifications();
        var ensured = false;
        var prepared = Backend.Prepare(name);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var notified = Backend.NotificationsLive;

            // Read before the attempt: a release signalled after it, for any name, makes a failed attempt try again at once.
            var version = Backend.Releases.Version;
            var owner = Interlocked.Increment(ref _owners);
            var sentAt = Time.GetTimestamp();
            Attempt attempt;
            try
            {
                attempt = await Backend.TryAcquireAsync(name, prepared, owner, lease, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or StoreUnavailableException)
            {
                // The attempt may have been granted after we stopped waiting: free it, or it blocks everyone for a lease.
                _ = ReleaseQuietlyAsync(name, prepared, owner);
                throw;
            }

            if (attempt.Acquired)
            {
                return new LockHandle(this, name, prepared, owner, attempt.FencingToken, lease, autoExtend, interval, sentAt);
            }

            // Woken by the release notification, else when the holder's lease runs out or the poll interval passes.
            var wait = Min(attempt.HolderLeaseLeft, _pollInterval);
            if (waitTimeout is { } limit)
            {
                var left = limit - Time.GetElapsedTime(started);
                if (left <= TimeSpan.Zero)
                {
                    return throwOnTimeout ? throw new LockTimeoutException(name, waitTimeout!.Value) : null;
                }

                wait = Min(wait, left);
            }

            if (!notified && !ensured)
            {
                ensured = true;
                await TryEnsureNotificationsAsync(cancellationToken).ConfigureAwait(false);
                if (Backend.NotificationsLive)
                {
                    continue; // a release before the subscription was live went unheard: try again now
                }
            }

            var released = Backend.Releases.Register(name);
            try
            {
                // A release between the attempt and the registration would not wake us: try again now.
                if (Backend.Releases.Version != version)
                {
                    continue;
                }

                using var stopWaiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var delay = Task.Delay(wait < TimeSpan.Zero ? TimeSpan.Zero : wait, Time, stopWaiting.Token);
                await Task.WhenAny(released, delay).ConfigureAwait(false);
                await stopWaiting.CancelAsync().ConfigureAwait(false);
            }
            finally
            {
                Backend.Releases.Unregister(name, released);
            }
        }
    }

    private async Task ReleaseQuietlyAsync(string name, object? prepared, long owner)
    {
        try
        {
            await Backend.ReleaseAsync(name, prepared, owner, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.LockReleaseFailed(Logger, ex.Message);
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
            await Backend.EnsureNotificationsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (StoreUnavailableException ex)
        {
            Log.LockNotificationsUnavailable(Logger, ex.Message);
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}

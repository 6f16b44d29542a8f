using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RedisStores.DependencyInjection;
using RedisStores.Redis;
using StackExchange.Redis;

namespace RedisStores.Locking;

/// <summary>
/// The Redis <see cref="IDistributedLockService"/>: owner-checked release and extension in one script each,
/// automatic extension, a lost signal, fencing tokens, and waiters woken by a release notification (pub/sub) with
/// polling as the fallback. Works on a standalone server and on Redis Cluster. See <c>docs/locking.md</c>.
/// </summary>
public sealed class RedisDistributedLockService : IDistributedLockService
{
    private readonly LockEngine _engine;

    /// <summary>Creates a lock service on a connection the caller owns (and disposes).</summary>
    /// <param name="connection">The Redis connection.</param>
    /// <param name="options">The settings (<see cref="RedisStoresOptions.LockTimeout"/> is the default lease); <see langword="null"/> uses the defaults.</param>
    /// <param name="timeProvider">The clock that schedules renewals and counts leases locally; <see langword="null"/> uses the system clock.</param>
    /// <param name="logger">The logger; <see langword="null"/> logs nothing.</param>
    public RedisDistributedLockService(IConnectionMultiplexer connection, RedisStoresOptions? options = null, TimeProvider? timeProvider = null, ILogger<RedisDistributedLockService>? logger = null)
        : this(new RedisConnection(connection ?? throw new ArgumentNullException(nameof(connection))), options, timeProvider, logger)
    {
    }

    internal RedisDistributedLockService(RedisConnection connection, RedisStoresOptions? options, TimeProvider? timeProvider, ILogger? logger)
    {
        options = RedisStoresOptionsValidator.EnsureValid(options);
        var time = timeProvider ?? TimeProvider.System;
        Backend = new RedisLockBackend(connection, options.KeyPrefix, options.Locks.PollInterval);
        _engine = new LockEngine(Backend, options, time, logger ?? NullLogger.Instance);
    }

    internal RedisLockBackend Backend { get; }

    /// <inheritdoc />
    public ValueTask<IDistributedLockHandle> AcquireAsync(string name, TimeSpan? waitTimeout = null, LockOptions? options = null, CancellationToken cancellationToken = default)
        => _engine.AcquireAsync(name, waitTimeout, options, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IDistributedLockHandle?> TryAcquireAsync(string name, TimeSpan waitTimeout = default, LockOptions? options = null, CancellationToken cancellationToken = default)
        => _engine.TryAcquireAsync(name, waitTimeout, options, cancellationToken);
}

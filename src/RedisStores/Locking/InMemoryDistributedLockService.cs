using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RedisStores.DependencyInjection;

namespace RedisStores.Locking;

/// <summary>
/// The in-memory <see cref="IDistributedLockService"/>: the same leases, extension, lost signal and fencing
/// tokens as <see cref="RedisDistributedLockService"/>, excluding only callers in this process. For development,
/// tests and single-instance hosts; fencing tokens restart when the process does.
/// </summary>
public sealed class InMemoryDistributedLockService : IDistributedLockService
{
    private readonly LockEngine _engine;

    /// <summary>Creates a lock service.</summary>
    /// <param name="options">The settings (<see cref="RedisStoresOptions.LockTimeout"/> is the default lease); <see langword="null"/> uses the defaults.</param>
    /// <param name="timeProvider">The clock of leases; <see langword="null"/> uses the system clock.</param>
    /// <param name="logger">The logger; <see langword="null"/> logs nothing.</param>
    public InMemoryDistributedLockService(RedisStoresOptions? options = null, TimeProvider? timeProvider = null, ILogger<InMemoryDistributedLockService>? logger = null)
    {
        var time = timeProvider ?? TimeProvider.System;
        _engine = new LockEngine(new InMemoryLockBackend(time), RedisStoresOptionsValidator.EnsureValid(options), time, logger ?? (ILogger)NullLogger.Instance);
    }

    /// <inheritdoc />
    public ValueTask<IDistributedLockHandle> AcquireAsync(string name, TimeSpan? waitTimeout = null, LockOptions? options = null, CancellationToken cancellationToken = default)
        => _engine.AcquireAsync(name, waitTimeout, options, cancellationToken);

    /// <inheritdoc />
    public ValueTask<IDistributedLockHandle?> TryAcquireAsync(string name, TimeSpan waitTimeout = default, LockOptions? options = null, CancellationToken cancellationToken = default)
        => _engine.TryAcquireAsync(name, waitTimeout, options, cancellationToken);
}

namespace RedisStores.Locking;

/// <summary>A lock was not acquired within the wait timeout, because another holder kept it.</summary>
public sealed class LockTimeoutException : RedisStoresException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="name">The lock's name.</param>
    /// <param name="waitTimeout">How long the caller waited.</param>
    public LockTimeoutException(string name, TimeSpan waitTimeout)
        : base($"Lock '{name}' was not acquired within {waitTimeout}: another holder kept it. Wait longer, or use TryAcquireAsync to go on without it.")
    {
        Name = name;
        WaitTimeout = waitTimeout;
    }

    /// <summary>The lock's name.</summary>
    public string Name { get; }

    /// <summary>How long the caller waited.</summary>
    public TimeSpan WaitTimeout { get; }
}

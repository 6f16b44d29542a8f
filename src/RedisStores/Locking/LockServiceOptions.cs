namespace RedisStores.Locking;

/// <summary>Settings of the lock service, under <c>RedisStores:Locks</c>. The default lease is <see cref="RedisStoresOptions.LockTimeout"/>.</summary>
public sealed class LockServiceOptions
{
    /// <summary>
    /// How often a waiter tries again when no release notification wakes it (notifications are at-most-once, so
    /// this is the fallback). A waiter also tries again as soon as the holder's lease runs out. Default: 500 ms.
    /// Range: 10 milliseconds to 1 hour.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);
}

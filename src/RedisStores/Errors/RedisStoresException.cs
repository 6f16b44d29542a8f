namespace RedisStores;

/// <summary>
/// The base of every failure a RedisStores store reports on purpose. Catch it to handle all of them;
/// argument errors are reported with the standard <see cref="ArgumentException"/> family instead.
/// </summary>
public abstract class RedisStoresException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What went wrong and what to do about it.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    protected RedisStoresException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

namespace RedisStores;

/// <summary>
/// Redis could not be reached, did not answer in time, or refused the command (out of memory, read-only replica,
/// loading, ...). After a refusal the operation was not applied; after a lost connection or a timeout its outcome
/// is unknown, and a write may or may not have been applied. Retry when Redis is back; the connection reconnects on its own.
/// </summary>
public sealed class StoreUnavailableException : RedisStoresException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Which server could not be reached, without any password.</param>
    /// <param name="innerException">The client's own exception.</param>
    public StoreUnavailableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

namespace RedisStores;

/// <summary>
/// Data found in Redis under one of the store's keys was not written by this store, or is damaged:
/// a key of the wrong type, a missing field, a value that does not parse. The store never guesses;
/// delete the entry (or fix whatever else writes under the store's <see cref="RedisStoresOptions.KeyPrefix"/>).
/// </summary>
public sealed class StoreDataException : RedisStoresException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What was wrong with the data.</param>
    /// <param name="innerException">The underlying failure, if any.</param>
    public StoreDataException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

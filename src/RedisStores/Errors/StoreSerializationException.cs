namespace RedisStores;

/// <summary>A value could not be serialized for storage, or a stored value could not be read back as the requested type.</summary>
public sealed class StoreSerializationException : RedisStoresException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What could not be converted, and to or from which type.</param>
    /// <param name="innerException">The serializer's own exception.</param>
    public StoreSerializationException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

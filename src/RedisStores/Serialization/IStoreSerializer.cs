namespace RedisStores.Serialization;

/// <summary>
/// Turns stored values (task results and cache entries) into bytes and back; session data is JSON by
/// <see cref="Sessions.SessionStoreOptions.JsonOptions"/>, since its fields are JSON properties.
/// The default is <see cref="JsonStoreSerializer"/>; register another implementation before
/// <c>AddRedisStores()</c> to replace it. Implementations must be thread-safe. Whatever they throw (other than
/// cancellation) reaches callers wrapped in <see cref="StoreSerializationException"/>.
/// </summary>
public interface IStoreSerializer
{
    /// <summary>Serializes a value.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="value">The value.</param>
    /// <returns>The bytes to store.</returns>
    byte[] Serialize<T>(T value);

    /// <summary>Deserializes a value.</summary>
    /// <typeparam name="T">The type to read.</typeparam>
    /// <param name="data">Bytes written by <see cref="Serialize{T}(T)"/>.</param>
    /// <returns>The value.</returns>
    T Deserialize<T>(ReadOnlySpan<byte> data);
}

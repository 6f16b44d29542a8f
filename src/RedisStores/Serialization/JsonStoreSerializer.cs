using System.Text.Json;

namespace RedisStores.Serialization;

/// <summary>
/// The default <see cref="IStoreSerializer"/>: UTF-8 JSON by System.Text.Json, with
/// <see cref="JsonSerializerDefaults.Web"/> unless other options are given.
/// </summary>
public sealed class JsonStoreSerializer : IStoreSerializer
{
    private readonly JsonSerializerOptions _options;

    /// <summary>Creates a serializer.</summary>
    /// <param name="options">The System.Text.Json options; <see langword="null"/> uses web defaults (camelCase names).</param>
    public JsonStoreSerializer(JsonSerializerOptions? options = null)
    {
        _options = options ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);
    }

    /// <summary>A shared instance with web defaults.</summary>
    public static JsonStoreSerializer Default { get; } = new();

    /// <inheritdoc />
    public byte[] Serialize<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, _options);

    /// <inheritdoc />
    public T Deserialize<T>(ReadOnlySpan<byte> data)
        => JsonSerializer.Deserialize<T>(data, _options)!;
}

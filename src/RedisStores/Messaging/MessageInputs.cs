using RedisStores.Serialization;

namespace RedisStores.Messaging;

/// <summary>Checks what callers pass to a message bus and converts messages, so both implementations agree.</summary>
internal sealed class MessageInputs
{
    internal const int MaxBatch = 10_000;
    internal const int MaxBufferSize = 1_000_000;

    private readonly IStoreSerializer _serializer;

    internal MessageInputs(RedisStoresOptions options, IStoreSerializer serializer)
    {
        DependencyInjection.RedisStoresOptionsValidator.EnsureValid(options);
        Options = options.Messaging;
        _serializer = serializer;
    }

    internal MessagingOptions Options { get; }

    /// <summary>A message, serialized and wrapped with a new id and <paramref name="publishedMs"/>.</summary>
    internal (string Id, byte[] Envelope) Wrap<T>(string topic, T message, long publishedMs, string paramName)
    {
        byte[] bytes;
        try
        {
            bytes = _serializer.Serialize(message);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            throw new StoreSerializationException($"A message for topic '{topic}' (a {typeof(T).Name}) cannot be serialized: {ex.Message}", ex);
        }

        if (bytes.Length > Options.MaxMessageBytes)
        {
            throw new ArgumentException(
                $"A message for topic '{topic}' serializes to {bytes.Length} bytes, over the limit of {Options.MaxMessageBytes} (RedisStores:Messaging:MaxMessageBytes). Publish a reference to large data instead.",
                paramName);
        }

        var id = Guid.NewGuid().ToString("N");
        return (id, MessageEnvelope.Encode(id, publishedMs, bytes));
    }

    internal (string Id, byte[] Envelope)[] WrapMany<T>(string topic, IEnumerable<T> messages, long publishedMs)
    {
        TopicRules.ValidateTopic(topic);
        ArgumentNullException.ThrowIfNull(messages);
        var wrapped = new List<(string, byte[])>();
        foreach (var message in messages)
        {
            if (wrapped.Count == MaxBatch)
            {
                throw new ArgumentException($"A batch holds at most {MaxBatch} messages; split it.", nameof(messages));
            }

            wrapped.Add(Wrap(topic, message, publishedMs, nameof(messages)));
        }

        return wrapped.Count == 0 ? throw new ArgumentException("The batch is empty; publish at least one message.", nameof(messages)) : [.. wrapped];
    }

    internal T Deserialize<T>(ReadOnlySpan<byte> payload) => _serializer.Deserialize<T>(payload);

    internal int BufferSize<T>(SubscriptionOptions<T>? options)
    {
        var size = options?.BufferSize ?? Options.BufferSize;
        return size is >= 1 and <= MaxBufferSize
            ? size
            : throw new ArgumentOutOfRangeException(nameof(options), size, $"BufferSize must be between 1 and {MaxBufferSize}.");
    }
}

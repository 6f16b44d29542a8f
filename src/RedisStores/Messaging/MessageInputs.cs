using RedisStores.Serialization;

namespace RedisStores.Messaging;

/// <summary>Checks what callers pass to a message bus and converts messages, so both implementations agree.</summary>
internal sealed class MessageInputs
{
    internal const int MaxBatch = 10_000;
    internal const int MaxBufferSize = 1_000_000;

    /// <summary>The largest <see cref="MessagingOptions.MaxMessageBytes"/>: 256 MiB, so a message with its envelope stays well under Redis's 512 MB argument limit.</summary>
    internal const int MaxMessageBytesLimit = 256 * 1024 * 1024;

    private readonly IStoreSerializer _serializer;

    internal MessageInputs(RedisStoresOptions options, IStoreSerializer serializer)
    {
        DependencyInjection.RedisStoresOptionsValidator.EnsureValid(options);
        Options = options.Messaging;
        _serializer = serializer;
    }

    internal MessagingOptions Options { get; }

    /// <summary>The durable topic's settings, or <see langword="null"/> for a plain topic.</summary>
    internal DurableTopicOptions? Durable(string topic) => Options.DurableTopics.TryGetValue(topic, out var durable) ? durable : null;

    internal DurableTopicOptions RequireDurable(string topic)
        => Durable(topic) ?? throw new ArgumentException($"Topic '{topic}' is not durable: only topics named in RedisStores:Messaging:DurableTopics keep history.", nameof(topic));

    /// <summary>A message, serialized and wrapped with a new id and <paramref name="publishedMs"/>.</summary>
    internal (string Id, byte[] Envelope) Wrap<T>(string topic, T message, long publishedMs, string paramName)
    {
        var bytes = Serialize(topic, message, paramName);
        var id = Guid.NewGuid().ToString("N");
        return (id, MessageEnvelope.Encode(id, publishedMs, bytes));
    }

    internal byte[] Serialize<T>(string topic, T message, string paramName)
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

        return bytes;
    }

    /// <summary>Every message of a batch, serialized; the batch's own limits checked.</summary>
    internal byte[][] SerializeMany<T>(string topic, IEnumerable<T> messages)
    {
        TopicRules.ValidateTopic(topic);
        ArgumentNullException.ThrowIfNull(messages);
        var serialized = new List<byte[]>();
        foreach (var message in messages)
        {
            if (serialized.Count == MaxBatch)
            {
                throw new ArgumentException($"A batch holds at most {MaxBatch} messages; split it.", nameof(messages));
            }

            serialized.Add(Serialize(topic, message, nameof(messages)));
        }

        return serialized.Count == 0 ? throw new ArgumentException("The batch is empty; publish at least one message.", nameof(messages)) : [.. serialized];
    }

    internal static (string Id, byte[] Envelope) Envelope(byte[] payload, long publishedMs)
    {
        var id = Guid.NewGuid().ToString("N");
        return (id, MessageEnvelope.Encode(id, publishedMs, payload));
    }

    internal BusMessage<T> Read<T>(string topic, ReadOnlyMemory<byte> envelope)
    {
        if (!MessageEnvelope.TryDecode(envelope, out var id, out var publishedMs, out var payload))
        {
            throw new StoreDataException($"A kept message of topic '{topic}' is not a message of this library.");
        }

        T value;
        try
        {
            value = Deserialize<T>(payload.Span);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            throw new StoreSerializationException($"Message '{id}' of topic '{topic}' cannot be read as {typeof(T).Name}: {ex.Message}", ex);
        }

        return new BusMessage<T> { Id = id, Topic = topic, PublishedAt = DateTimeOffset.FromUnixTimeMilliseconds(publishedMs), Payload = value };
    }

    internal static int HistoryCount(int count)
        => count is >= 1 and <= MaxBatch ? count : throw new ArgumentOutOfRangeException(nameof(count), count, $"count must be between 1 and {MaxBatch}.");

    internal T Deserialize<T>(ReadOnlySpan<byte> payload) => _serializer.Deserialize<T>(payload);

    internal int BufferSize<T>(SubscriptionOptions<T>? options)
    {
        var size = options?.BufferSize ?? Options.BufferSize;
        return size is >= 1 and <= MaxBufferSize
            ? size
            : throw new ArgumentOutOfRangeException(nameof(options), size, $"BufferSize must be between 1 and {MaxBufferSize}.");
    }
}

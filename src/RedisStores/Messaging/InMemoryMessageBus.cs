using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RedisStores.Serialization;

namespace RedisStores.Messaging;

/// <summary>
/// The in-memory <see cref="IMessageBus"/>: delivery within one process, with the same topics, patterns, buffers,
/// serialization and at-most-once semantics as <see cref="RedisMessageBus"/>.
/// </summary>
public sealed class InMemoryMessageBus : IMessageBus
{
    private readonly object _gate = new();
    private readonly MessageInputs _inputs;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private Entry[] _entries = [];

    /// <summary>Creates a bus.</summary>
    /// <param name="options">The settings; <see langword="null"/> uses the defaults.</param>
    /// <param name="serializer">Serializes messages; <see langword="null"/> uses <see cref="JsonStoreSerializer.Default"/>.</param>
    /// <param name="timeProvider">The clock of publish times; <see langword="null"/> uses the system clock.</param>
    /// <param name="logger">Where handler failures and dropped messages are logged; <see langword="null"/> for none.</param>
    public InMemoryMessageBus(RedisStoresOptions? options = null, IStoreSerializer? serializer = null, TimeProvider? timeProvider = null, ILogger<InMemoryMessageBus>? logger = null)
    {
        _inputs = new MessageInputs(options ?? new RedisStoresOptions(), serializer ?? JsonStoreSerializer.Default);
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <inheritdoc />
    public ValueTask<string> PublishAsync<T>(string topic, T message, CancellationToken cancellationToken = default)
    {
        TopicRules.ValidateTopic(topic);
        var (id, envelope) = _inputs.Wrap(topic, message, NowMs(), nameof(message));
        cancellationToken.ThrowIfCancellationRequested();
        Deliver(topic, envelope);
        return ValueTask.FromResult(id);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<string>> PublishManyAsync<T>(string topic, IEnumerable<T> messages, CancellationToken cancellationToken = default)
    {
        var wrapped = _inputs.WrapMany(topic, messages, NowMs());
        cancellationToken.ThrowIfCancellationRequested();
        foreach (var (_, envelope) in wrapped)
        {
            Deliver(topic, envelope);
        }

        return ValueTask.FromResult<IReadOnlyList<string>>(Array.ConvertAll(wrapped, w => w.Id));
    }

    /// <inheritdoc />
    public ValueTask<IMessageSubscription> SubscribeAsync<T>(string topic, Func<BusMessage<T>, CancellationToken, ValueTask> handler, SubscriptionOptions<T>? options = null, CancellationToken cancellationToken = default)
    {
        TopicRules.ValidateTopic(topic);
        return SubscribeAsync(topic, isPattern: false, handler, options, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IMessageSubscription> SubscribePatternAsync<T>(string pattern, Func<BusMessage<T>, CancellationToken, ValueTask> handler, SubscriptionOptions<T>? options = null, CancellationToken cancellationToken = default)
    {
        TopicRules.ValidatePattern(pattern);
        return SubscribeAsync(pattern, isPattern: true, handler, options, cancellationToken);
    }

    private ValueTask<IMessageSubscription> SubscribeAsync<T>(string topic, bool isPattern, Func<BusMessage<T>, CancellationToken, ValueTask> handler, SubscriptionOptions<T>? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        cancellationToken.ThrowIfCancellationRequested();
        var subscription = new Subscription<T>(topic, isPattern, handler, options, _inputs, _logger, Unsubscribe);
        lock (_gate)
        {
            _entries = [.. _entries, new Entry(topic, isPattern, subscription, subscription.Post)];
        }

        subscription.Start();
        return ValueTask.FromResult<IMessageSubscription>(subscription);
    }

    private ValueTask Unsubscribe(object subscription)
    {
        lock (_gate)
        {
            _entries = Array.FindAll(_entries, e => !ReferenceEquals(e.Owner, subscription));
        }

        return ValueTask.CompletedTask;
    }

    private void Deliver(string topic, byte[] envelope)
    {
        foreach (var entry in Volatile.Read(ref _entries))
        {
            if (entry.IsPattern ? TopicRules.IsMatch(entry.Topic, topic) : entry.Topic == topic)
            {
                entry.Post(topic, envelope);
            }
        }
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private sealed record Entry(string Topic, bool IsPattern, object Owner, Action<string, ReadOnlyMemory<byte>> Post);
}

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
    private readonly Dictionary<string, DurableLog> _logs = new(StringComparer.Ordinal);
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
        var payload = _inputs.Serialize(topic, message, nameof(message));
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Publish(topic, [payload])[0]);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<string>> PublishManyAsync<T>(string topic, IEnumerable<T> messages, CancellationToken cancellationToken = default)
    {
        var payloads = _inputs.SerializeMany(topic, messages);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult<IReadOnlyList<string>>(Publish(topic, payloads));
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<BusMessage<T>>> ReadHistoryAsync<T>(string topic, string? after = null, int count = 100, CancellationToken cancellationToken = default)
    {
        TopicRules.ValidateTopic(topic);
        _inputs.RequireDurable(topic);
        var from = DurablePosition.Parse(after, nameof(after));
        MessageInputs.HistoryCount(count);
        cancellationToken.ThrowIfCancellationRequested();
        List<(DurablePosition Id, byte[] Envelope)> kept;
        lock (_gate)
        {
            kept = LogFor(topic).ReadAfter(from, count);
        }

        return ValueTask.FromResult<IReadOnlyList<BusMessage<T>>>(kept.ConvertAll(k => _inputs.Read<T>(topic, k.Envelope)));
    }

    private string[] Publish(string topic, byte[][] payloads)
    {
        var ids = new string[payloads.Length];
        var now = NowMs();
        if (_inputs.Durable(topic) is null)
        {
            for (var i = 0; i < payloads.Length; i++)
            {
                (ids[i], var envelope) = MessageInputs.Envelope(payloads[i], now);
                Deliver(topic, envelope);
            }

            return ids;
        }

        // Durable: kept first, then announced; durable subscribers read the log, so nothing is posted to them here.
        DurableLog log;
        lock (_gate)
        {
            log = LogFor(topic);
            for (var i = 0; i < payloads.Length; i++)
            {
                (ids[i], var envelope) = log.Append(payloads[i], now);
                Deliver(topic, envelope);
            }
        }

        log.Signal.Wake();
        return ids;
    }

    // Called under _gate.
    private DurableLog LogFor(string topic)
    {
        if (!_logs.TryGetValue(topic, out var log))
        {
            log = new DurableLog(_inputs.RequireDurable(topic));
            _logs.Add(topic, log);
        }

        return log;
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
        if (!isPattern && _inputs.Durable(topic) is not null)
        {
            return SubscribeDurable(topic, handler, options);
        }

        if (options?.After is not null)
        {
            throw new ArgumentException($"After applies to durable topics only; '{topic}' is not one.", nameof(options));
        }

        var subscription = new Subscription<T>(topic, isPattern, handler, options, _inputs, _logger, Unsubscribe);
        lock (_gate)
        {
            _entries = [.. _entries, new Entry(topic, isPattern, subscription, subscription.Post)];
        }

        subscription.Start();
        return ValueTask.FromResult<IMessageSubscription>(subscription);
    }

    private ValueTask<IMessageSubscription> SubscribeDurable<T>(string topic, Func<BusMessage<T>, CancellationToken, ValueTask> handler, SubscriptionOptions<T>? options)
    {
        DurableLog log;
        DurablePosition start;
        lock (_gate)
        {
            log = LogFor(topic);
            start = options?.After is { } after ? DurablePosition.Parse(after, nameof(options)) : log.Last;
        }

        var subscription = new Subscription<T>(topic, isPattern: false, handler, options, _inputs, _logger, _ => ValueTask.CompletedTask, durable: true);
        subscription.Start((s, token) => DurableFeed.RunAsync(s, topic, start, (after, count, _) =>
        {
            lock (_gate)
            {
                return ValueTask.FromResult<IReadOnlyList<(DurablePosition, byte[])>>(log.ReadAfter(after, count));
            }
        }, log.Signal, TimeSpan.FromSeconds(1), _logger, token));
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

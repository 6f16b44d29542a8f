using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RedisStores.Internal;
using RedisStores.Redis;
using RedisStores.Serialization;
using StackExchange.Redis;

namespace RedisStores.Messaging;

/// <summary>
/// The Redis <see cref="IMessageBus"/>: Redis pub/sub on channels <c>&lt;prefix&gt;bus:&lt;topic&gt;</c>, pattern
/// subscriptions with the prefix escaped, a batch published by one script. StackExchange.Redis restores the
/// subscriptions after a reconnect; messages published meanwhile are lost (at most once).
/// </summary>
public sealed class RedisMessageBus : IMessageBus
{
    /// <summary>What follows the key prefix in a topic's channel name: <c>&lt;prefix&gt;bus:&lt;topic&gt;</c>.</summary>
    internal const string ChannelInfix = "bus:";

    private const string StoreName = "message bus";

    // KEYS: none. ARGV: channel, then the messages. One round trip, one command, in order.
    private const string PublishManyScript = """
        for i = 2, #ARGV do redis.call('PUBLISH', ARGV[1], ARGV[i]) end
        return #ARGV - 1
        """;

    // KEYS[1] the topic's stream. ARGV: channel, max length, max age ms, published ms, then the payloads.
    // The age cut is taken on the server's clock, as the stream ids are.
    // Appends each message, publishes it with its stream id as its id, trims by length and age. Reply: the ids.
    private const string PublishDurableScript = """
        local out = {}
        for i = 5, #ARGV do
          local id = redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[2], '*', 't', ARGV[4], 'p', ARGV[i])
          out[#out + 1] = id
          redis.call('PUBLISH', ARGV[1], 'rsm1|' .. id .. '|' .. ARGV[4] .. '|' .. ARGV[i])
        end
        local t = redis.call('TIME')
        local oldest = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(ARGV[3])
        if oldest > 0 then redis.call('XTRIM', KEYS[1], 'MINID', string.format('%d', oldest)) end
        return out
        """;

    private readonly RedisConnection _connection;
    private readonly MessageInputs _inputs;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _channelRoot;
    private readonly string _prefix;

    /// <summary>Creates a bus on a connection the caller owns (and disposes).</summary>
    /// <param name="connection">The Redis connection.</param>
    /// <param name="options">The settings; <see langword="null"/> uses the defaults.</param>
    /// <param name="serializer">Serializes messages; <see langword="null"/> uses <see cref="JsonStoreSerializer.Default"/>.</param>
    /// <param name="timeProvider">The clock of publish times; <see langword="null"/> uses the system clock.</param>
    /// <param name="logger">Where handler failures and dropped messages are logged; <see langword="null"/> for none.</param>
    public RedisMessageBus(IConnectionMultiplexer connection, RedisStoresOptions? options = null, IStoreSerializer? serializer = null, TimeProvider? timeProvider = null, ILogger<RedisMessageBus>? logger = null)
        : this(new RedisConnection(connection ?? throw new ArgumentNullException(nameof(connection))), options, serializer, timeProvider, logger)
    {
    }

    internal RedisMessageBus(RedisConnection connection, RedisStoresOptions? options, IStoreSerializer? serializer, TimeProvider? timeProvider, ILogger? logger)
    {
        options ??= new RedisStoresOptions();
        _connection = connection;
        _inputs = new MessageInputs(options, serializer ?? JsonStoreSerializer.Default);
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _channelRoot = options.KeyPrefix + ChannelInfix;
        _prefix = options.KeyPrefix;
    }

    /// <inheritdoc />
    public async ValueTask<string> PublishAsync<T>(string topic, T message, CancellationToken cancellationToken = default)
    {
        TopicRules.ValidateTopic(topic);
        if (_inputs.Durable(topic) is { } durable)
        {
            return (await PublishDurableAsync(topic, durable, [_inputs.Serialize(topic, message, nameof(message))], cancellationToken).ConfigureAwait(false))[0];
        }

        var (id, envelope) = _inputs.Wrap(topic, message, NowMs(), nameof(message));
        var state = (Channel: RedisChannel.Literal(_channelRoot + topic), Envelope: envelope);
        await RedisCall.RunAsync(_connection, state, static (db, s) => db.PublishAsync(s.Channel, s.Envelope), StoreName, cancellationToken).ConfigureAwait(false);
        return id;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<string>> PublishManyAsync<T>(string topic, IEnumerable<T> messages, CancellationToken cancellationToken = default)
    {
        var payloads = _inputs.SerializeMany(topic, messages);
        if (_inputs.Durable(topic) is { } durable)
        {
            return await PublishDurableAsync(topic, durable, payloads, cancellationToken).ConfigureAwait(false);
        }

        var now = NowMs();
        var wrapped = Array.ConvertAll(payloads, p => MessageInputs.Envelope(p, now));
        var args = new RedisValue[wrapped.Length + 1];
        args[0] = _connection.PublishName(_channelRoot + topic);
        for (var i = 0; i < wrapped.Length; i++)
        {
            args[i + 1] = wrapped[i].Envelope;
        }

        await RedisCall.EvaluateAsync(_connection, PublishManyScript, [], args, StoreName, cancellationToken).ConfigureAwait(false);
        return Array.ConvertAll(wrapped, w => w.Id);
    }

    /// <inheritdoc />
    public ValueTask<IMessageSubscription> SubscribeAsync<T>(string topic, Func<BusMessage<T>, CancellationToken, ValueTask> handler, SubscriptionOptions<T>? options = null, CancellationToken cancellationToken = default)
    {
        TopicRules.ValidateTopic(topic);
        return SubscribeAsync(topic, RedisChannel.Literal(_channelRoot + topic), isPattern: false, handler, options, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<IMessageSubscription> SubscribePatternAsync<T>(string pattern, Func<BusMessage<T>, CancellationToken, ValueTask> handler, SubscriptionOptions<T>? options = null, CancellationToken cancellationToken = default)
    {
        TopicRules.ValidatePattern(pattern);

        // The prefix must match itself, whatever characters it holds; only the caller's pattern is a pattern.
        return SubscribeAsync(pattern, RedisChannel.Pattern(TopicRules.Escape(_channelRoot) + pattern), isPattern: true, handler, options, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<BusMessage<T>>> ReadHistoryAsync<T>(string topic, string? after = null, int count = 100, CancellationToken cancellationToken = default)
    {
        TopicRules.ValidateTopic(topic);
        _inputs.RequireDurable(topic);
        var from = DurablePosition.Parse(after, nameof(after));
        MessageInputs.HistoryCount(count);
        var kept = await ReadAfterAsync(topic, from, count, cancellationToken).ConfigureAwait(false);
        return kept.Where(k => k.Envelope.Length > 0).Select(k => _inputs.Read<T>(topic, k.Envelope)).ToList();
    }

    private async ValueTask<string[]> PublishDurableAsync(string topic, DurableTopicOptions durable, byte[][] payloads, CancellationToken cancellationToken)
    {
        var now = NowMs();
        var args = new RedisValue[payloads.Length + 4];
        args[0] = _connection.PublishName(_channelRoot + topic);
        args[1] = durable.MaxLength;
        args[2] = (long)durable.MaxAge.TotalMilliseconds;
        args[3] = now;
        for (var i = 0; i < payloads.Length; i++)
        {
            args[i + 4] = payloads[i];
        }

        var ids = (string[])(await RedisCall.EvaluateAsync(_connection, PublishDurableScript, [Stream(topic)], args, StoreName, cancellationToken).ConfigureAwait(false))!;
        return ids;
    }

    private async ValueTask<IReadOnlyList<(DurablePosition Id, byte[] Envelope)>> ReadAfterAsync(string topic, DurablePosition after, int count, CancellationToken cancellationToken)
    {
        var state = (Stream: Stream(topic), From: after == DurablePosition.Start ? "-" : "(" + after, Count: count);
        var entries = await RedisCall.RunAsync(_connection, state, static (db, s) => db.StreamRangeAsync(s.Stream, s.From, "+", s.Count), StoreName, cancellationToken).ConfigureAwait(false);
        var kept = new List<(DurablePosition, byte[])>(entries.Length);
        foreach (var entry in entries)
        {
            var id = DurablePosition.Parse(entry.Id.ToString(), nameof(topic));
            var published = entry["t"];
            var payload = entry["p"];
            // An entry this store did not write still moves the position on; its empty envelope is dropped (and
            // logged) by the subscription, and left out of history.
            kept.Add((id, published.TryParse(out long publishedMs) && !payload.IsNull ? MessageEnvelope.Encode(id.ToString(), publishedMs, (byte[])payload!) : []));
        }

        return kept;
    }

    private async ValueTask<IMessageSubscription> SubscribeDurableAsync<T>(string topic, Func<BusMessage<T>, CancellationToken, ValueTask> handler, SubscriptionOptions<T>? options, CancellationToken cancellationToken)
    {
        var signal = new WakeSignal();
        var start = options?.After is { } after ? DurablePosition.Parse(after, nameof(options)) : await LastAsync(topic, cancellationToken).ConfigureAwait(false);
        ChannelMessageQueue? queue = null;
        IConnectionMultiplexer? multiplexer = null;
        void OnRestored(object? sender, ConnectionFailedEventArgs e) => signal.Wake();
        var subscription = new Subscription<T>(topic, isPattern: false, handler, options, _inputs, _logger, async _ =>
        {
            if (multiplexer is not null)
            {
                multiplexer.ConnectionRestored -= OnRestored;
            }

            if (queue is not null)
            {
                await queue.UnsubscribeAsync(CommandFlags.FireAndForget).ConfigureAwait(false); // removed here at once; the server hears of it when it can
            }
        }, durable: true);
        try
        {
            // The channel only says "more was kept"; the messages themselves are read from the stream.
            cancellationToken.ThrowIfCancellationRequested();
            var state = (Connection: _connection, Channel: RedisChannel.Literal(_channelRoot + topic));
            queue = await RedisCall.RunAsync(_connection, state, static (_, s) => SubscribeQueueAsync(s.Connection, s.Channel), StoreName, CancellationToken.None).ConfigureAwait(false);
            multiplexer = await _connection.GetMultiplexerAsync(CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            multiplexer.ConnectionRestored += OnRestored;
        }
        catch
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        queue.OnMessage(_ => signal.Wake());
        subscription.Start((s, token) => DurableFeed.RunAsync(s, topic, start, (from, count, ct) => ReadAfterAsync(topic, from, count, ct), signal, TimeSpan.FromSeconds(1), _logger, token));
        return subscription;
    }

    // Where a subscription without After starts: after the last message kept now.
    private async ValueTask<DurablePosition> LastAsync(string topic, CancellationToken cancellationToken)
    {
        var last = await RedisCall.RunAsync(_connection, Stream(topic), static (db, stream) => db.StreamRangeAsync(stream, "-", "+", 1, Order.Descending), StoreName, cancellationToken).ConfigureAwait(false);
        return last.Length == 0 ? DurablePosition.Start : DurablePosition.Parse(last[0].Id.ToString(), nameof(topic));
    }

    private RedisKey Stream(string topic) => $"{_prefix}{{mt:{topic}}}:s";

    private async ValueTask<IMessageSubscription> SubscribeAsync<T>(
        string topic, RedisChannel channel, bool isPattern, Func<BusMessage<T>, CancellationToken, ValueTask> handler, SubscriptionOptions<T>? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        Func<ChannelMessage, (string Topic, byte[] Envelope)?> translate = Plain;
        if (!isPattern && topic == StoreTopics.CacheInvalidations)
        {
            // The cache's own invalidation channel, read as this topic: the cache publishes nothing twice.
            channel = RedisChannel.Literal(_prefix + "cache:invalidations");
            translate = CacheInvalidation;
        }

        if (!isPattern && _inputs.Durable(topic) is not null)
        {
            return await SubscribeDurableAsync(topic, handler, options, cancellationToken).ConfigureAwait(false);
        }

        if (options?.After is not null)
        {
            throw new ArgumentException($"After applies to durable topics only; '{topic}' is not one.", nameof(options));
        }

        ChannelMessageQueue? queue = null;
        var subscription = new Subscription<T>(topic, isPattern, handler, options, _inputs, _logger, async _ =>
        {
            if (queue is not null)
            {
                await queue.UnsubscribeAsync(CommandFlags.FireAndForget).ConfigureAwait(false); // removed here at once; the server hears of it when it can
            }
        });
        subscription.Start();
        try
        {
            // Not cancelled midway: a subscription made after its caller gave up would stay, unread, for good.
            cancellationToken.ThrowIfCancellationRequested();
            var state = (Connection: _connection, Channel: channel);
            queue = await RedisCall.RunAsync(_connection, state, static (_, s) => SubscribeQueueAsync(s.Connection, s.Channel), StoreName, CancellationToken.None).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
        catch
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        // A message queue, not a handler: StackExchange.Redis hands a queue its messages one at a time, in order.
        queue.OnMessage(message =>
        {
            if (translate(message) is { } item)
            {
                subscription.Post(item.Topic, item.Envelope);
            }
        });
        return subscription;
    }

    private (string Topic, byte[] Envelope)? Plain(ChannelMessage message)
    {
        var name = message.Channel.ToString() ?? string.Empty;
        return (name.StartsWith(_channelRoot, StringComparison.Ordinal) ? name[_channelRoot.Length..] : name, (byte[])message.Message!);
    }

    private (string Topic, byte[] Envelope)? CacheInvalidation(ChannelMessage message)
    {
        if (!Caching.InvalidationMessage.TryParse(message.Message, out var parsed) || parsed.Kind == Caching.InvalidationMessage.ProbeKind)
        {
            return null; // the cache's own reachability probes are not invalidations
        }

        var change = new Caching.CacheInvalidated(parsed.Namespace, parsed.Kind == Caching.InvalidationMessage.NamespaceKind ? [] : parsed.Keys);
        var (_, envelope) = _inputs.Wrap(StoreTopics.CacheInvalidations, change, NowMs(), nameof(message));
        return (StoreTopics.CacheInvalidations, envelope);
    }

    private static async Task<ChannelMessageQueue> SubscribeQueueAsync(RedisConnection connection, RedisChannel channel)
    {
        var multiplexer = await connection.GetMultiplexerAsync(CancellationToken.None).ConfigureAwait(false);

        // StackExchange.Redis registers a queue before it sends SUBSCRIBE and keeps it if the command fails, where
        // no one could unsubscribe it: while disconnected, fail before asking.
        if (!multiplexer.IsConnected)
        {
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, "Not connected; a subscription is made once the connection is back.");
        }

        return await multiplexer.GetSubscriber().SubscribeAsync(channel).ConfigureAwait(false);
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();
}

using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
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
    private const string StoreName = "message bus";

    // KEYS: none. ARGV: channel, then the messages. One round trip, one command, in order.
    private const string PublishManyScript = """
        for i = 2, #ARGV do redis.call('PUBLISH', ARGV[1], ARGV[i]) end
        return #ARGV - 1
        """;

    private readonly RedisConnection _connection;
    private readonly MessageInputs _inputs;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _channelRoot;

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
        _channelRoot = options.KeyPrefix + "bus:";
    }

    /// <inheritdoc />
    public async ValueTask<string> PublishAsync<T>(string topic, T message, CancellationToken cancellationToken = default)
    {
        TopicRules.ValidateTopic(topic);
        var (id, envelope) = _inputs.Wrap(topic, message, NowMs(), nameof(message));
        var state = (Channel: RedisChannel.Literal(_channelRoot + topic), Envelope: envelope);
        await RedisCall.RunAsync(_connection, state, static (db, s) => db.PublishAsync(s.Channel, s.Envelope), StoreName, cancellationToken).ConfigureAwait(false);
        return id;
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<string>> PublishManyAsync<T>(string topic, IEnumerable<T> messages, CancellationToken cancellationToken = default)
    {
        var wrapped = _inputs.WrapMany(topic, messages, NowMs());
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

    private async ValueTask<IMessageSubscription> SubscribeAsync<T>(
        string topic, RedisChannel channel, bool isPattern, Func<BusMessage<T>, CancellationToken, ValueTask> handler, SubscriptionOptions<T>? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(handler);
        ChannelMessageQueue? queue = null;
        var subscription = new Subscription<T>(topic, isPattern, handler, options, _inputs, _logger, async _ =>
        {
            if (queue is not null)
            {
                await queue.UnsubscribeAsync().ConfigureAwait(false);
            }
        });
        subscription.Start();
        try
        {
            var state = (Connection: _connection, Channel: channel);
            queue = await RedisCall.RunAsync(_connection, state, static (_, s) => SubscribeQueueAsync(s.Connection, s.Channel), StoreName, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await subscription.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        // A message queue, not a handler: StackExchange.Redis hands a queue its messages one at a time, in order.
        queue.OnMessage(message =>
        {
            var name = message.Channel.ToString() ?? string.Empty;
            subscription.Post(name.StartsWith(_channelRoot, StringComparison.Ordinal) ? name[_channelRoot.Length..] : name, (byte[])message.Message!);
        });
        return subscription;
    }

    private static async Task<ChannelMessageQueue> SubscribeQueueAsync(RedisConnection connection, RedisChannel channel)
    {
        var multiplexer = await connection.GetMultiplexerAsync(CancellationToken.None).ConfigureAwait(false);
        return await multiplexer.GetSubscriber().SubscribeAsync(channel).ConfigureAwait(false);
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();
}

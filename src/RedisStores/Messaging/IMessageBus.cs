namespace RedisStores.Messaging;

/// <summary>
/// Publish/subscribe messaging between the instances of a service: a message published to a topic reaches every
/// live subscription to that topic (or to a pattern it matches) in every instance. Take it from DI after
/// <c>services.AddRedisStores()</c>; it is Redis-backed (pub/sub) when a Redis URL is configured, in memory otherwise.
/// </summary>
/// <remarks>
/// Delivery is at most once: a subscriber that is not connected when a message is published never sees it, and a
/// subscription whose buffer is full drops messages (see <see cref="SubscriptionOptions{T}.Overflow"/>). Every message
/// carries an id and a publish time, so consumers can tell repeats apart. Messages of one topic arrive in the order
/// they were published; a pattern subscription on Redis Cluster may receive messages of different topics interleaved
/// otherwise, as each topic's channel may be served by a different node. Topics are 1 to 256 characters: ASCII
/// letters, digits and <c>- _ . @ + = ~ / : * ? [ ]</c>; in a topic the glob characters are literal, in a pattern
/// they match (<c>*</c>, <c>?</c>, <c>[abc]</c>, <c>[^a]</c>, <c>[a-z]</c>, and <c>\</c> to make the next one literal).
/// </remarks>
public interface IMessageBus
{
    /// <summary>Publishes one message to a topic.</summary>
    /// <typeparam name="T">Any type the configured serializer (System.Text.Json by default) can write.</typeparam>
    /// <param name="topic">The topic; its glob characters are literal.</param>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>The message's id.</returns>
    /// <exception cref="ArgumentException">The topic is not acceptable, or the message is larger than <see cref="MessagingOptions.MaxMessageBytes"/>.</exception>
    /// <exception cref="StoreSerializationException">The message cannot be serialized.</exception>
    ValueTask<string> PublishAsync<T>(string topic, T message, CancellationToken cancellationToken = default);

    /// <summary>Publishes several messages to a topic in one round trip, in order.</summary>
    /// <typeparam name="T">The message type.</typeparam>
    /// <param name="topic">The topic.</param>
    /// <param name="messages">The messages, 1 to 10,000.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>The messages' ids, in order.</returns>
    /// <exception cref="ArgumentException">The topic or the batch is not acceptable; nothing is published.</exception>
    ValueTask<IReadOnlyList<string>> PublishManyAsync<T>(string topic, IEnumerable<T> messages, CancellationToken cancellationToken = default);

    /// <summary>
    /// Subscribes to one topic. Messages are handed to <paramref name="handler"/> one at a time, in the order they
    /// arrived, from a buffer of the subscription's own, so a slow handler never holds up the connection or other
    /// subscriptions. A handler that throws is logged and counted; the subscription lives on.
    /// </summary>
    /// <typeparam name="T">The type to read messages as.</typeparam>
    /// <param name="topic">The topic; its glob characters are literal.</param>
    /// <param name="handler">Called for each message; its token is cancelled when the subscription is disposed.</param>
    /// <param name="options">A filter, the buffer's size and what to do when it is full; <see langword="null"/> for the defaults.</param>
    /// <param name="cancellationToken">Stops waiting for the subscription to be made.</param>
    /// <returns>The subscription; dispose it to stop.</returns>
    ValueTask<IMessageSubscription> SubscribeAsync<T>(string topic, Func<BusMessage<T>, CancellationToken, ValueTask> handler, SubscriptionOptions<T>? options = null, CancellationToken cancellationToken = default);

    /// <summary>Subscribes to every topic matching a glob pattern, such as <c>tasks.*</c>. Otherwise as <see cref="SubscribeAsync"/>.</summary>
    /// <typeparam name="T">The type to read messages as.</typeparam>
    /// <param name="pattern">The pattern: <c>*</c>, <c>?</c>, <c>[...]</c> match; <c>\</c> makes the next character literal.</param>
    /// <param name="handler">Called for each message.</param>
    /// <param name="options">A filter, the buffer's size and what to do when it is full.</param>
    /// <param name="cancellationToken">Stops waiting for the subscription to be made.</param>
    /// <returns>The subscription; dispose it to stop.</returns>
    ValueTask<IMessageSubscription> SubscribePatternAsync<T>(string pattern, Func<BusMessage<T>, CancellationToken, ValueTask> handler, SubscriptionOptions<T>? options = null, CancellationToken cancellationToken = default);

    /// <summary>Reads the kept messages of a durable topic, oldest first.</summary>
    /// <typeparam name="T">The type to read messages as.</typeparam>
    /// <param name="topic">A topic named in <see cref="MessagingOptions.DurableTopics"/>.</param>
    /// <param name="after">Start right after this message id; <see langword="null"/> or <c>"0"</c> for the oldest kept.</param>
    /// <param name="count">At most this many, 1 to 10,000.</param>
    /// <param name="cancellationToken">Stops waiting for the store.</param>
    /// <returns>The messages, in publish order.</returns>
    /// <exception cref="ArgumentException">The topic is not durable, or <paramref name="after"/> is not a message id of a durable topic.</exception>
    /// <exception cref="StoreSerializationException">A message cannot be read as <typeparamref name="T"/>.</exception>
    ValueTask<IReadOnlyList<BusMessage<T>>> ReadHistoryAsync<T>(string topic, string? after = null, int count = 100, CancellationToken cancellationToken = default);
}

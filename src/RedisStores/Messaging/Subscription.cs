using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RedisStores.Internal;

namespace RedisStores.Messaging;

/// <summary>
/// One subscription of either bus: a bounded buffer that the transport writes raw messages into without waiting,
/// and a pump that reads, deserializes, filters and hands them to the handler one at a time. A handler that throws is
/// logged and counted; the pump goes on.
/// </summary>
/// <typeparam name="T">The message type.</typeparam>
internal sealed class Subscription<T> : IMessageSubscription
{
    private readonly Channel<(string Topic, ReadOnlyMemory<byte> Envelope)> _buffer;
    private readonly Func<BusMessage<T>, CancellationToken, ValueTask> _handler;
    private readonly Func<BusMessage<T>, bool>? _filter;
    private readonly MessageInputs _inputs;
    private readonly ILogger _logger;
    private readonly Func<Subscription<T>, ValueTask> _unsubscribe;
    // The delivery a handler runs for, so a handler disposing its own subscription is recognised. A marker per
    // delivery: a task a handler started flows the marker on, but no longer matches once that delivery is over.
    private static readonly AsyncLocal<object?> s_delivery = new();

    private object? _currentDelivery;

    private readonly CancellationTokenSource _stopping = new();
    private readonly int _size;
    private readonly BufferOverflow _overflow;
    private Task _pump = Task.CompletedTask;
    private long _delivered;
    private long _failures;
    private long _dropped;
    private int _overflowLogged;
    private int _disposed;

    private Func<Subscription<T>, CancellationToken, Task>? _feeder;
    private Task _feeding = Task.CompletedTask;

    internal Subscription(
        string topic, bool isPattern, Func<BusMessage<T>, CancellationToken, ValueTask> handler, SubscriptionOptions<T>? options,
        MessageInputs inputs, ILogger logger, Func<Subscription<T>, ValueTask> unsubscribe, bool durable = false)
    {
        Topic = topic;
        IsPattern = isPattern;
        _handler = handler;
        _filter = options?.Filter;
        _inputs = inputs;
        _logger = logger;
        _unsubscribe = unsubscribe;
        _size = inputs.BufferSize(options);
        _overflow = options?.Overflow ?? BufferOverflow.DropOldest;
        _buffer = Channel.CreateBounded<(string, ReadOnlyMemory<byte>)>(
            new BoundedChannelOptions(_size)
            {
                // A durable subscription waits instead of dropping: its feeder reads on from the stream when there is room.
                FullMode = durable ? BoundedChannelFullMode.Wait
                    : _overflow == BufferOverflow.DropNewest ? BoundedChannelFullMode.DropWrite : BoundedChannelFullMode.DropOldest,
                SingleReader = true,
                SingleWriter = false,
            },
            _ => OnDropped());
    }

    public string Topic { get; }

    public bool IsPattern { get; }

    public long Delivered => Interlocked.Read(ref _delivered);

    public long HandlerFailures => Interlocked.Read(ref _failures);

    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Starts the pump, and the feeder of a durable subscription, which writes with <see cref="PostAsync"/>.</summary>
    internal void Start(Func<Subscription<T>, CancellationToken, Task>? feeder = null)
    {
        _feeder = feeder;
        _pump = Task.Run(PumpAsync);
        if (feeder is not null)
        {
            _feeding = Task.Run(() => FeedAsync(feeder));
        }
    }

    /// <summary>For a durable subscription's feeder: waits while the buffer is full.</summary>
    internal ValueTask PostAsync(string topic, ReadOnlyMemory<byte> envelope, CancellationToken cancellationToken)
        => _buffer.Writer.WriteAsync((topic, envelope), cancellationToken);

    /// <summary>Called by the transport for each message; never waits.</summary>
    internal void Post(string topic, ReadOnlyMemory<byte> envelope) => _buffer.Writer.TryWrite((topic, envelope));

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            await _unsubscribe(this).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.UnsubscribeFailed(_logger, Topic, ex.Message); // the subscription is gone here either way
        }

        // Cancel first, so the pump and the feeder see a stop, not a closed buffer.
        await _stopping.CancelAsync().ConfigureAwait(false);
        _buffer.Writer.TryComplete();
        if (s_delivery.Value is { } delivery && ReferenceEquals(delivery, Volatile.Read(ref _currentDelivery)))
        {
            // Called by this subscription's own handler: the pump ends when the handler returns; waiting for it here
            // would wait for ourselves.
            return;
        }

        await Task.WhenAll(_pump, _feeding).ConfigureAwait(false);
        _stopping.Dispose();
    }

    private async Task FeedAsync(Func<Subscription<T>, CancellationToken, Task> feeder)
    {
        var token = _stopping.Token;
        try
        {
            await feeder(this, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException)
        {
            // Disposed.
        }
    }

    private void OnDropped()
    {
        Interlocked.Increment(ref _dropped);
        if (Interlocked.Exchange(ref _overflowLogged, 1) == 0)
        {
            Log.BufferOverflowed(_logger, Topic, _size, _overflow.ToString());
        }
    }

    private async Task PumpAsync()
    {
        var token = _stopping.Token;
        try
        {
            while (await _buffer.Reader.WaitToReadAsync(token).ConfigureAwait(false))
            {
                // Once disposed, what is still buffered is not handled.
                while (!token.IsCancellationRequested && _buffer.Reader.TryRead(out var item))
                {
                    await DeliverAsync(item.Topic, item.Envelope, token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            // Disposed: messages still buffered are not handled.
        }
    }

    private async ValueTask DeliverAsync(string topic, ReadOnlyMemory<byte> envelope, CancellationToken token)
    {
        BusMessage<T> message;
        try
        {
            if (!MessageEnvelope.TryDecode(envelope, out var id, out var publishedMs, out var payload))
            {
                throw new FormatException("it is not a message of this library");
            }

            message = new BusMessage<T>
            {
                Id = id,
                Topic = topic,
                PublishedAt = DateTimeOffset.FromUnixTimeMilliseconds(publishedMs),
                Payload = _inputs.Deserialize<T>(payload.Span),
            };
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Interlocked.Increment(ref _dropped);
            Log.MessageUnreadable(_logger, topic, typeof(T).Name, ex.Message);
            return;
        }

        try
        {
            if (_filter is not null && !_filter(message))
            {
                Interlocked.Increment(ref _dropped);
                return;
            }

            Interlocked.Increment(ref _delivered);
            var delivery = new object();
            Volatile.Write(ref _currentDelivery, delivery);
            s_delivery.Value = delivery;
            try
            {
                await _handler(message, token).ConfigureAwait(false);
            }
            finally
            {
                Volatile.Write(ref _currentDelivery, null);
                s_delivery.Value = null;
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Interlocked.Increment(ref _failures);
            Log.HandlerFailed(_logger, Topic, message.Id, ex);
        }
    }
}

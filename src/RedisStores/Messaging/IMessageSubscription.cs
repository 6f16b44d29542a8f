namespace RedisStores.Messaging;

/// <summary>A live subscription. Dispose it to stop receiving: messages still buffered are not handled.</summary>
public interface IMessageSubscription : IAsyncDisposable
{
    /// <summary>The topic, or the pattern, subscribed to.</summary>
    string Topic { get; }

    /// <summary>Whether <see cref="Topic"/> is a pattern.</summary>
    bool IsPattern { get; }

    /// <summary>Messages handed to the handler, including those it failed on.</summary>
    long Delivered { get; }

    /// <summary>Messages the handler threw on (each logged).</summary>
    long HandlerFailures { get; }

    /// <summary>Messages dropped because the buffer was full, the filter refused them, or they could not be read.</summary>
    long Dropped { get; }
}

using RedisStores.Internal;
using RedisStores.Redis;
using StackExchange.Redis;

namespace RedisStores.Workers;

/// <summary>
/// Wakes the workers of one <see cref="RedisWorkerStore"/> waiting on a queue: one pub/sub subscription per queue
/// waited on, made on first wait and kept, whose messages (sent by enqueue and replay scripts only while a waiter flag
/// is set) complete the queue's current signal. A restored connection wakes every waiter, as messages published while
/// it was down are lost.
/// </summary>
internal sealed class QueueWakeups(RedisConnection connection, string storeName)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Entry> _queues = new(StringComparer.Ordinal);
    private bool _restoreHooked;

    /// <summary>Makes sure the queue's subscription is live, then returns the signal the next wake-up completes.</summary>
    /// <summary>
    /// The queue's wake signal, taken before the caller asks for a job, and its subscription, started if it is not
    /// live: the first ask goes out beside it, and a caller that finds nothing waits for it and asks again.
    /// </summary>
    internal (Task Signal, Task Subscription) Start(string queue, RedisChannel channel)
    {
        lock (_gate)
        {
            if (!_queues.TryGetValue(queue, out var entry))
            {
                entry = new Entry();
                _queues.Add(queue, entry);
            }

            // A failed subscription is tried again by the next waiter.
            if (entry.Subscription is null || entry.Subscription.IsFaulted || entry.Subscription.IsCanceled)
            {
                entry.Subscription = SubscribeAsync(entry, channel);

                // A waiter that leases at once never awaits it; the next one that must wait sees a failure.
                RedisCall.Observe(entry.Subscription);
            }

            return (entry.Signal.Task, entry.Subscription);
        }
    }

    private Task<bool> SubscribeAsync(Entry entry, RedisChannel channel)
        => RedisCall.RunAsync(connection, (Self: this, Entry: entry, Channel: channel), static async (_, s) =>
        {
            var multiplexer = await s.Self.GetMultiplexerAsync().ConfigureAwait(false);
            await multiplexer.GetSubscriber().SubscribeAsync(s.Channel, (_, _) => Wake(s.Entry)).ConfigureAwait(false);
            return true;
        }, storeName, CancellationToken.None).AsTask();

    private async Task<IConnectionMultiplexer> GetMultiplexerAsync()
    {
        var multiplexer = await connection.GetMultiplexerAsync(CancellationToken.None).ConfigureAwait(false);
        lock (_gate)
        {
            if (!_restoreHooked)
            {
                _restoreHooked = true;
                multiplexer.ConnectionRestored += (_, _) => WakeAll();
            }
        }

        return multiplexer;
    }

    private static void Wake(Entry entry) => entry.Signal.Wake();

    private void WakeAll()
    {
        List<Entry> entries;
        lock (_gate)
        {
            entries = [.. _queues.Values];
        }

        foreach (var entry in entries)
        {
            Wake(entry);
        }
    }

    private sealed class Entry
    {
        internal Task<bool>? Subscription { get; set; }

        internal WakeSignal Signal { get; } = new();
    }
}

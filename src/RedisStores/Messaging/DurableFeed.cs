using Microsoft.Extensions.Logging;
using RedisStores.Internal;

namespace RedisStores.Messaging;

/// <summary>
/// The feeder of a durable subscription, the same for both buses: read what was kept after the last position, in
/// chunks, into the subscription's buffer (waiting while it is full), then sleep until a notification says more was
/// published (or a short poll, the safety net for a notification lost while disconnected). Nothing is skipped and
/// nothing repeats, whatever the handler's pace or the connection does.
/// </summary>
internal static class DurableFeed
{
    internal const int Chunk = 256;

    internal delegate ValueTask<IReadOnlyList<(DurablePosition Id, byte[] Envelope)>> ReadAfter(DurablePosition after, int count, CancellationToken cancellationToken);

    internal static async Task RunAsync<T>(
        Subscription<T> subscription, string topic, DurablePosition position, ReadAfter read, WakeSignal signal, TimeSpan poll, ILogger logger, CancellationToken cancellationToken)
    {
        while (true)
        {
            var woken = signal.Task; // before reading, so a publish during the read still wakes the next wait
            IReadOnlyList<(DurablePosition Id, byte[] Envelope)> batch;
            try
            {
                batch = await read(position, Chunk, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
            {
                // Redis away, or anything else: try again after the poll, from the same position. The subscription lives on.
                Log.DurableReadFailed(logger, topic, ex.Message);
                batch = [];
            }

            foreach (var (id, envelope) in batch)
            {
                await subscription.PostAsync(topic, envelope, cancellationToken).ConfigureAwait(false);
                position = id;
            }

            if (batch.Count < Chunk)
            {
                try
                {
                    await woken.WaitAsync(poll, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // Look again.
                }
            }
        }
    }
}

using System.Collections.Concurrent;

namespace RedisStores.Caching;

/// <summary>
/// Stampede protection within a process: concurrent get-or-set callers of one key share one load. The load's token is
/// cancelled only when every caller waiting for it has given up, so one caller's cancellation never fails the others.
/// </summary>
internal sealed class FactoryFlights
{
    private readonly ConcurrentDictionary<(string? Namespace, string Key, Type Type), Flight> _flights = new();

    internal async ValueTask<T> RunAsync<T, TState>(
        string? ns,
        string key,
        TState state,
        Func<TState, CancellationToken, ValueTask<T>> load,
        CancellationToken cancellationToken)
    {
        var slot = (ns, key, typeof(T));
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (!_flights.TryGetValue(slot, out var flight) || !flight.TryJoin())
            {
                // None yet, or one every waiter gave up on (it leaves only when its factory returns): replace it.
                var created = new Flight<T>();
                created.TryJoin();
                var placed = flight is null ? _flights.TryAdd(slot, created) : _flights.TryUpdate(slot, created, flight);
                if (!placed)
                {
                    continue; // another caller placed one first: join that
                }

                created.Start(this, slot, state, load);
                flight = created;
            }

            try
            {
                return await ((Flight<T>)flight).Task.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                flight.Leave();
            }
        }
    }

    private abstract class Flight
    {
        private readonly object _gate = new();
        private int _waiters;
        private bool _closed;

        // Never disposed: it has no timer, and a late Leave may still cancel it.
        protected CancellationTokenSource Cancellation { get; } = new();

        internal bool TryJoin()
        {
            lock (_gate)
            {
                if (_closed)
                {
                    return false;
                }

                _waiters++;
                return true;
            }
        }

        internal void Leave()
        {
            lock (_gate)
            {
                if (--_waiters > 0 || _closed)
                {
                    return;
                }

                _closed = true; // nobody waits: late callers start a new load rather than join a cancelled one
            }

            Cancellation.Cancel();
        }

        protected void Close()
        {
            lock (_gate)
            {
                _closed = true;
            }
        }
    }

    private sealed class Flight<T> : Flight
    {
        private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal Task<T> Task => _result.Task;

        // Runs the load on the creating caller's thread up to its first await; everything it throws lands in the task.
        internal void Start<TState>(FactoryFlights owner, (string?, string, Type) slot, TState state, Func<TState, CancellationToken, ValueTask<T>> load)
            => _ = RunAsync(owner, slot, state, load);

        private async Task RunAsync<TState>(FactoryFlights owner, (string?, string, Type) slot, TState state, Func<TState, CancellationToken, ValueTask<T>> load)
        {
            try
            {
                _result.TrySetResult(await load(state, Cancellation.Token).ConfigureAwait(false));
            }
            catch (OperationCanceledException ex) when (Cancellation.IsCancellationRequested)
            {
                _result.TrySetCanceled(ex.CancellationToken);
            }
            catch (Exception ex)
            {
                _result.TrySetException(ex);
            }
            finally
            {
                Close();
                owner._flights.TryRemove(new KeyValuePair<(string?, string, Type), Flight>(slot, this));
            }
        }
    }
}

using System.Collections.Concurrent;
using System.Threading.Tasks.Sources;
using StackExchange.Redis;

namespace RedisStores.Caching;

/// <summary>
/// One read of a plain key from Redis, in flight: the <c>GET</c>'s task, and the caller's <see cref="ValueTask{TResult}"/>
/// answered from it through this pooled object. No async method, timer or task of the cache's own is made per read:
/// the read is what the cache adds to a bare <c>GET</c>, so this is the path measured against one.
/// </summary>
/// <remarks>
/// <para>
/// Three things may end a read, and the first wins (<see cref="TryEnd"/>): Redis's answer, the caller's cancellation
/// token, and the deadline of <see cref="CacheStoreOptions.RedisTimeout"/>, which <see cref="ReadDeadlines"/> checks
/// every <see cref="ReadDeadlines.PeriodMs"/> ms. The object goes back to its pool once both the caller has taken the
/// result and Redis's answer has come in (a read that timed out still waits for it),
/// so a late answer, cancellation or deadline can never touch the next read that uses it: each read has a generation
/// of its own in <see cref="_state"/>.
/// </para>
/// </remarks>
internal abstract class PendingRead
{
    private const long InFlight = 1;

    // Every read object ever made and kept, for the deadline sweep; slots of discarded ones are reused.
    private static readonly object s_registryGate = new();
    private static PendingRead?[] s_registry = new PendingRead?[64];
    private static int s_registered;
    private static readonly Stack<int> s_freeSlots = new();

    // Generation << 1 | in flight: a read is its generation's, and only the first TryEnd of it wins.
    private long _state;
    private long _deadline;
    private long _expiryQueued; // the state of the last generation whose expiry was queued
    private int _slot = -1;

    internal static int Registered => Volatile.Read(ref s_registered);

    /// <summary>Starts a generation; returns its state, which ends it.</summary>
    protected long Begin(long deadline)
    {
        _deadline = deadline; // published by the state's write below
        var state = (((Volatile.Read(ref _state) >> 1) + 1) << 1) | InFlight;
        Interlocked.Exchange(ref _state, state);
        ReadDeadlines.Watch();
        return state;
    }

    /// <summary>Ends the generation <paramref name="state"/> began; <see langword="false"/> when something else ended it first.</summary>
    protected bool TryEnd(long state) => Interlocked.CompareExchange(ref _state, state & ~InFlight, state) == state;

    /// <summary>The deadline ran out: answer as a read Redis did not answer in time.</summary>
    protected abstract void Expire(long state);

    protected void Register()
    {
        lock (s_registryGate)
        {
            if (s_freeSlots.TryPop(out var slot))
            {
                _slot = slot;
            }
            else
            {
                if (s_registered == s_registry.Length)
                {
                    Array.Resize(ref s_registry, s_registry.Length * 2);
                }

                _slot = s_registered;
                Volatile.Write(ref s_registered, s_registered + 1);
            }

            Volatile.Write(ref s_registry[_slot], this);
        }
    }

    protected void Unregister()
    {
        lock (s_registryGate)
        {
            s_registry[_slot] = null;
            s_freeSlots.Push(_slot);
            _slot = -1;
        }
    }

    /// <summary>
    /// Expires every read past its deadline; whether any read is still in flight. Each expiry runs on the thread pool,
    /// never on the sweep's thread, since it completes a caller's await.
    /// </summary>
    internal static bool Sweep(long now)
    {
        var registry = Volatile.Read(ref s_registry);
        var count = Math.Min(Volatile.Read(ref s_registered), registry.Length);
        var inFlight = false;
        for (var i = 0; i < count; i++)
        {
            if (Volatile.Read(ref registry[i]) is not { } read)
            {
                continue;
            }

            var state = Volatile.Read(ref read._state);
            if ((state & InFlight) == 0)
            {
                continue;
            }

            inFlight = true;
            var deadline = Volatile.Read(ref read._deadline);
            // The deadline read is this generation's; the read stays in flight until its expiry runs, so only the first
            // sweep past the deadline queues one (a busy pool would otherwise get one per read per tick).
            if (now >= deadline && Volatile.Read(ref read._state) == state
                && Interlocked.Exchange(ref read._expiryQueued, state) != state)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static s => s.Read.Expire(s.State), (Read: read, State: state), preferLocal: false);
            }
        }

        return inFlight;
    }
}

/// <summary>
/// Checks the deadlines of reads in flight every <see cref="PeriodMs"/> ms, on one timer for the process that runs only
/// while reads are in flight.
/// </summary>
internal static class ReadDeadlines
{
    /// <summary>How often deadlines are checked: a read that Redis does not answer ends at most this much after its deadline.</summary>
    internal const int PeriodMs = 10;

    private static readonly Timer s_timer = new(static _ => Tick(), null, Timeout.Infinite, Timeout.Infinite);
    private static int s_armed;

    /// <summary>Makes sure a check is coming. Called after a read's state is published (a full fence).</summary>
    internal static void Watch()
    {
        if (Volatile.Read(ref s_armed) == 0 && Interlocked.CompareExchange(ref s_armed, 1, 0) == 0)
        {
            s_timer.Change(PeriodMs, Timeout.Infinite);
        }
    }

    // Disarms before looking (a full fence): a read that began after this sees the timer disarmed and arms it, and one
    // that began before is seen in flight here, which re-arms it.
    private static void Tick()
    {
        Interlocked.Exchange(ref s_armed, 0);
        if (PendingRead.Sweep(Environment.TickCount64))
        {
            Watch();
        }
    }
}

/// <summary>A read of a plain key whose caller wants a <typeparamref name="T"/>.</summary>
/// <typeparam name="T">The type the caller reads.</typeparam>
internal sealed class RedisRead<T> : PendingRead, IValueTaskSource<CacheValue<T>>, IValueTaskSource<T?>
{
    // While more reads of one type than this exist (more were in flight at once), returned ones are dropped and leave
    // the deadline registry, down to this many, which stay pooled. Counted on creation only: nothing shared is written per read.
    private const int MaxKept = 1024;
    private const int NotTakeable = int.MinValue; // no ValueTask token is: shorts only
    private static readonly ConcurrentQueue<RedisRead<T>> s_pool = new();
    private static int s_created;

    // The caller's continuation takes the result, releasing the read, on the thread that then starts the caller's next
    // read: one read kept per thread mostly spares the shared pool (and the cores taking turns on it).
    [ThreadStatic]
    private static RedisRead<T>? t_kept;

    private readonly Action _onReply;
    private ManualResetValueTaskSourceCore<CacheValue<T>> _core;
    private CacheEngine? _engine;
    private string? _key;
    private long _stamp;
    private long _generation;
    private Task<RedisValue>? _reply;
    private CancellationTokenRegistration _cancellation;
    private int _holders;
    private int _takeable = NotTakeable; // the token whose result the caller may still take, once

    private RedisRead()
    {
        _onReply = OnReply;
        Interlocked.Increment(ref s_created);
        Register();
    }

    /// <summary>
    /// Answers the caller from <paramref name="reply"/>, a <c>GET</c> already sent; the engine makes the answer (see
    /// <see cref="CacheEngine.FinishRead{T}"/>). <paramref name="stamp"/> is the memory tier's stamp taken before sending.
    /// </summary>
    internal static RedisRead<T> Start(CacheEngine engine, string key, long stamp, Task<RedisValue> reply, long deadline, CancellationToken cancellationToken)
    {
        var read = Rent();
        read._engine = engine;
        read._key = key;
        read._stamp = stamp;
        read._reply = reply;
        read._holders = 2; // the caller, until it takes the result; and Redis's answer, until it has come in
        read._takeable = read._core.Version;
        read._generation = read.Begin(deadline);

        // Registered before the reply's continuation, which disposes the registration: the callback only ever runs
        // during this generation, and hands the cancellation to the thread pool with the generation it is for.
        if (cancellationToken.CanBeCanceled)
        {
            read._cancellation = cancellationToken.UnsafeRegister(
                static (s, token) =>
                {
                    var read = (RedisRead<T>)s!;
                    ThreadPool.UnsafeQueueUserWorkItem(static c => c.Read.Cancel(c.Generation, c.Token), (Read: read, Generation: read._generation, Token: token), preferLocal: false);
                },
                read);
        }

        reply.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(read._onReply);
        return read;
    }

    /// <summary>The caller's view, as <see cref="ICacheStore.TryGetAsync{T}"/> answers.</summary>
    internal ValueTask<CacheValue<T>> AsTryGet() => new(this, _core.Version);

    /// <summary>The caller's view, as <see cref="ICacheStore.GetAsync{T}"/> answers.</summary>
    internal ValueTask<T?> AsGet() => new(this, _core.Version);

    CacheValue<T> IValueTaskSource<CacheValue<T>>.GetResult(short token)
    {
        Take(token);
        try
        {
            WaitIfPending(token);
            return _core.GetResult(token);
        }
        finally
        {
            Release();
        }
    }

    T? IValueTaskSource<T?>.GetResult(short token)
    {
        Take(token);
        try
        {
            WaitIfPending(token);
            return _core.GetResult(token).GetValueOrDefault();
        }
        finally
        {
            Release();
        }
    }

    ValueTaskSourceStatus IValueTaskSource<CacheValue<T>>.GetStatus(short token) => _core.GetStatus(token);

    ValueTaskSourceStatus IValueTaskSource<T?>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<CacheValue<T>>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);

    void IValueTaskSource<T?>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags)
        => _core.OnCompleted(continuation, state, token, flags);

    protected override void Expire(long state)
    {
        if (!TryEnd(state))
        {
            return;
        }

        CacheValue<T> result;
        try
        {
            result = _engine!.ReadTimedOut<T>(_key!);
        }
        catch (Exception ex)
        {
            _core.SetException(ex);
            return;
        }

        _core.SetResult(result);
    }

    // The caller's hold on this generation ends here, once: a second GetResult of the same ValueTask (racing or not),
    // or one of a generation that has ended, throws and touches nothing, since the object may by now serve another
    // caller's read.
    private void Take(short token)
    {
        if (Interlocked.CompareExchange(ref _takeable, NotTakeable, token) != token)
        {
            throw new InvalidOperationException("The result of this read has already been taken: a ValueTask may be awaited only once.");
        }
    }

    // A caller that blocks on the ValueTask (.GetAwaiter().GetResult() before it completed) waits for the answer, as it
    // would on a task, rather than getting an exception: only such a caller gets here with the read still pending, and
    // it registers the one continuation the read takes.
    private void WaitIfPending(short token)
    {
        if (_core.GetStatus(token) != ValueTaskSourceStatus.Pending)
        {
            return;
        }

        using var answered = new ManualResetEventSlim();
        _core.OnCompleted(static s => ((ManualResetEventSlim)s!).Set(), answered, token, ValueTaskSourceOnCompletedFlags.None);
        answered.Wait(Timeout.Infinite);
    }

    private static RedisRead<T> Rent()
    {
        if (t_kept is { } kept)
        {
            t_kept = null;
            return kept;
        }

        return s_pool.TryDequeue(out var read) ? read : new RedisRead<T>();
    }

    private void Cancel(long generation, CancellationToken token)
    {
        if (TryEnd(generation))
        {
            _core.SetException(new OperationCanceledException(token));
        }
    }

    // Runs on the thread pool (StackExchange.Redis completes its tasks asynchronously): the caller's continuation runs
    // inline from here, as it would from an await of the GET's own task.
    private void OnReply()
    {
        var reply = _reply!;
        _cancellation.Dispose(); // waits for a cancellation callback that is running: it only queues work
        _cancellation = default;
        // The task has completed: its outcome, taken without waiting (and its failure observed).
        var stored = RedisValue.Null;
        Exception? failure = null;
        if (reply is { IsCompletedSuccessfully: true, Result: var answered })
        {
            stored = answered;
        }
        else
        {
            failure = reply.IsCanceled ? new TaskCanceledException(reply) : reply.Exception!.InnerException ?? reply.Exception;
        }

        if (TryEnd(_generation))
        {
            CacheValue<T> result = default;
            try
            {
                result = _engine!.FinishRead<T>(_key!, _stamp, stored, failure);
                failure = null;
            }
            catch (Exception ex)
            {
                failure = ex;
            }

            if (failure is null)
            {
                _core.SetResult(result); // the caller's continuation may take the result, and release it, from here
            }
            else
            {
                _core.SetException(failure);
            }
        }

        Release();
    }

    private void Release()
    {
        if (Interlocked.Decrement(ref _holders) != 0)
        {
            return;
        }

        _engine = null;
        _key = null;
        _reply = null;
        _core.Reset();
        if (t_kept is null)
        {
            t_kept = this;
            return;
        }

        if (Volatile.Read(ref s_created) > MaxKept)
        {
            if (Interlocked.Decrement(ref s_created) >= MaxKept)
            {
                Unregister(); // dropped
                return;
            }

            Interlocked.Increment(ref s_created); // other drops got there first: this one stays
        }

        s_pool.Enqueue(this);
    }
}

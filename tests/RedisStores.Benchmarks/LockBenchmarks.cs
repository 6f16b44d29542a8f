using System.Diagnostics;
using Medallion.Threading.Redis;
using RedisStores.Locking;
using RedLockNet.SERedis;
using RedLockNet.SERedis.Configuration;
using StackExchange.Redis;

namespace RedisStores.Benchmarks;

/// <summary>
/// The lock service against the Redis locks users would otherwise pick (DistributedLock.Redis and RedLock.net, each
/// with its defaults) and a raw SET NX PX + compare-DEL: uncontended acquire+release, and hand-off among polite
/// contenders of one lock. Every lock runs on the one shared multiplexer.
/// </summary>
internal static class LockBenchmarks
{
    private const int Contenders = 8;
    private static readonly TimeSpan s_expiry = TimeSpan.FromSeconds(30);
    private const string CompareDelete = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

    public static async Task<List<Row>> RunAsync(IConnectionMultiplexer connection, LoadDriver driver, int[] concurrencies)
    {
        var rows = new List<Row>();
        var locks = new RedisDistributedLockService(connection, new RedisStoresOptions { KeyPrefix = "bench-lk:" });
        var db = connection.GetDatabase();
        using var redLock = RedLockFactory.Create(new List<RedLockMultiplexer> { new(connection) });
        var noExtension = new LockOptions { AutoExtend = false };
        var redLockMisses = 0L;

        // Names made once: the rows measure the locks, not the formatting of their names.
        var names = Enumerable.Range(0, concurrencies.Max()).Select(i => $"l{i}").ToArray();
        var medallion = names.Select(n => new RedisDistributedLock("bench-dl:" + n, db)).ToArray();
        var rawKeys = names.Select(n => (RedisKey)("bench-raw:" + n)).ToArray();
        var redLockNames = names.Select(n => "bench-rl:" + n).ToArray();

        foreach (var concurrency in concurrencies)
        {
            // Each worker its own lock: uncontended acquire + release.
            rows.Add(await driver.RunAsync("lock acquire+release (uncontended)", concurrency, async i =>
            {
                await using var held = await locks.AcquireAsync(names[i % concurrency]);
            }));
            rows.Add(await driver.RunAsync("lock acquire+release (uncontended, AutoExtend off)", concurrency, async i =>
            {
                await using var held = await locks.AcquireAsync(names[i % concurrency], options: noExtension);
            }));
            rows.Add(await driver.RunAsync("DistributedLock.Redis acquire+release, uncontended (anchor)", concurrency, async i =>
            {
                await using (await medallion[i % concurrency].AcquireAsync())
                {
                }
            }));
            rows.Add(await driver.RunAsync("RedLock.net acquire+release, uncontended (anchor)", concurrency, async i =>
            {
                // RedLock.net reports a failed command as not acquired (and a failed release not at all): count, do not stop.
                await using var held = await redLock.CreateLockAsync(redLockNames[i % concurrency], s_expiry);
                if (!held.IsAcquired)
                {
                    Interlocked.Increment(ref redLockMisses);
                }
            }));
            rows.Add(await driver.RunAsync("raw SET NX PX + compare-DEL (anchor)", concurrency, async i =>
            {
                var key = rawKeys[i % concurrency];
                var token = Guid.NewGuid().ToString("N");
                await db.StringSetAsync(key, token, s_expiry, When.NotExists);
                await db.ScriptEvaluateAsync(CompareDelete, [key], [token]);
            }));
        }

        rows.Add(await HandOffAsync("lock hand-off among 8 polite contenders", driver.Duration, async (id, ct) =>
        {
            var held = await locks.AcquireAsync("handoff", cancellationToken: ct);
            return held.DisposeAsync;
        }));
        // Polling once an hour: only release notifications can hand the lock over at this rate.
        var notifiedOnly = new RedisDistributedLockService(connection, new RedisStoresOptions { KeyPrefix = "bench-lk:", Locks = { PollInterval = TimeSpan.FromHours(1) } });
        rows.Add(await HandOffAsync("lock hand-off among 8 polite contenders, polling off", driver.Duration, async (id, ct) =>
        {
            var held = await notifiedOnly.AcquireAsync("handoff", cancellationToken: ct);
            return held.DisposeAsync;
        }));
        var contended = new RedisDistributedLock("bench-dl:handoff", db);
        rows.Add(await HandOffAsync("DistributedLock.Redis hand-off among 8 (anchor)", driver.Duration, async (id, ct) =>
        {
            var held = await contended.AcquireAsync(cancellationToken: ct);
            return held.DisposeAsync;
        }));
        rows.Add(await HandOffAsync("RedLock.net hand-off among 8 (anchor)", driver.Duration, async (id, ct) =>
        {
            // RedLock.net waits with its default retry configuration inside each call; go on until acquired or the end.
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                var held = await redLock.CreateLockAsync("bench-rl:handoff", s_expiry);
                if (held.IsAcquired)
                {
                    return held.DisposeAsync;
                }

                held.Dispose();
            }
        }));

        if (redLockMisses > 0)
        {
            Console.Error.WriteLine($"RedLock.net failed to acquire an uncontended lock {redLockMisses} times (a command failed under load).");
        }

        await connection.GetServers().Single().FlushDatabaseAsync();
        return rows;
    }

    /// <summary>
    /// <see cref="Contenders"/> contenders take one lock in turn for <paramref name="duration"/>: each acquires (waiting),
    /// releases at once, then waits until another contender holds the lock before trying again. Reports acquisitions
    /// per second and the hand-off latency, from the start of a release to the next acquisition by another contender.
    /// </summary>
    private static async Task<Row> HandOffAsync(string operation, TimeSpan duration, Func<int, CancellationToken, Task<Func<ValueTask>>> acquire)
    {
        var board = new HandOffBoard();
        using var end = new CancellationTokenSource(duration);
        var latencies = Enumerable.Range(0, Contenders).Select(_ => new LatencyHistogram()).ToArray();
        var acquisitions = 0L;
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Contenders).Select(id => Task.Run(async () =>
        {
            try
            {
                while (!end.IsCancellationRequested)
                {
                    var release = await acquire(id, end.Token);
                    var acquiredAt = Stopwatch.GetTimestamp();
                    Interlocked.Increment(ref acquisitions);
                    if (board.Acquired(id, acquiredAt) is { } handOff)
                    {
                        latencies[id].Record(handOff);
                    }

                    board.Releasing(id, Stopwatch.GetTimestamp());
                    await release();
                    await board.WaitForAnotherAsync(id, end.Token);
                }
            }
            catch (OperationCanceledException) when (end.IsCancellationRequested)
            {
            }
        })));
        clock.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        if (board.Overlaps > 0)
        {
            throw new InvalidOperationException($"{operation}: two contenders held the lock at once {board.Overlaps} times.");
        }

        var all = LatencyHistogram.Merge(latencies);
        var count = Interlocked.Read(ref acquisitions);
        return new Row(operation, Contenders, count / clock.Elapsed.TotalSeconds, all.PercentileMicros(0.50), all.PercentileMicros(0.99),
            count == 0 ? 0 : (double)allocated / count, double.NaN, double.NaN);
    }

    /// <summary>Who holds the lock, who released it last and when, and a signal set at every acquisition.</summary>
    private sealed class HandOffBoard
    {
        private readonly object _gate = new();
        private TaskCompletionSource _acquired = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _holder = -1;
        private int _releasedBy = -1;
        private long _releasedAt;
        private int _holding;

        public int Overlaps { get; private set; }

        /// <summary>Records the acquisition; returns the hand-off time when the lock came from another contender.</summary>
        public long? Acquired(int id, long now)
        {
            TaskCompletionSource signal;
            long? handOff;
            lock (_gate)
            {
                if (++_holding > 1)
                {
                    Overlaps++;
                }

                _holder = id;
                handOff = _releasedBy >= 0 && _releasedBy != id ? now - _releasedAt : null;
                signal = _acquired;
                _acquired = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            signal.TrySetResult();
            return handOff;
        }

        public void Releasing(int id, long now)
        {
            lock (_gate)
            {
                _holding--;
                _releasedBy = id;
                _releasedAt = now;
            }
        }

        public async Task WaitForAnotherAsync(int id, CancellationToken cancellationToken)
        {
            while (true)
            {
                Task next;
                lock (_gate)
                {
                    if (_holder != id)
                    {
                        return;
                    }

                    next = _acquired.Task;
                }

                await next.WaitAsync(cancellationToken);
            }
        }
    }
}

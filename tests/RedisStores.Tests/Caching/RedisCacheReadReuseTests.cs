using RedisStores.Caching;
using RedisStores.Tests.Infrastructure;
using StackExchange.Redis;

namespace RedisStores.Tests.Caching;

/// <summary>
/// The pooled read objects of the plain-key read path are used again by other reads: a caller misusing its ValueTask,
/// or a deadline sweep running while the thread pool is behind, must never reach the read that uses the object next.
/// </summary>
public sealed class RedisCacheReadReuseTests(RedisEnvironment redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // A read past its deadline whose expiry does not end it while Hold is set: as one whose expiry was queued to a busy
    // thread pool and has not run yet, so the read stays in flight for the sweeps that follow.
    private sealed class HeldRead : PendingRead
    {
        public int Expiries;
        public volatile bool Hold = true;
        private long _state;

        public HeldRead() => Register();

        public void Go(long deadline) => _state = Begin(deadline);

        public void Finish()
        {
            TryEnd(_state);
            Unregister();
        }

        protected override void Expire(long state)
        {
            Interlocked.Increment(ref Expiries);
            if (!Hold)
            {
                TryEnd(state);
            }
        }
    }

    [Fact]
    public async Task A_read_past_its_deadline_gets_one_expiry_however_many_sweeps_see_it_in_flight()
    {
        var read = new HeldRead();
        try
        {
            read.Go(deadline: 0); // long past
            for (var i = 0; i < 100; i++)
            {
                PendingRead.Sweep(Environment.TickCount64);
            }

            while (Volatile.Read(ref read.Expiries) == 0)
            {
                await Task.Delay(10, Ct);
            }

            await Task.Delay(200, Ct); // any further expiry queued runs by now
            Assert.Equal(1, Volatile.Read(ref read.Expiries));
        }
        finally
        {
            read.Hold = false;
            read.Finish();
        }
    }

    // The misuse: a second GetResult of a ValueTask already consumed. It throws, and must leave the pooled object's
    // current read, another caller's, alone.
    [Fact]
    public async Task A_second_get_result_of_a_consumed_read_throws_and_leaves_the_next_read_of_the_object_alone()
    {
        await using var server = await redis.StartOwnServerAsync();
        var configuration = ConfigurationOptions.Parse(server.EndPoint);
        configuration.AsyncTimeout = 30_000;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(configuration);
        await using var admin = await ConnectionMultiplexer.ConnectAsync(configuration);
        await using var cache = new RedisCacheStore(connection, new RedisStoresOptions { KeyPrefix = RedisEnvironment.UniquePrefix(), Cache = { MemoryCache = false, RedisTimeout = TimeSpan.FromSeconds(10) } });
        await cache.SetAsync("a", "A", cancellationToken: Ct);
        await cache.SetAsync("b", "B", cancellationToken: Ct);
        Assert.Equal("A", await cache.GetAsync<string>("a", Ct)); // connected: plain reads take the pooled path

        string? innocent = null;
        Exception? misuse = null, innocentFailure = null;
        var thread = new Thread(() =>
        {
#pragma warning disable CA2012, xUnit1031 // the misuse under test
            var first = cache.GetAsync<string>("a", Ct);
            while (!first.IsCompleted)
            {
                Thread.Sleep(1);
            }

            Thread.Sleep(200); // the reply's hold has ended: the caller's is the last, and the object stays on this thread
            _ = first.GetAwaiter().GetResult();
            admin.GetServers().Single().Execute("CLIENT", "PAUSE", "500", "ALL"); // the next read stays pending
            var second = cache.GetAsync<string>("b", Ct); // the same object, kept by this thread
            try
            {
                _ = first.GetAwaiter().GetResult();
            }
            catch (Exception ex)
            {
                misuse = ex;
            }

            try
            {
                innocent = second.GetAwaiter().GetResult();
            }
            catch (Exception ex)
            {
                innocentFailure = ex;
            }
#pragma warning restore CA2012, xUnit1031
        });
        thread.Start();
        thread.Join();
        Assert.IsType<InvalidOperationException>(misuse);
        Assert.True(innocent == "B", $"the other read got {innocent ?? "null"} / {innocentFailure?.GetType().Name}: {innocentFailure?.Message}");
    }
}

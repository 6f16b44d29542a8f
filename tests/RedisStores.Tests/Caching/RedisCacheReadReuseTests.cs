using RedisStores.Caching;

namespace RedisStores.Tests.Caching;

/// <summary>
/// The pooled read objects of the plain-key read path are used again by other reads: a caller misusing its ValueTask,
/// or a deadline sweep running while the thread pool is behind, must never reach the read that uses the object next.
/// </summary>
public sealed class RedisCacheReadReuseTests
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
}

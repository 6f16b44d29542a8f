using RedisStores.Caching;

namespace RedisStores.Tests.Caching;

/// <summary>The cheap clock memory hits are judged by stays within a few milliseconds of the system clock.</summary>
public sealed class CoarseClockTests
{
    [Fact]
    public async Task It_follows_the_system_clock_within_a_few_milliseconds_across_resyncs()
    {
        var last = 0L;
        for (var i = 0; i < 30; i++) // 1.5 s: past at least one resync
        {
            var before = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
            var coarse = CoarseClock.UnixMilliseconds;
            var after = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
            Assert.InRange(coarse, before - 20, after + 20);
            Assert.True(coarse >= last - 20, "it does not run back by more than its resolution");
            last = coarse;
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public void A_resync_by_a_thread_paused_after_reading_the_tick_does_not_run_the_clock_ahead()
    {
        // The thread read the tick count, then was paused (preempted, or suspended by a GC) for 900 ms before resyncing.
        CoarseClock.Resync(Environment.TickCount64 - 900);
        var coarse = CoarseClock.UnixMilliseconds;
        var after = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
        Assert.True(coarse <= after + 20, $"the coarse clock runs {coarse - after} ms ahead of the system clock");
    }

    [Fact]
    public async Task A_resync_by_a_paused_thread_does_not_lose_in_memory_entries_before_their_ttl()
    {
        CoarseClock.Resync(Environment.TickCount64 - 900);
        var cache = new InMemoryCacheStore();
        await cache.SetAsync("k", "v", new CacheEntryOptions { Ttl = TimeSpan.FromMilliseconds(500) }, TestContext.Current.CancellationToken);
        Assert.Equal("v", await cache.GetAsync<string>("k", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task An_in_memory_entry_is_served_until_its_expiry_and_never_after_it()
    {
        var ct = TestContext.Current.CancellationToken;
        var cache = new InMemoryCacheStore();
        const long ttl = 30;
        for (var round = 0; round < 10; round++)
        {
            var key = $"k{round}";
            var setBefore = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
            await cache.SetAsync(key, "v", new CacheEntryOptions { Ttl = TimeSpan.FromMilliseconds(ttl) }, ct);
            var setAfter = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
            while (true) // the expiry lies in [setBefore + ttl, setAfter + ttl]
            {
                var before = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
                var got = await cache.GetAsync<string>(key, ct);
                var after = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
                Assert.False(got is not null && before > setAfter + ttl, $"served {before - setAfter - ttl} ms past its expiry");
                Assert.False(got is null && after < setBefore + ttl, $"lost {setBefore + ttl - after} ms before its expiry");
                if (before > setAfter + ttl + 10)
                {
                    break;
                }
            }
        }
    }
}

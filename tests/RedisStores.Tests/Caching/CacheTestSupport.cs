using RedisStores.Caching;

namespace RedisStores.Tests.Caching;

/// <summary>Waiting helpers for tests that watch another instance react to pub/sub.</summary>
internal static class CacheTestSupport
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Waits (up to 30 s) until <paramref name="condition"/> holds; fails the test naming what never happened.</summary>
    internal static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting until {what}.");
            await Task.Delay(10, Ct);
        }
    }

    /// <summary>Waits (up to 30 s) until <paramref name="condition"/> holds, retrying while Redis is unreachable.</summary>
    internal static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (StoreUnavailableException) when (DateTime.UtcNow < deadline)
            {
            }

            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting until {what}.");
            await Task.Delay(50, Ct);
        }
    }

    /// <summary>Makes sure <paramref name="listener"/> receives <paramref name="writer"/>'s invalidations before a test relies on them.</summary>
    internal static async Task ConnectAsync(RedisCacheStore writer, RedisCacheStore listener)
    {
        await SubscribedAsync(writer);
        await SubscribedAsync(listener);
        var before = listener.GetStats().InvalidationsReceived;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (listener.GetStats().InvalidationsReceived == before)
        {
            Assert.True(DateTime.UtcNow < deadline, "The second instance never received the first one's invalidations.");
            await writer.SetAsync("warm-up", 1, cancellationToken: Ct);
            await Task.Delay(20, Ct);
        }

        // Let late warm-up messages land, so that tests counting invalidations count only their own.
        var settled = listener.GetStats().InvalidationsReceived;
        do
        {
            settled = listener.GetStats().InvalidationsReceived;
            await Task.Delay(200, Ct);
        }
        while (listener.GetStats().InvalidationsReceived != settled);
    }

    /// <summary>Waits until reading <paramref name="key"/> is a memory hit (the first subscription clears the memory cache once).</summary>
    internal static async Task WaitUntilInMemoryAsync(ICacheStore cache, string key)
    {
        if (cache is RedisCacheStore redisCache)
        {
            await SubscribedAsync(redisCache);
        }

        await WaitUntilAsync(
            async () =>
            {
                var hits = cache.GetStats().MemoryHits;
                await cache.GetAsync<object>(key, Ct);
                return cache.GetStats().MemoryHits == hits + 1;
            },
            $"'{key}' is held in the memory cache");
    }

    /// <summary>Makes the store subscribe and waits until it has: subscribing clears the memory cache once.</summary>
    internal static async Task SubscribedAsync(RedisCacheStore cache)
    {
        await cache.TryGetAsync<int>("subscribe", Ct);
        await cache.Subscribed.WaitAsync(TimeSpan.FromSeconds(30), Ct);
    }
}

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
    internal static async Task ConnectAsync(ICacheStore writer, ICacheStore listener)
    {
        await listener.GetAsync<int>("warm-up", Ct);
        var before = listener.GetStats().InvalidationsReceived;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (listener.GetStats().InvalidationsReceived == before)
        {
            Assert.True(DateTime.UtcNow < deadline, "The second instance never received the first one's invalidations.");
            await writer.SetAsync("warm-up", 1, cancellationToken: Ct);
            await Task.Delay(20, Ct);
        }
    }
}

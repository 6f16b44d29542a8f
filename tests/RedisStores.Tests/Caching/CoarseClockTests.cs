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
}

using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using RedisStores.Locking;

namespace RedisStores.Tests.Locking;

/// <summary>A release that could not reach the store can be tried again, and stops the renewal at once.</summary>
public sealed class LockReleaseRetryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_release_that_failed_is_sent_again_by_the_next_call()
    {
        var time = new FakeTimeProvider();
        var backend = new ManualLockBackend { ReleaseFailures = 1, AutoComplete = true };
        var engine = new LockEngine(backend, new RedisStoresOptions(), time, NullLogger.Instance);
        var handle = await engine.AcquireAsync("x", null, new LockOptions { Lease = TimeSpan.FromSeconds(3), ExtendInterval = TimeSpan.FromSeconds(1) }, Ct);

        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await handle.ReleaseAsync(Ct));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.Empty(backend.Extends); // the failed release stopped the renewal
        Assert.False(handle.IsLost);

        Assert.True(await handle.ReleaseAsync(Ct));
        Assert.Equal(2, backend.ReleaseCalls);

        Assert.False(await handle.ReleaseAsync(Ct)); // released: nothing more is sent
        Assert.Equal(2, backend.ReleaseCalls);
    }
}

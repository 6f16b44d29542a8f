using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using RedisStores.Locking;

namespace RedisStores.Tests.Locking;

/// <summary>
/// An explicit <see cref="IDistributedLockHandle.ExtendAsync"/> can be in flight beside the background renewal, and
/// their replies can be processed in either order. The handle's deadline must never end after the server's.
/// </summary>
public sealed class LockRenewalOrderTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_older_renewal_answering_last_does_not_move_the_deadline_past_the_server()
    {
        var time = new FakeTimeProvider();
        var backend = new ManualLockBackend();
        var engine = new LockEngine(backend, new RedisStoresOptions(), time, NullLogger.Instance);
        var handle = await engine.AcquireAsync("x", null, new LockOptions { Lease = TimeSpan.FromSeconds(30) }, Ct);

        time.Advance(TimeSpan.FromSeconds(10)); // the background renewal is sent, lease 30 s
        Assert.Single(backend.Extends);
        time.Advance(TimeSpan.FromSeconds(1));
        var extended = handle.ExtendAsync(TimeSpan.FromSeconds(1), Ct).AsTask(); // sent later, lease 1 s: the server's key ends at t=12
        Assert.Equal(2, backend.Extends.Count);

        backend.Extends[1].SetResult(true);
        Assert.True(await extended);
        backend.Extends[0].SetResult(true); // the older reply, processed last

        Assert.Equal(TimeSpan.FromSeconds(1), handle.Lease);
        time.Advance(TimeSpan.FromSeconds(1)); // t=12: the server's key is gone, and no later renewal has answered
        Assert.True(handle.IsLost);
    }

    [Fact]
    public async Task An_older_renewal_answering_first_does_not_keep_the_deadline_past_a_newer_shorter_lease()
    {
        var time = new FakeTimeProvider();
        var backend = new ManualLockBackend();
        var engine = new LockEngine(backend, new RedisStoresOptions(), time, NullLogger.Instance);
        var handle = await engine.AcquireAsync("x", null, new LockOptions { Lease = TimeSpan.FromSeconds(3), ExtendInterval = TimeSpan.FromSeconds(1) }, Ct);

        time.Advance(TimeSpan.FromSeconds(1)); // the background renewal is sent at t=1, lease 3 s
        var extended = handle.ExtendAsync(TimeSpan.FromMilliseconds(1500), Ct).AsTask(); // sent after it, lease 1.5 s: the server's key ends at t=2.5
        Assert.Equal(2, backend.Extends.Count);

        backend.Extends[0].SetResult(true); // the older reply, processed first, while the newer is still in flight
        Assert.Equal(TimeSpan.FromSeconds(3), handle.Lease);
        time.Advance(TimeSpan.FromSeconds(1)); // t=2
        Assert.False(handle.IsLost);
        time.Advance(TimeSpan.FromMilliseconds(500)); // t=2.5: the server's key may be gone, the newer renewal has not answered
        Assert.True(handle.IsLost);
        backend.Extends[1].SetResult(true);
        Assert.True(await extended);
    }
}

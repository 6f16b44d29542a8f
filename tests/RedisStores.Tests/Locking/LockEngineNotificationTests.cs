using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using RedisStores.Locking;

namespace RedisStores.Tests.Locking;

/// <summary>
/// The first acquisition of a service sends its attempt beside the subscription to release notifications. These tests
/// pin what that must not cost: a release that happened before the subscription was live is never waited for.
/// </summary>
public sealed class LockEngineNotificationTests
{
    [Fact]
    public async Task A_release_before_the_subscription_was_live_is_not_waited_for()
    {
        // The first attempt finds the lock held; the holder releases before notifications are live, so no signal will
        // come, and the clock never moves, so no poll or lease end will either. Only trying again once subscribed works.
        var backend = new ScriptedBackend(acquiredFrom: 2);
        var engine = Engine(backend);

        await using var handle = await engine.AcquireAsync("job", waitTimeout: null, options: null, TestContext.Current.CancellationToken)
            .AsTask().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(2, backend.Attempts);
        Assert.Equal(1, backend.Subscribed);
    }

    [Fact]
    public async Task A_free_lock_is_taken_without_waiting_for_the_subscription()
    {
        var backend = new ScriptedBackend(acquiredFrom: 1);
        var engine = Engine(backend);

        await using var handle = await engine.AcquireAsync("job", waitTimeout: null, options: null, TestContext.Current.CancellationToken)
            .AsTask().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(1, backend.Attempts);
        Assert.Equal(1, backend.Started);
        Assert.Equal(0, backend.Subscribed);
    }

    [Fact]
    public async Task A_zero_wait_on_a_held_lock_makes_one_attempt()
    {
        var backend = new ScriptedBackend(acquiredFrom: int.MaxValue);
        var engine = Engine(backend);

        var handle = await engine.TryAcquireAsync("job", TimeSpan.Zero, options: null, TestContext.Current.CancellationToken);

        Assert.Null(handle);
        Assert.Equal(1, backend.Attempts);
    }

    private static LockEngine Engine(LockBackend backend)
        => new(backend, new RedisStoresOptions { Locks = { PollInterval = TimeSpan.FromHours(1) } }, new FakeTimeProvider(), NullLogger.Instance);

    private sealed class ScriptedBackend(int acquiredFrom) : LockBackend
    {
        private bool _live;

        public int Attempts { get; private set; }

        public int Started { get; private set; }

        public int Subscribed { get; private set; }

        internal override bool NotificationsLive => _live;

        internal override void StartNotifications() => Started++;

        internal override ValueTask EnsureNotificationsAsync(CancellationToken cancellationToken)
        {
            Subscribed++;
            _live = true;
            return ValueTask.CompletedTask;
        }

        internal override ValueTask<Attempt> TryAcquireAsync(string name, object? prepared, long owner, TimeSpan lease, CancellationToken cancellationToken)
        {
            Attempts++;
            return ValueTask.FromResult(Attempts >= acquiredFrom ? new Attempt(true, Attempts, TimeSpan.Zero) : new Attempt(false, 0, TimeSpan.FromHours(1)));
        }

        internal override ValueTask<bool> ExtendAsync(string name, object? prepared, long owner, TimeSpan lease, CancellationToken cancellationToken) => ValueTask.FromResult(true);

        internal override ValueTask<bool> ReleaseAsync(string name, object? prepared, long owner, CancellationToken cancellationToken) => ValueTask.FromResult(true);
    }
}

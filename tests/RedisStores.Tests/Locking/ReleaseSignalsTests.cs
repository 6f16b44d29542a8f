using RedisStores.Locking;

namespace RedisStores.Tests.Locking;

/// <summary>The release signals a waiter registers for, and the version a first attempt reads instead of registering.</summary>
public sealed class ReleaseSignalsTests
{
    [Fact]
    public void A_signal_of_any_name_raises_the_version_so_an_attempt_before_it_tries_again()
    {
        var signals = new ReleaseSignals();
        var before = signals.Version;

        signals.Signal("nobody-waits-for-this");

        Assert.NotEqual(before, signals.Version);
        var afterOne = signals.Version;
        signals.SignalAll();
        Assert.NotEqual(afterOne, signals.Version);
    }

    [Fact]
    public void A_registered_waiter_is_woken_by_its_name_only()
    {
        var signals = new ReleaseSignals();
        var mine = signals.Register("a");

        signals.Signal("b");
        Assert.False(mine.IsCompleted);
        signals.Signal("a");

        Assert.True(mine.IsCompleted);
        signals.Unregister("a", mine);
    }
}

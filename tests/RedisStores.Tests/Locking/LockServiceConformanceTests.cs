using RedisStores.Locking;

namespace RedisStores.Tests.Locking;

/// <summary>
/// What every <see cref="IDistributedLockService"/> must do. Leases are real time here (a few hundred
/// milliseconds), because leases run in the background on both backends.
/// </summary>
public abstract class LockServiceConformanceTests
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly LockOptions s_noExtension = new() { Lease = TimeSpan.FromMilliseconds(400), AutoExtend = false };

    /// <summary>Services that share locks: two "instances" of one application (separate connections on Redis).</summary>
    protected abstract (IDistributedLockService First, IDistributedLockService Second) CreateServices(Action<RedisStoresOptions>? configure = null);

    protected static string NewName() => "lock-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task A_released_lock_can_be_acquired_by_another_instance()
    {
        var (a, b) = CreateServices();
        var name = NewName();

        var first = await a.AcquireAsync(name, cancellationToken: Ct);
        Assert.Null(await b.TryAcquireAsync(name, cancellationToken: Ct));
        Assert.True(await first.ReleaseAsync(Ct));
        await using var second = await b.TryAcquireAsync(name, cancellationToken: Ct);

        Assert.NotNull(second);
        Assert.Equal(name, second.Name);
        Assert.False(await first.ReleaseAsync(Ct));
    }

    [Fact]
    public async Task Disposing_the_handle_releases_the_lock()
    {
        var (a, b) = CreateServices();
        var name = NewName();
        await using (await a.AcquireAsync(name, cancellationToken: Ct))
        {
            Assert.Null(await b.TryAcquireAsync(name, cancellationToken: Ct));
        }

        await using var next = await b.TryAcquireAsync(name, cancellationToken: Ct);
        Assert.NotNull(next);
    }

    [Fact]
    public async Task Acquire_with_a_timeout_throws_a_typed_exception_when_the_lock_stays_held()
    {
        var (a, b) = CreateServices();
        var name = NewName();
        await using var held = await a.AcquireAsync(name, cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<LockTimeoutException>(() => b.AcquireAsync(name, TimeSpan.FromMilliseconds(200), cancellationToken: Ct).AsTask());

        Assert.Equal(name, error.Name);
        Assert.False(held.IsLost);
    }

    [Fact]
    public async Task Many_contenders_never_overlap()
    {
        var (a, b) = CreateServices();
        var name = NewName();
        var inside = 0;
        var overlaps = 0;
        var entries = 0;

        await Task.WhenAll(Enumerable.Range(0, 16).Select(async worker =>
        {
            var service = worker % 2 == 0 ? a : b;
            for (var i = 0; i < 8; i++)
            {
                await using var handle = await service.AcquireAsync(name, TimeSpan.FromSeconds(60), cancellationToken: Ct);
                if (Interlocked.Increment(ref inside) != 1)
                {
                    Interlocked.Increment(ref overlaps);
                }

                await Task.Yield();
                entries++;
                Interlocked.Decrement(ref inside);
            }
        }));

        Assert.Equal(0, overlaps);
        Assert.Equal(16 * 8, entries);
    }

    [Fact]
    public async Task Fencing_tokens_rise_strictly_with_every_grant_across_instances()
    {
        var (a, b) = CreateServices();
        var name = NewName();
        var tokens = new List<long>();

        for (var i = 0; i < 10; i++)
        {
            await using var handle = await (i % 2 == 0 ? a : b).AcquireAsync(name, TimeSpan.FromSeconds(10), cancellationToken: Ct);
            tokens.Add(handle.FencingToken);
        }

        Assert.All(tokens.Zip(tokens.Skip(1)), pair => Assert.True(pair.Second > pair.First, $"token {pair.Second} followed {pair.First}"));
    }

    [Fact]
    public async Task A_holder_that_stops_extending_is_taken_over_and_its_release_and_extend_leave_the_new_holder_alone()
    {
        var (a, b) = CreateServices();
        var name = NewName();
        var stale = await a.AcquireAsync(name, options: s_noExtension, cancellationToken: Ct);

        await using var next = await b.AcquireAsync(name, TimeSpan.FromSeconds(10), cancellationToken: Ct);
        await WaitUntilAsync(() => stale.IsLost);

        Assert.True(stale.HandleLostToken.IsCancellationRequested);
        Assert.True(next.FencingToken > stale.FencingToken);
        Assert.False(await stale.ExtendAsync(cancellationToken: Ct));
        Assert.False(await stale.ReleaseAsync(Ct));
        await stale.DisposeAsync();
        Assert.Null(await a.TryAcquireAsync(name, cancellationToken: Ct));
        Assert.False(next.IsLost);
    }

    [Fact]
    public async Task Automatic_extension_keeps_the_lock_past_its_lease()
    {
        var (a, b) = CreateServices();
        var name = NewName();
        // Renewals every 333 ms against a 1 s lease: a loaded machine has two-thirds of a second of slack.
        await using var held = await a.AcquireAsync(name, options: new LockOptions { Lease = TimeSpan.FromSeconds(1) }, cancellationToken: Ct);

        await Task.Delay(TimeSpan.FromSeconds(2.5), Ct);

        Assert.False(held.IsLost);
        Assert.Null(await b.TryAcquireAsync(name, cancellationToken: Ct));
    }

    [Fact]
    public async Task The_lost_signal_fires_when_the_lease_runs_out_without_extension()
    {
        var (a, b) = CreateServices();
        var name = NewName();
        var held = await a.AcquireAsync(name, options: s_noExtension, cancellationToken: Ct);
        var fired = new TaskCompletionSource();
        using var registration = held.HandleLostToken.Register(() => fired.TrySetResult());

        await fired.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);

        Assert.True(held.IsLost);
        await held.ReleaseAsync(Ct); // owner-checked: frees the key if the server still has it, touches nothing else
        Assert.True(held.IsLost);
        await using var next = await b.AcquireAsync(name, TimeSpan.FromSeconds(10), cancellationToken: Ct);
        Assert.NotNull(next);
    }

    [Fact]
    public async Task An_explicit_extension_renews_the_lease_and_can_change_it()
    {
        var (a, b) = CreateServices();
        var name = NewName();
        await using var held = await a.AcquireAsync(name, options: new LockOptions { Lease = TimeSpan.FromSeconds(2), AutoExtend = false }, cancellationToken: Ct);

        Assert.True(await held.ExtendAsync(TimeSpan.FromSeconds(30), Ct));
        await Task.Delay(TimeSpan.FromSeconds(2.5), Ct);

        Assert.Equal(TimeSpan.FromSeconds(30), held.Lease);
        Assert.False(held.IsLost);
        Assert.Null(await b.TryAcquireAsync(name, cancellationToken: Ct));
    }

    [Fact]
    public async Task Disposing_a_handle_twice_or_at_once_is_harmless()
    {
        var (a, b) = CreateServices();
        var name = NewName();
        var held = await a.AcquireAsync(name, cancellationToken: Ct);

        await Task.WhenAll(held.DisposeAsync().AsTask(), held.DisposeAsync().AsTask());
        await held.DisposeAsync();

        await using var next = await b.TryAcquireAsync(name, cancellationToken: Ct);
        Assert.NotNull(next);
    }

    [Fact]
    public async Task Shortening_the_lease_moves_the_lost_signal_forward()
    {
        var (a, _) = CreateServices();
        var held = await a.AcquireAsync(NewName(), options: new LockOptions { Lease = TimeSpan.FromMinutes(5), AutoExtend = false }, cancellationToken: Ct);

        Assert.True(await held.ExtendAsync(TimeSpan.FromMilliseconds(300), Ct));

        // Without the reschedule the signal would come five minutes later.
        await Task.Delay(Timeout.Infinite, held.HandleLostToken).ContinueWith(_ => { }, Ct).WaitAsync(TimeSpan.FromSeconds(20), Ct);
        Assert.True(held.IsLost);
    }

    [Fact]
    public async Task A_release_cancelled_before_it_starts_keeps_the_lock_held_and_releasable()
    {
        var (a, b) = CreateServices();
        var name = NewName();
        var held = await a.AcquireAsync(name, cancellationToken: Ct);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => held.ReleaseAsync(cancelled.Token).AsTask());

        Assert.Null(await b.TryAcquireAsync(name, cancellationToken: Ct));
        Assert.True(await held.ReleaseAsync(Ct));
        await using var next = await b.TryAcquireAsync(name, cancellationToken: Ct);
        Assert.NotNull(next);
    }

    [Fact]
    public async Task A_waiter_is_woken_by_the_release_not_by_polling()
    {
        // Polling once an hour: only the release notification can hand the lock over within the test.
        var (a, b) = CreateServices(o => o.Locks.PollInterval = TimeSpan.FromHours(1));
        var name = NewName();
        var held = await a.AcquireAsync(name, options: new LockOptions { Lease = TimeSpan.FromMinutes(10) }, cancellationToken: Ct);
        var waiting = b.AcquireAsync(name, TimeSpan.FromMinutes(5), cancellationToken: Ct).AsTask();
        await Task.Delay(200, Ct);
        Assert.False(waiting.IsCompleted);

        await held.ReleaseAsync(Ct);

        await using var next = await waiting.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.True(next.FencingToken > held.FencingToken);
    }

    [Fact]
    public async Task Cancelling_a_wait_stops_it_and_leaves_the_holder_alone()
    {
        var (a, b) = CreateServices();
        var name = NewName();
        await using var held = await a.AcquireAsync(name, cancellationToken: Ct);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var waiting = b.AcquireAsync(name, cancellationToken: cancel.Token).AsTask();

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(30), Ct));
        Assert.False(held.IsLost);
        Assert.Null(await b.TryAcquireAsync(name, cancellationToken: Ct));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a:b")]
    [InlineData("a*")]
    [InlineData("{x}")]
    public async Task Names_outside_the_id_rule_are_refused(string name)
    {
        var (a, _) = CreateServices();
        await Assert.ThrowsAsync<ArgumentException>(() => a.TryAcquireAsync(name, cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentNullException>(() => a.TryAcquireAsync(null!, cancellationToken: Ct).AsTask());
    }

    [Fact]
    public async Task Out_of_range_leases_intervals_and_timeouts_are_refused()
    {
        var (a, _) = CreateServices();
        var name = NewName();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => a.TryAcquireAsync(name, options: new LockOptions { Lease = TimeSpan.FromMilliseconds(1) }, cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => a.TryAcquireAsync(name, options: new LockOptions { Lease = TimeSpan.FromSeconds(1), ExtendInterval = TimeSpan.FromSeconds(2) }, cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => a.TryAcquireAsync(name, TimeSpan.FromSeconds(-1), cancellationToken: Ct).AsTask());
        await using var held = await a.AcquireAsync(name, cancellationToken: Ct);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => held.ExtendAsync(TimeSpan.Zero, Ct).AsTask());
    }

    [Fact]
    public async Task The_default_lease_comes_from_the_lock_timeout_option()
    {
        var (a, _) = CreateServices(o => o.LockTimeout = TimeSpan.FromSeconds(7));
        await using var held = await a.AcquireAsync(NewName(), cancellationToken: Ct);
        Assert.Equal(TimeSpan.FromSeconds(7), held.Lease);
    }

    [Fact]
    public async Task Locks_held_at_once_are_each_extended_or_lost_on_their_own_schedule()
    {
        // One service renews and watches all its handles together: each keeps its own lease and interval.
        var (a, b) = CreateServices();
        var names = Enumerable.Range(0, 6).Select(_ => NewName()).ToArray();
        var extended = new List<IDistributedLockHandle>();
        var unextended = new List<IDistributedLockHandle>();
        for (var i = 0; i < 3; i++)
        {
            extended.Add(await a.AcquireAsync(names[i], options: new LockOptions { Lease = TimeSpan.FromSeconds(1 + i) }, cancellationToken: Ct));
            unextended.Add(await a.AcquireAsync(names[3 + i], options: s_noExtension with { Lease = TimeSpan.FromMilliseconds(300 + (100 * i)) }, cancellationToken: Ct));
        }

        await WaitUntilAsync(() => unextended.All(h => h.IsLost));
        await Task.Delay(TimeSpan.FromSeconds(2.5), Ct);

        Assert.All(unextended, h => Assert.True(h.HandleLostToken.IsCancellationRequested));
        foreach (var (held, name) in extended.Zip(names))
        {
            Assert.False(held.IsLost);
            Assert.Null(await b.TryAcquireAsync(name, cancellationToken: Ct));
            Assert.True(await held.ReleaseAsync(Ct));
        }
    }

    [Fact]
    public async Task A_released_handle_is_neither_renewed_nor_reported_lost()
    {
        var (a, b) = CreateServices();
        var name = NewName();
        var held = await a.AcquireAsync(name, options: s_noExtension, cancellationToken: Ct);
        var token = held.HandleLostToken;
        Assert.True(await held.ReleaseAsync(Ct));

        // Past the lease it would have had: nothing fires, and the next holder is untouched.
        await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        await using var next = await b.AcquireAsync(name, TimeSpan.FromSeconds(10), cancellationToken: Ct);
        Assert.False(held.IsLost);
        Assert.False(token.IsCancellationRequested);
        Assert.False(held.HandleLostToken.IsCancellationRequested);
        Assert.False(await held.ExtendAsync(cancellationToken: Ct));
        Assert.False(next.IsLost);
    }

    [Fact]
    public async Task The_lost_token_taken_only_after_the_loss_is_already_cancelled()
    {
        var (a, _) = CreateServices();
        var held = await a.AcquireAsync(NewName(), options: s_noExtension, cancellationToken: Ct);

        await WaitUntilAsync(() => held.IsLost);

        Assert.True(held.HandleLostToken.IsCancellationRequested);
        await held.DisposeAsync();
    }

    protected static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not become true within 15 s.");
            await Task.Delay(20, Ct);
        }
    }
}

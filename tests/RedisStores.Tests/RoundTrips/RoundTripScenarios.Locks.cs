using RedisStores.Locking;

namespace RedisStores.Tests.RoundTrips;

internal static partial class RoundTripScenarios
{
    private static readonly Section LockSection = new("Locks", typeof(IDistributedLockService), nameof(RedisDistributedLockService), typeof(IDistributedLockHandle));

    private static IEnumerable<Scenario> LockRows()
    {
        static Scenario Row(string method, string state, Func<Scope, Meter, Task> run) => new(LockSection, typeof(IDistributedLockService), method, state, run);
        static Scenario HandleRow(string method, string state, Func<Scope, Meter, Task> run) => new(LockSection, typeof(IDistributedLockHandle), method, state, run);

        static async Task<IDistributedLockHandle> HeldAsync(Scope s)
            => s.Own(await (await s.LocksAsync()).AcquireAsync(s.Id("lock")));

        yield return Row(nameof(IDistributedLockService.AcquireAsync), "a lock nobody holds", async (s, m) =>
        {
            var locks = await s.LocksAsync();
            s.Own(await m.MeasureAsync(() => locks.AcquireAsync(s.Id("lock")).AsTask()));
        }) with { Notes = "Renewals run in the background, one script each, every third of the lease." };

        yield return Row(nameof(IDistributedLockService.AcquireAsync), "the first call of a service, a lock nobody holds", async (s, m) =>
        {
            var locks = s.NewLockService();
            s.Own(await m.MeasureAsync(() => locks.AcquireAsync(s.Id("lock")).AsTask()));
        }) with { Notes = "The first call of a service subscribes to release notifications beside its first attempt; only a failed attempt waits for the subscription, then tries again before it sleeps." };

        yield return Row(nameof(IDistributedLockService.AcquireAsync), "a lock another instance holds and releases while it waits", async (s, m) =>
        {
            var locks = await s.LocksAsync();
            var name = s.Id("lock");
            var held = s.Own(await (await s.OtherLocksAsync()).AcquireAsync(name));
            s.Own(await m.MeasureAsync(
                () => locks.AcquireAsync(name, TimeSpan.FromMinutes(1)).AsTask(),
                meanwhile: async () =>
                {
                    await m.UntilCompletedAsync(1);
                    await held.ReleaseAsync();
                }));
        }) with
        {
            Exception = "it waits: one attempt, then one more per release notification or poll (here one).",
            Notes = "Redis commands include the other instance's release, which publishes because a waiter raised the flag.",
        };

        yield return Row(nameof(IDistributedLockService.TryAcquireAsync), "a lock nobody holds", async (s, m) =>
        {
            var locks = await s.LocksAsync();
            var handle = await m.MeasureAsync(() => locks.TryAcquireAsync(s.Id("lock")).AsTask());
            s.Own(handle!);
        });

        yield return Row(nameof(IDistributedLockService.TryAcquireAsync), "a lock another instance holds, no wait", async (s, m) =>
        {
            var locks = await s.LocksAsync();
            var name = s.Id("lock");
            s.Own(await (await s.OtherLocksAsync()).AcquireAsync(name));
            await m.MeasureAsync(() => locks.TryAcquireAsync(name).AsTask());
        }) with { Notes = "The failed attempt raises the waiters flag, so the holder's release will publish." };

        yield return HandleRow(nameof(IDistributedLockHandle.ExtendAsync), "a held lock", async (s, m) =>
        {
            var handle = await HeldAsync(s);
            await m.MeasureAsync(() => handle.ExtendAsync(TimeSpan.FromMinutes(1)).AsTask());
        });

        yield return HandleRow(nameof(IDistributedLockHandle.ReleaseAsync), "a held lock nobody waits for", async (s, m) =>
        {
            var handle = await HeldAsync(s);
            await m.MeasureAsync(() => handle.ReleaseAsync().AsTask());
        });

        yield return HandleRow(nameof(IDistributedLockHandle.ReleaseAsync), "a held lock another instance failed to take", async (s, m) =>
        {
            var handle = await HeldAsync(s);
            Assert.Null(await (await s.OtherLocksAsync()).TryAcquireAsync(handle.Name));
            await m.MeasureAsync(() => handle.ReleaseAsync().AsTask());
        }) with { Notes = "Publishes the release, since the waiters flag is up: on a cluster PUBLISH reaches every node, so only then." };

        yield return HandleRow(nameof(IAsyncDisposable.DisposeAsync), "a held lock nobody waits for", async (s, m) =>
        {
            var handle = await HeldAsync(s);
            await m.MeasureAsync(() => handle.DisposeAsync().AsTask());
        }) with { Notes = "Releases the lock." };
    }
}

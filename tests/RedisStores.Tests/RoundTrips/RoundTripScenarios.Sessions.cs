using RedisStores.Sessions;

namespace RedisStores.Tests.RoundTrips;

internal static partial class RoundTripScenarios
{
    private static readonly Section SessionSection = new("Session store", typeof(ISessionStore), nameof(RedisSessionStore));

    private static IEnumerable<Scenario> SessionRows()
    {
        static Scenario Row(string method, string state, Func<Scope, Meter, Task> run) => new(SessionSection, typeof(ISessionStore), method, state, run);

        static async Task<(RedisSessionStore Store, string Id)> WithSessionAsync(Scope s)
        {
            var sessions = await s.SessionsAsync();
            var id = s.Id("s");
            await sessions.SetAsync(id, Cart.Sample);
            return (sessions, id);
        }

        yield return Row(nameof(ISessionStore.GetAsync), "a session of 3 fields", async (s, m) =>
        {
            var (sessions, id) = await WithSessionAsync(s);
            await m.MeasureAsync(() => sessions.GetAsync<Cart>(id).AsTask());
        });

        yield return Row(nameof(ISessionStore.SetAsync), "a new session of 3 fields", async (s, m) =>
        {
            var sessions = await s.SessionsAsync();
            await m.MeasureAsync(() => sessions.SetAsync(s.Id("s"), Cart.Sample).AsTask());
        });

        yield return Row(nameof(ISessionStore.SetAsync), "an existing session of 3 fields, replaced at its version", async (s, m) =>
        {
            var sessions = await s.SessionsAsync();
            var id = s.Id("s");
            var version = await sessions.SetAsync(id, Cart.Sample);
            await m.MeasureAsync(() => sessions.SetAsync(id, Cart.Sample with { Owner = "grace" }, new SessionWriteOptions { ExpectedVersion = version }).AsTask());
        });

        yield return Row(nameof(ISessionStore.DeleteAsync), "an existing session", async (s, m) =>
        {
            var (sessions, id) = await WithSessionAsync(s);
            await m.MeasureAsync(() => sessions.DeleteAsync(id).AsTask());
        });

        yield return Row(nameof(ISessionStore.ExtendAsync), "an existing session", async (s, m) =>
        {
            var (sessions, id) = await WithSessionAsync(s);
            await m.MeasureAsync(() => sessions.ExtendAsync(id, TimeSpan.FromHours(2)).AsTask());
        });

        yield return Row(nameof(ISessionStore.GetTimeToLiveAsync), "an existing session", async (s, m) =>
        {
            var (sessions, id) = await WithSessionAsync(s);
            await m.MeasureAsync(() => sessions.GetTimeToLiveAsync(id).AsTask());
        });

        yield return Row(nameof(ISessionStore.GetFieldAsync), "one field of a session of 3", async (s, m) =>
        {
            var (sessions, id) = await WithSessionAsync(s);
            await m.MeasureAsync(() => sessions.GetFieldAsync<string>(id, "owner").AsTask());
        });

        yield return Row(nameof(ISessionStore.SetFieldAsync), "one field of a session of 3, at its version", async (s, m) =>
        {
            var sessions = await s.SessionsAsync();
            var id = s.Id("s");
            var version = await sessions.SetAsync(id, Cart.Sample);
            await m.MeasureAsync(() => sessions.SetFieldAsync(id, "items", new[] { "book", "lamp" }, version).AsTask());
        });

        yield return Row(nameof(ISessionStore.RemoveFieldAsync), "one field of a session of 3", async (s, m) =>
        {
            var (sessions, id) = await WithSessionAsync(s);
            await m.MeasureAsync(() => sessions.RemoveFieldAsync(id, "coupon").AsTask());
        });

        yield return Row(nameof(ISessionStore.ListAsync), "the first page, 3 sessions", async (s, m) =>
        {
            var sessions = await s.SessionsAsync();
            for (var i = 0; i < 3; i++)
            {
                await sessions.SetAsync(s.Id("s"), Cart.Sample);
            }

            await m.MeasureAsync(() => sessions.ListAsync().AsTask());
        }) with { SingleEntity = false, Notes = "Server commands grow with the page: one read per session listed, plus the pruning of expired index entries." };

        yield return Row(nameof(ISessionStore.CountAsync), "3 sessions", async (s, m) =>
        {
            var sessions = await s.SessionsAsync();
            for (var i = 0; i < 3; i++)
            {
                await sessions.SetAsync(s.Id("s"), Cart.Sample);
            }

            await m.MeasureAsync(() => sessions.CountAsync().AsTask());
        }) with { SingleEntity = false };

        yield return Row(nameof(ISessionStore.AcquireLockAsync), "a session lock nobody holds", async (s, m) =>
        {
            var (sessions, id) = await WithSessionAsync(s);
            s.Own(await m.MeasureAsync(() => sessions.AcquireLockAsync(id).AsTask()));
        }) with { Notes = "A lock of the lock service; see its table for waiting and the first call." };

        yield return Row(nameof(ISessionStore.TryAcquireLockAsync), "a session lock nobody holds", async (s, m) =>
        {
            var (sessions, id) = await WithSessionAsync(s);
            var handle = await m.MeasureAsync(() => sessions.TryAcquireLockAsync(id).AsTask());
            s.Own(handle!);
        });

        yield return Row(nameof(ISessionStore.AppendEventAsync), "a session with 3 events", async (s, m) =>
        {
            var (sessions, id) = await WithSessionAsync(s);
            for (var i = 0; i < 3; i++)
            {
                await sessions.AppendEventAsync(id, new CartEvent("added", i));
            }

            await m.MeasureAsync(() => sessions.AppendEventAsync(id, new CartEvent("removed", 0)).AsTask());
        }) with { Notes = "The script also trims the log to its cap and publishes the event." };

        yield return Row(nameof(ISessionStore.GetLastEventsAsync), "the last 3 of 5 events", async (s, m) =>
        {
            var (sessions, id) = await WithSessionAsync(s);
            for (var i = 0; i < 5; i++)
            {
                await sessions.AppendEventAsync(id, new CartEvent("added", i));
            }

            await m.MeasureAsync(() => sessions.GetLastEventsAsync<CartEvent>(id, 3).AsTask());
        });

        yield return Row(nameof(ISessionStore.GetEventsAsync), "5 events, from the second", async (s, m) =>
        {
            var (sessions, id) = await WithSessionAsync(s);
            for (var i = 0; i < 5; i++)
            {
                await sessions.AppendEventAsync(id, new CartEvent("added", i));
            }

            await m.MeasureAsync(() => sessions.GetEventsAsync<CartEvent>(id, 2).AsTask());
        });
    }

    /// <summary>A session of three top-level fields.</summary>
    internal sealed record Cart(string Owner, string[] Items, string? Coupon)
    {
        internal static Cart Sample { get; } = new("ada", ["book"], "WINTER");
    }

    internal sealed record CartEvent(string Kind, int Index);
}

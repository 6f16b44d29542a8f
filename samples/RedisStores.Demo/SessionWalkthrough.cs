using RedisStores.Sessions;

/// <summary>A user's session shared by the instances of a web app: data, fields, versions, events and its lock.</summary>
internal static class SessionWalkthrough
{
    public static async Task RunAsync(ISessionStore sessions)
    {
        Console.WriteLine();
        Console.WriteLine("== Session store ==");
        var id = "demo-" + Guid.NewGuid().ToString("N")[..8];

        var first = await sessions.SetAsync(id, new Cart("ada", ["book"]), new SessionWriteOptions { Ttl = TimeSpan.FromMinutes(30), Sliding = true });
        Console.WriteLine($"1. session {id} written: version {first}, sliding 30 min TTL");

        var version = await sessions.SetFieldAsync(id, "items", new[] { "book", "lamp" }, expectedVersion: first);
        Console.WriteLine($"2. one field written, the rest untouched: version {version}");

        try
        {
            // Another instance still holds the first version it read.
            await sessions.SetFieldAsync(id, "items", Array.Empty<string>(), expectedVersion: first);
        }
        catch (VersionConflictException ex)
        {
            Console.WriteLine($"3. a stale write is refused, not lost: {ex.Message}");
        }

        var cart = await sessions.GetAsync<Cart>(id);
        Console.WriteLine($"4. read back: {cart!.Data.User} has {string.Join(", ", cart.Data.Items)} (version {cart.Version})");

        await sessions.AppendEventAsync(id, new { action = "viewed", page = "/lamps" });
        await sessions.AppendEventAsync(id, new { action = "added", item = "lamp" });
        var events = await sessions.GetLastEventsAsync<Dictionary<string, string>>(id, 10);
        Console.WriteLine($"5. event log: {string.Join(" → ", events.Select(e => $"#{e.Sequence} {e.Data["action"]}"))}");

        await using (var held = await sessions.AcquireLockAsync(id, TimeSpan.FromSeconds(5)))
        {
            Console.WriteLine($"6. session locked (fencing token {held.FencingToken}); another try gets: {(await sessions.TryAcquireLockAsync(id) is null ? "nothing, as it should" : "the lock?!")}");
        }

        Console.WriteLine($"7. {await sessions.CountAsync()} live session(s), {(await sessions.GetTimeToLiveAsync(id))!.Value.TotalMinutes:0} min left on this one");
        await sessions.DeleteAsync(id);
        Console.WriteLine($"8. deleted; now {(await sessions.GetAsync<Cart>(id) is null ? "gone" : "still there")}");
    }

    private sealed record Cart(string User, string[] Items);
}

using System.Globalization;
using RedisStores.Caching;

/// <summary>A cache shared by a service's instances: typed values, get-or-set without a stampede, namespaces, batches and stats.</summary>
internal static class CacheWalkthrough
{
    public static async Task RunAsync(ICacheStore cache)
    {
        Console.WriteLine();
        Console.WriteLine("== Cache store ==");

        // Keys of this run only, so runs against one Redis do not see each other's values.
        var run = Guid.NewGuid().ToString("N")[..8];
        var profileKey = $"demo:{run}:user:42";

        await cache.SetAsync(profileKey, new UserProfile("Ada", "en-GB", 3), new CacheEntryOptions { Ttl = TimeSpan.FromMinutes(10) });
        var profile = await cache.GetAsync<UserProfile>(profileKey);
        Console.WriteLine($"1. {profileKey} cached for 10 min and read back typed: {profile}");

        // Eight requests want the same missing report at once: one of them makes it, the others wait for its value.
        var reportKey = $"demo:{run}:report:daily";
        var factoryRuns = 0;
        var readers = Enumerable.Range(0, 8).Select(_ => cache.GetOrSetAsync(reportKey, async token =>
        {
            Interlocked.Increment(ref factoryRuns);
            await Task.Delay(TimeSpan.FromMilliseconds(200), token); // a slow query
            return new DailyReport(Orders: 1_204, Revenue: 48_310.50m);
        }).AsTask());
        var reports = await Task.WhenAll(readers);
        Console.WriteLine($"2. {reports.Length} concurrent get-or-set calls, factory ran {factoryRuns} time(s); all got {reports.Distinct().Single()}");

        // Everything about one catalog version lives in a namespace, emptied in one step when the catalog changes.
        var catalog = cache.WithNamespace($"demo-{run}-catalog");
        await catalog.SetAsync("product:1", "Lamp");
        await catalog.SetAsync("product:2", "Desk");
        Console.WriteLine($"3. namespace '{catalog.NamespaceName}' holds product:1 = {await catalog.GetAsync<string>("product:1")}, product:2 = {await catalog.GetAsync<string>("product:2")}");
        await cache.InvalidateNamespaceAsync(catalog.NamespaceName!);
        var afterInvalidation = await catalog.TryGetAsync<string>("product:1");
        Console.WriteLine($"4. namespace invalidated: product:1 is {(afterInvalidation.HasValue ? "still there" : "gone")}, and so is every other key in it");

        var prices = Enumerable.Range(1, 5).ToDictionary(i => $"demo:{run}:price:{i}", i => 9.99m * i);
        await cache.SetManyAsync(prices, new CacheEntryOptions { Ttl = TimeSpan.FromMinutes(5) });
        string[] wanted = [.. prices.Keys, $"demo:{run}:price:404"];
        var found = await cache.GetManyAsync<decimal>(wanted);
        Console.WriteLine($"5. {prices.Count} prices written by one call; one read of {wanted.Length} keys finds {found.Count}: {string.Join(", ", found.Values.Select(p => p.ToString("0.00", CultureInfo.InvariantCulture)))}");

        var stats = cache.GetStats();
        Console.WriteLine($"6. this instance's stats: hits from memory {stats.MemoryHits}, from Redis {stats.RedisHits}, misses {stats.Misses}, hit rate {stats.HitRate.ToString("P0", CultureInfo.InvariantCulture)}; {stats.Sets} sets, {stats.FactoryRuns} factory run(s), {stats.MemoryCacheCount} of {stats.MemoryCacheCapacity} memory entries used");

        await cache.RemoveAsync(profileKey);
        await cache.RemoveAsync(reportKey);
        Console.WriteLine($"7. removed; {profileKey} is now {((await cache.TryGetAsync<UserProfile>(profileKey)).HasValue ? "still there" : "gone")}");
    }

    private sealed record UserProfile(string Name, string Locale, int Visits);

    private sealed record DailyReport(int Orders, decimal Revenue);
}

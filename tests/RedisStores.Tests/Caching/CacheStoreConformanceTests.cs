using System.Text.Json;
using System.Text.Json.Serialization;
using RedisStores.Caching;
using RedisStores.Serialization;

namespace RedisStores.Tests.Caching;

/// <summary>What every <see cref="ICacheStore"/> must do, in memory and on Redis alike.</summary>
public abstract class CacheStoreConformanceTests : StoreConformanceTests<ICacheStore>
{
    public sealed record Product(string Name, decimal Price, List<string> Tags);

    /// <summary>A store with a serializer of the test's choosing.</summary>
    protected abstract ICacheStore CreateStore(RedisStoresOptions options, IStoreSerializer? serializer);

    protected override ICacheStore CreateStore(RedisStoresOptions options) => CreateStore(options, null);

    private static Product Apple(decimal price = 1.5m) => new("apple", price, ["fruit", "red"]);

    [Fact]
    public async Task A_value_is_written_and_read_back_typed()
    {
        var cache = CreateStore();
        await cache.SetAsync("product:1", Apple(), cancellationToken: Ct);

        var read = await cache.GetAsync<Product>("product:1", Ct);

        Assert.NotNull(read);
        Assert.Equal("apple", read.Name);
        Assert.Equal(1.5m, read.Price);
        Assert.Equal(["fruit", "red"], read.Tags);
    }

    [Fact]
    public async Task A_missing_key_reads_as_default_and_try_get_says_there_is_no_value()
    {
        var cache = CreateStore();

        Assert.Null(await cache.GetAsync<Product>("nothing", Ct));
        Assert.Equal(0, await cache.GetAsync<int>("nothing", Ct));
        var result = await cache.TryGetAsync<int>("nothing", Ct);
        Assert.False(result.HasValue);
        Assert.Throws<InvalidOperationException>(() => result.Value);
        Assert.Equal(7, result.GetValueOrDefault(7));
    }

    [Fact]
    public async Task A_cached_null_or_zero_is_told_apart_from_a_miss()
    {
        var cache = CreateStore();
        await cache.SetAsync<string?>("null", null, cancellationToken: Ct);
        await cache.SetAsync("zero", 0, cancellationToken: Ct);

        var nullValue = await cache.TryGetAsync<string?>("null", Ct);
        var zero = await cache.TryGetAsync<int>("zero", Ct);

        Assert.True(nullValue.HasValue);
        Assert.Null(nullValue.Value);
        Assert.True(zero.HasValue);
        Assert.Equal(0, zero.Value);
    }

    [Fact]
    public async Task A_write_replaces_the_value_and_a_remove_deletes_it()
    {
        var cache = CreateStore();
        await cache.SetAsync("k", "first", cancellationToken: Ct);
        await cache.SetAsync("k", "second", cancellationToken: Ct);
        Assert.Equal("second", await cache.GetAsync<string>("k", Ct));

        await cache.RemoveAsync("k", Ct);
        Assert.False((await cache.TryGetAsync<string>("k", Ct)).HasValue);
        await cache.RemoveAsync("k", Ct); // removing what is not there does nothing
    }

    [Fact]
    public async Task An_entry_lives_for_its_own_ttl()
    {
        var cache = CreateStore();
        await cache.SetAsync("short", "s", new CacheEntryOptions { Ttl = TimeSpan.FromMilliseconds(400) }, Ct);
        await cache.SetAsync("long", "l", new CacheEntryOptions { Ttl = TimeSpan.FromMinutes(10) }, Ct);

        await LetTimePassAsync(TimeSpan.FromMilliseconds(900));

        Assert.False((await cache.TryGetAsync<string>("short", Ct)).HasValue);
        Assert.Equal("l", await cache.GetAsync<string>("long", Ct));
    }

    [Fact]
    public async Task Without_a_ttl_an_entry_lives_for_the_cache_default_else_the_store_wide_default()
    {
        var cacheDefault = CreateStore(o =>
        {
            o.DefaultTtl = TimeSpan.FromHours(1);
            o.Cache.DefaultTtl = TimeSpan.FromMilliseconds(500);
        });
        var storeDefault = CreateStore(o => o.DefaultTtl = TimeSpan.FromSeconds(2));
        await cacheDefault.SetAsync("a", 1, cancellationToken: Ct);
        await storeDefault.SetAsync("b", 2, cancellationToken: Ct);

        await LetTimePassAsync(TimeSpan.FromMilliseconds(1200));
        Assert.False((await cacheDefault.TryGetAsync<int>("a", Ct)).HasValue);
        Assert.Equal(2, await storeDefault.GetAsync<int>("b", Ct));

        await LetTimePassAsync(TimeSpan.FromMilliseconds(1600));
        Assert.False((await storeDefault.TryGetAsync<int>("b", Ct)).HasValue);
    }

    [Fact]
    public async Task Changing_an_object_read_from_the_cache_does_not_change_the_cache()
    {
        var cache = CreateStore();
        await cache.SetAsync("p", Apple(), cancellationToken: Ct);

        var first = await cache.GetAsync<Product>("p", Ct);
        first!.Tags.Add("changed");
        var second = await cache.GetAsync<Product>("p", Ct);

        Assert.Equal(["fruit", "red"], second!.Tags);
    }

    [Fact]
    public async Task Namespaces_hold_keys_apart_from_each_other_and_from_the_store()
    {
        var cache = CreateStore();
        var users = cache.WithNamespace("users");
        var orders = cache.WithNamespace("orders:eu");

        await cache.SetAsync("k", "root", cancellationToken: Ct);
        await users.SetAsync("k", "users", cancellationToken: Ct);
        await orders.SetAsync("k", "orders", cancellationToken: Ct);

        Assert.Null(cache.NamespaceName);
        Assert.Equal("users", users.NamespaceName);
        Assert.Equal("orders:eu", users.WithNamespace("orders:eu").NamespaceName);
        Assert.Equal("root", await cache.GetAsync<string>("k", Ct));
        Assert.Equal("users", await users.GetAsync<string>("k", Ct));
        Assert.Equal("orders", await orders.GetAsync<string>("k", Ct));

        await users.RemoveAsync("k", Ct);
        Assert.Null(await users.GetAsync<string>("k", Ct));
        Assert.Equal("root", await cache.GetAsync<string>("k", Ct));
    }

    [Fact]
    public async Task Invalidating_a_namespace_empties_it_and_touches_nothing_else()
    {
        var cache = CreateStore();
        var users = cache.WithNamespace("users");
        var other = cache.WithNamespace("others");
        for (var i = 0; i < 20; i++)
        {
            await users.SetAsync($"u{i}", i, cancellationToken: Ct);
            await other.SetAsync($"u{i}", i, cancellationToken: Ct);
        }

        await cache.SetAsync("u1", -1, cancellationToken: Ct);
        Assert.Equal(5, await users.GetAsync<int>("u5", Ct)); // read once, so a memory cache holds it too

        await cache.InvalidateNamespaceAsync("users", Ct);

        Assert.Empty(await users.GetManyAsync<int>(Enumerable.Range(0, 20).Select(i => $"u{i}"), Ct));
        Assert.False((await users.TryGetAsync<int>("u5", Ct)).HasValue);
        Assert.Equal(20, (await other.GetManyAsync<int>(Enumerable.Range(0, 20).Select(i => $"u{i}"), Ct)).Count);
        Assert.Equal(-1, await cache.GetAsync<int>("u1", Ct));

        // The namespace is usable again at once, and invalidating an unknown namespace does nothing.
        await users.SetAsync("u5", 55, cancellationToken: Ct);
        Assert.Equal(55, await users.GetAsync<int>("u5", Ct));
        await users.InvalidateNamespaceAsync("never-used", Ct);
        Assert.Equal(55, await users.GetAsync<int>("u5", Ct));
    }

    [Fact]
    public async Task A_batch_read_returns_the_cached_keys_only_and_reads_duplicates_once()
    {
        var cache = CreateStore();
        await cache.SetManyAsync(Enumerable.Range(0, 50).Select(i => KeyValuePair.Create($"item:{i}", i * 10)), cancellationToken: Ct);
        Assert.Equal(30, await cache.GetAsync<int>("item:3", Ct));

        var read = await cache.GetManyAsync<int>(["item:3", "item:49", "missing", "item:3", "item:0"], Ct);

        Assert.Equal(3, read.Count);
        Assert.Equal(30, read["item:3"]);
        Assert.Equal(490, read["item:49"]);
        Assert.Equal(0, read["item:0"]);
        Assert.Empty(await cache.GetManyAsync<int>([], Ct));
    }

    [Fact]
    public async Task A_batch_write_keeps_the_last_value_of_a_repeated_key_and_works_in_a_namespace()
    {
        var cache = CreateStore();
        var ns = cache.WithNamespace("batch");
        await ns.SetManyAsync([KeyValuePair.Create("a", "1"), KeyValuePair.Create("b", "2"), KeyValuePair.Create("a", "3")], new CacheEntryOptions { Ttl = TimeSpan.FromMinutes(1) }, Ct);
        await ns.SetManyAsync(Array.Empty<KeyValuePair<string, string>>(), cancellationToken: Ct);

        var read = await ns.GetManyAsync<string>(["a", "b", "c"], Ct);

        Assert.Equal(new Dictionary<string, string> { ["a"] = "3", ["b"] = "2" }, read);
        Assert.Empty(await cache.GetManyAsync<string>(["a", "b"], Ct));
    }

    [Fact]
    public async Task A_large_batch_keeps_every_key()
    {
        var cache = CreateStore();
        var items = Enumerable.Range(0, 300).Select(i => KeyValuePair.Create($"k{i}", i)).ToList();

        await cache.SetManyAsync(items, cancellationToken: Ct);

        Assert.Equal(items.ToDictionary(i => i.Key, i => i.Value), await cache.GetManyAsync<int>(items.Select(i => i.Key), Ct));
    }

    [Fact]
    public async Task Concurrent_writes_of_one_key_leave_one_of_their_values()
    {
        var cache = CreateStore();
        var lost = 0;
        for (var round = 0; round < 500; round++)
        {
            using var start = new Barrier(2);
            var first = Task.Run(async () => { start.SignalAndWait(Ct); await cache.SetAsync("k", round * 2, cancellationToken: Ct); }, Ct);
            var second = Task.Run(async () => { start.SignalAndWait(Ct); await cache.SetAsync("k", (round * 2) + 1, cancellationToken: Ct); }, Ct);
            await Task.WhenAll(first, second);

            var read = await cache.TryGetAsync<int>("k", Ct);
            if (!read.HasValue || read.Value / 2 != round)
            {
                lost++;
            }
        }

        Assert.Equal(0, lost);
    }

    [Fact]
    public async Task A_read_reports_its_failures_and_cancellation_in_its_task_not_by_throwing()
    {
        var cache = CreateStore();
        await cache.SetAsync("p", Apple(), cancellationToken: Ct);
        await cache.GetAsync<Product>("p", Ct); // held in memory now, where there is one
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var wrongType = cache.GetAsync<int>("p", Ct);
        var wrongTypeTry = cache.TryGetAsync<int>("p", Ct);
        var wrongTypeOrSet = cache.GetOrSetAsync("p", _ => ValueTask.FromResult(1), cancellationToken: Ct);
        var cancelledGet = cache.GetAsync<Product>("p", cancelled.Token);
        var cancelledTry = cache.TryGetAsync<Product>("p", cancelled.Token);
        var cancelledOrSet = cache.GetOrSetAsync("q", _ => ValueTask.FromResult(1), cancellationToken: cancelled.Token);

        await Assert.ThrowsAsync<StoreSerializationException>(() => wrongType.AsTask());
        await Assert.ThrowsAsync<StoreSerializationException>(() => wrongTypeTry.AsTask());
        await Assert.ThrowsAsync<StoreSerializationException>(() => wrongTypeOrSet.AsTask());
        Assert.True(cancelledGet.IsCanceled);
        Assert.True(cancelledTry.IsCanceled);
        Assert.True(cancelledOrSet.IsCanceled);
    }

    [Fact]
    public async Task A_batch_with_one_value_over_the_limit_writes_nothing()
    {
        var cache = CreateStore(o => o.Cache.MaxValueBytes = 100);
        var items = new[] { KeyValuePair.Create("small", "x"), KeyValuePair.Create("huge", new string('x', 500)) };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => cache.SetManyAsync(items, cancellationToken: Ct).AsTask());

        Assert.Contains("MaxValueBytes", error.Message, StringComparison.Ordinal);
        Assert.False((await cache.TryGetAsync<string>("small", Ct)).HasValue);
    }

    [Fact]
    public async Task A_value_over_the_size_limit_is_refused_with_a_message_naming_the_limit()
    {
        var cache = CreateStore(o => o.Cache.MaxValueBytes = 1000);
        await cache.SetAsync("fits", new string('x', 900), cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => cache.SetAsync("big", new string('x', 2000), cancellationToken: Ct).AsTask());

        Assert.Equal("value", error.ParamName);
        Assert.Contains("1000", error.Message, StringComparison.Ordinal);
        Assert.False((await cache.TryGetAsync<string>("big", Ct)).HasValue);
    }

    [Fact]
    public async Task Get_or_set_runs_the_factory_on_a_miss_and_serves_the_cached_value_after()
    {
        var cache = CreateStore();
        var runs = 0;
        ValueTask<Product> Factory(CancellationToken _)
        {
            runs++;
            return ValueTask.FromResult(Apple(runs));
        }

        var first = await cache.GetOrSetAsync("p", Factory, cancellationToken: Ct);
        var second = await cache.GetOrSetAsync("p", Factory, cancellationToken: Ct);

        Assert.Equal(1, runs);
        Assert.Equal(first, second with { Tags = first.Tags });
        Assert.Equal(1m, (await cache.GetAsync<Product>("p", Ct))!.Price);
        Assert.Equal(1, cache.GetStats().FactoryRuns);
    }

    [Fact]
    public async Task A_thousand_concurrent_callers_of_a_cold_key_run_the_factory_once()
    {
        var cache = CreateStore();
        var runs = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async ValueTask<string> Factory(CancellationToken token)
        {
            Interlocked.Increment(ref runs);
            await release.Task.WaitAsync(token);
            return "made once";
        }

        var callers = Enumerable.Range(0, 1000).Select(_ => cache.GetOrSetAsync("cold", Factory, cancellationToken: Ct).AsTask()).ToList();
        release.SetResult();
        var results = await Task.WhenAll(callers);

        Assert.Equal(1, runs);
        Assert.All(results, r => Assert.Equal("made once", r));
        Assert.Equal("made once", await cache.GetAsync<string>("cold", Ct));
    }

    [Fact]
    public async Task A_failing_factory_fails_every_waiting_caller_caches_nothing_and_runs_again_next_time()
    {
        var cache = CreateStore();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async ValueTask<string> Failing(CancellationToken token)
        {
            await release.Task.WaitAsync(token);
            throw new InvalidOperationException("database down");
        }

        var callers = Enumerable.Range(0, 10).Select(_ => cache.GetOrSetAsync("k", Failing, cancellationToken: Ct).AsTask()).ToList();
        release.SetResult();
        foreach (var caller in callers)
        {
            Assert.Equal("database down", (await Assert.ThrowsAsync<InvalidOperationException>(() => caller)).Message);
        }

        Assert.False((await cache.TryGetAsync<string>("k", Ct)).HasValue);
        Assert.Equal("ok", await cache.GetOrSetAsync("k", _ => ValueTask.FromResult("ok"), cancellationToken: Ct));
    }

    [Fact]
    public async Task One_caller_giving_up_does_not_cancel_the_factory_the_others_wait_for()
    {
        var cache = CreateStore();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var factoryToken = CancellationToken.None;
        async ValueTask<string> Factory(CancellationToken token)
        {
            factoryToken = token;
            await release.Task.WaitAsync(token);
            return "value";
        }

        using var impatient = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var first = cache.GetOrSetAsync("k", Factory, cancellationToken: impatient.Token).AsTask();
        var second = cache.GetOrSetAsync("k", Factory, cancellationToken: Ct).AsTask();
        await impatient.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        Assert.False(factoryToken.IsCancellationRequested);
        release.SetResult();
        Assert.Equal("value", await second);
    }

    [Fact]
    public async Task When_every_caller_gives_up_the_factory_is_cancelled_and_the_next_caller_starts_afresh()
    {
        var cache = CreateStore();
        var started = new TaskCompletionSource<CancellationToken>(TaskCreationOptions.RunContinuationsAsynchronously);
        async ValueTask<string> Hanging(CancellationToken token)
        {
            started.TrySetResult(token);
            await Task.Delay(Timeout.Infinite, token);
            return "never";
        }

        using var caller = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var waiting = cache.GetOrSetAsync("k", Hanging, cancellationToken: caller.Token).AsTask();
        var factoryToken = await started.Task.WaitAsync(Ct);
        await caller.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.True(factoryToken.IsCancellationRequested);
        Assert.Equal("fresh", await cache.GetOrSetAsync("k", _ => ValueTask.FromResult("fresh"), cancellationToken: Ct));
    }

    [Fact]
    public async Task A_caller_arriving_after_every_waiter_gave_up_does_not_wait_for_a_factory_that_ignores_cancellation()
    {
        var cache = CreateStore();
        var stuck = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        async ValueTask<string> Stubborn(CancellationToken _)
        {
            started.TrySetResult();
            await stuck.Task;
            return "late";
        }

        using var caller = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var abandoned = cache.GetOrSetAsync("k", Stubborn, cancellationToken: caller.Token).AsTask();
        await started.Task.WaitAsync(Ct);
        await caller.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => abandoned);

        var fresh = await cache.GetOrSetAsync("k", _ => ValueTask.FromResult("fresh"), cancellationToken: Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(20), Ct);

        Assert.Equal("fresh", fresh);
        stuck.SetResult();
    }

    [Fact]
    public async Task Fail_safe_returns_the_expired_value_when_the_factory_fails_and_reads_still_miss()
    {
        var cache = CreateStore();
        var failSafe = new CacheEntryOptions { Ttl = TimeSpan.FromMilliseconds(400), FailSafe = true };
        await cache.SetAsync("rate", 1.25m, failSafe, Ct);

        await LetTimePassAsync(TimeSpan.FromMilliseconds(900));

        Assert.False((await cache.TryGetAsync<decimal>("rate", Ct)).HasValue);
        var value = await cache.GetOrSetAsync<decimal>("rate", _ => throw new HttpRequestException("rates service down"), failSafe, Ct);
        Assert.Equal(1.25m, value);
        Assert.Equal(1, cache.GetStats().FailSafeUses);

        // A factory that works again replaces the stale value.
        Assert.Equal(2m, await cache.GetOrSetAsync("rate", _ => ValueTask.FromResult(2m), failSafe, Ct));
        Assert.Equal(2m, await cache.GetAsync<decimal>("rate", Ct));
    }

    [Fact]
    public async Task Without_fail_safe_an_expired_value_is_gone_and_the_factory_error_surfaces()
    {
        var cache = CreateStore();
        await cache.SetAsync("rate", 1.25m, new CacheEntryOptions { Ttl = TimeSpan.FromMilliseconds(400) }, Ct);

        await LetTimePassAsync(TimeSpan.FromMilliseconds(900));

        await Assert.ThrowsAsync<HttpRequestException>(() => cache.GetOrSetAsync<decimal>("rate", _ => throw new HttpRequestException("down"), cancellationToken: Ct).AsTask());
        Assert.Equal(0, cache.GetStats().FailSafeUses);
    }

    [Fact]
    public async Task Get_or_set_returns_a_value_too_large_to_cache_without_caching_it()
    {
        var cache = CreateStore(o => o.Cache.MaxValueBytes = 100);
        var runs = 0;
        ValueTask<string> Factory(CancellationToken _)
        {
            runs++;
            return ValueTask.FromResult(new string('x', 500));
        }

        Assert.Equal(500, (await cache.GetOrSetAsync("big", Factory, cancellationToken: Ct)).Length);
        Assert.Equal(500, (await cache.GetOrSetAsync("big", Factory, cancellationToken: Ct)).Length);
        Assert.Equal(2, runs);
        Assert.False((await cache.TryGetAsync<string>("big", Ct)).HasValue);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("glob*")]
    [InlineData("glob?")]
    [InlineData("[set]")]
    [InlineData("{tag}")]
    [InlineData("line\nbreak")]
    [InlineData("ünïcode")]
    public async Task Keys_and_namespaces_outside_the_rule_are_refused_before_anything_is_sent(string bad)
    {
        var cache = CreateStore();

        await Assert.ThrowsAnyAsync<ArgumentException>(() => cache.GetAsync<int>(bad, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => cache.SetAsync(bad, 1, cancellationToken: Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => cache.RemoveAsync(bad, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => cache.GetOrSetAsync(bad, _ => ValueTask.FromResult(1), cancellationToken: Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => cache.GetManyAsync<int>(["ok", bad], Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => cache.SetManyAsync([KeyValuePair.Create(bad, 1)], cancellationToken: Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => cache.InvalidateNamespaceAsync(bad, Ct).AsTask());
        Assert.ThrowsAny<ArgumentException>(() => cache.WithNamespace(bad));
    }

    [Fact]
    public async Task Null_and_oversized_arguments_are_refused_and_colons_are_welcome()
    {
        var cache = CreateStore();

        await Assert.ThrowsAsync<ArgumentNullException>(() => cache.GetAsync<int>(null!, Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentNullException>(() => cache.GetOrSetAsync<int>("k", null!, cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentNullException>(() => cache.GetManyAsync<int>(null!, Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentNullException>(() => cache.SetManyAsync<int>(null!, cancellationToken: Ct).AsTask());
        Assert.Throws<ArgumentNullException>(() => cache.WithNamespace(null!));
        await Assert.ThrowsAsync<ArgumentException>(() => cache.GetAsync<int>(new string('k', 513), Ct).AsTask());
        Assert.Throws<ArgumentException>(() => cache.WithNamespace(new string('n', 257)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => cache.SetAsync("k", 1, new CacheEntryOptions { Ttl = TimeSpan.Zero }, Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => cache.SetAsync("k", 1, new CacheEntryOptions { Ttl = TimeSpan.FromDays(400) }, Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => cache.SetAsync("k", 1, new CacheEntryOptions { MemoryCacheTtl = TimeSpan.FromMilliseconds(-1) }, Ct).AsTask());

        var longest = new string('k', 512);
        await cache.SetAsync(longest, 1, cancellationToken: Ct);
        await cache.WithNamespace("tenant:42").SetAsync("user:7:profile", 2, cancellationToken: Ct);
        Assert.Equal(1, await cache.GetAsync<int>(longest, Ct));
        Assert.Equal(2, await cache.WithNamespace("tenant:42").GetAsync<int>("user:7:profile", Ct));
    }

    [Fact]
    public async Task Every_call_honours_an_already_cancelled_token()
    {
        var cache = CreateStore();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var token = cancelled.Token;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.GetAsync<int>("k", token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.SetAsync("k", 1, cancellationToken: token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.RemoveAsync("k", token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.GetOrSetAsync("k", _ => ValueTask.FromResult(1), cancellationToken: token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.GetManyAsync<int>(["k"], token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.SetManyAsync([KeyValuePair.Create("k", 1)], cancellationToken: token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cache.InvalidateNamespaceAsync("n", token).AsTask());
        Assert.False((await cache.TryGetAsync<int>("k", Ct)).HasValue);
    }

    [Fact]
    public async Task A_value_read_as_a_wider_type_is_what_the_serializer_makes_of_it_whichever_tier_answers()
    {
        var cache = CreateStore();
        await cache.SetAsync("s", "text", cancellationToken: Ct);

        var first = await cache.GetAsync<object>("s", Ct);
        var second = await cache.GetAsync<object>("s", Ct);

        Assert.IsType<JsonElement>(first);
        Assert.IsType<JsonElement>(second);
        Assert.Equal("text", await cache.GetAsync<string>("s", Ct));
    }

    [Fact]
    public async Task A_value_read_as_an_incompatible_type_is_a_serialization_error()
    {
        var cache = CreateStore();
        await cache.SetAsync("p", Apple(), cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<StoreSerializationException>(() => cache.GetAsync<int>("p", Ct).AsTask());

        Assert.Contains("'p'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_source_generated_serializer_is_used_for_every_value()
    {
        var serializer = new JsonStoreSerializer(new JsonSerializerOptions { TypeInfoResolver = CacheJsonContext.Default });
        var cache = CreateStore(new RedisStoresOptions(), serializer);

        await cache.SetAsync("p", new Generated("gen", 3), cancellationToken: Ct);

        Assert.Equal(new Generated("gen", 3), await cache.GetAsync<Generated>("p", Ct));
        Assert.Equal(new Generated("made", 1), await cache.GetOrSetAsync("q", _ => ValueTask.FromResult(new Generated("made", 1)), cancellationToken: Ct));
        // Only the generated metadata is there: a type without it cannot be serialized.
        await Assert.ThrowsAsync<StoreSerializationException>(() => cache.SetAsync("x", Apple(), cancellationToken: Ct).AsTask());
    }

    [Fact]
    public async Task Statistics_count_hits_misses_writes_and_removes()
    {
        var cache = CreateStore();
        await cache.SetAsync("a", 1, cancellationToken: Ct);
        await cache.SetManyAsync([KeyValuePair.Create("b", 2), KeyValuePair.Create("c", 3)], cancellationToken: Ct);
        await cache.GetAsync<int>("a", Ct);
        await cache.GetAsync<int>("a", Ct);
        await cache.GetAsync<int>("missing", Ct);
        await cache.RemoveAsync("a", Ct);
        await cache.InvalidateNamespaceAsync("n", Ct);

        var stats = cache.GetStats();

        Assert.Equal(3, stats.Sets);
        Assert.Equal(2, stats.Hits);
        Assert.Equal(1, stats.Misses);
        Assert.Equal(2.0 / 3, stats.HitRate, 3);
        Assert.Equal(1, stats.Removes);
        Assert.Equal(1, stats.NamespaceInvalidations);
        Assert.Equal(0, stats.RedisErrors);
        Assert.Equal(stats.Hits, stats.MemoryHits + stats.RedisHits);
    }
}

public sealed record Generated(string Name, int Count);

/// <summary>Source-generated metadata for <see cref="Generated"/> only.</summary>
[JsonSerializable(typeof(Generated))]
internal sealed partial class CacheJsonContext : JsonSerializerContext;

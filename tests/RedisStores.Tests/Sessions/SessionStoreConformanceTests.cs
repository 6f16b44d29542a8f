using RedisStores.Locking;
using RedisStores.Sessions;

namespace RedisStores.Tests.Sessions;

/// <summary>What every <see cref="ISessionStore"/> must do, in memory and on Redis alike.</summary>
public abstract class SessionStoreConformanceTests : StoreConformanceTests<ISessionStore>
{
    public sealed record Cart(string User, int Items, List<string> Skus, Dictionary<string, decimal>? Prices = null);

    [Fact]
    public async Task A_session_is_written_and_read_back_typed_with_its_version()
    {
        var store = CreateStore();
        var cart = new Cart("ada", 2, ["a-1", "b-2"], new() { ["a-1"] = 9.5m });

        var version = await store.SetAsync("s1", cart, cancellationToken: Ct);
        var read = await store.GetAsync<Cart>("s1", Ct);

        Assert.True(version > 0);
        Assert.NotNull(read);
        Assert.Equal("s1", read.Id);
        Assert.Equal(version, read.Version);
        Assert.Equal(cart.User, read.Data.User);
        Assert.Equal(cart.Skus, read.Data.Skus);
        Assert.Equal(cart.Prices, read.Data.Prices);
        Assert.Equal(Clock.GetUtcNow(), read.CreatedAt);
        Assert.Equal(TimeSpan.FromHours(1), read.Ttl);
        Assert.False(read.Sliding);
    }

    [System.Text.Json.Serialization.JsonPolymorphic]
    [System.Text.Json.Serialization.JsonDerivedType(typeof(Circle), "circle")]
    public abstract record Shape(string Label);

    public sealed record Circle(string Label, double Radius) : Shape(Label);

    [Fact]
    public async Task Polymorphic_data_reads_back_whatever_order_the_fields_come_in()
    {
        var store = CreateStore();
        Shape shape = new Circle(new string('l', 100), 2.5); // over 64 bytes: Redis stores the hash unordered

        await store.SetAsync("s", shape, cancellationToken: Ct);

        Assert.Equal(shape, (await store.GetAsync<Shape>("s", Ct))!.Data);
    }

    [Fact]
    public async Task Missing_sessions_read_as_null_and_delete_as_false()
    {
        var store = CreateStore();
        Assert.Null(await store.GetAsync<Cart>("nobody", Ct));
        Assert.Null(await store.GetTimeToLiveAsync("nobody", Ct));
        Assert.Null(await store.GetFieldAsync<int>("nobody", "items", Ct));
        Assert.False(await store.DeleteAsync("nobody", Ct));
        Assert.False(await store.ExtendAsync("nobody", cancellationToken: Ct));
        Assert.Empty(await store.GetLastEventsAsync<string>("nobody", 10, Ct));
    }

    [Fact]
    public async Task Replacing_a_session_keeps_its_creation_time_and_raises_its_version()
    {
        var store = CreateStore();
        var first = await store.SetAsync("s", new Cart("ada", 1, []), cancellationToken: Ct);
        var created = Clock.GetUtcNow();
        Clock.Advance(TimeSpan.FromSeconds(5));

        var version = await store.SetAsync("s", new Cart("ada", 3, ["x"]), cancellationToken: Ct);
        var read = await store.GetAsync<Cart>("s", Ct);

        Assert.Equal(first + 1, version);
        Assert.Equal(created, read!.CreatedAt);
        Assert.Equal(created.AddSeconds(5), read.UpdatedAt);
        Assert.Equal(3, read.Data.Items);
    }

    [Fact]
    public async Task Replacing_a_session_drops_fields_the_new_data_does_not_have()
    {
        var store = CreateStore();
        await store.SetAsync("s", new Dictionary<string, int> { ["a"] = 1, ["b"] = 2 }, cancellationToken: Ct);

        await store.SetAsync("s", new Dictionary<string, int> { ["a"] = 5 }, cancellationToken: Ct);

        Assert.Equal(new Dictionary<string, int> { ["a"] = 5 }, (await store.GetAsync<Dictionary<string, int>>("s", Ct))!.Data);
        Assert.Null(await store.GetFieldAsync<int>("s", "b", Ct));
    }

    [Fact]
    public async Task A_single_field_is_read_and_written_without_rewriting_the_others()
    {
        var store = CreateStore();
        var first = await store.SetAsync("s", new Cart("ada", 1, ["a"]), cancellationToken: Ct);

        var version = await store.SetFieldAsync("s", "items", 7, cancellationToken: Ct);
        var items = await store.GetFieldAsync<int>("s", "items", Ct);
        var whole = await store.GetAsync<Cart>("s", Ct);

        Assert.Equal(first + 1, version);
        Assert.Equal(7, items!.Value);
        Assert.Equal(version, items.Version);
        Assert.Equal(new Cart("ada", 7, ["a"]).Items, whole!.Data.Items);
        Assert.Equal("ada", whole.Data.User);
        Assert.Equal(["a"], whole.Data.Skus);
    }

    [Fact]
    public async Task A_new_field_can_be_added_and_an_existing_one_removed()
    {
        var store = CreateStore();
        var first = await store.SetAsync("s", new Dictionary<string, string> { ["theme"] = "dark" }, cancellationToken: Ct);

        Assert.Equal(first + 1, await store.SetFieldAsync("s", "locale", "de-CH", cancellationToken: Ct));
        Assert.Equal(first + 2, await store.RemoveFieldAsync("s", "theme", cancellationToken: Ct));
        Assert.Equal(first + 2, await store.RemoveFieldAsync("s", "theme", cancellationToken: Ct));

        Assert.Equal(new Dictionary<string, string> { ["locale"] = "de-CH" }, (await store.GetAsync<Dictionary<string, string>>("s", Ct))!.Data);
    }

    [Fact]
    public async Task Field_writes_to_a_missing_session_throw_not_found()
    {
        var store = CreateStore();
        await Assert.ThrowsAsync<EntityNotFoundException>(() => store.SetFieldAsync("ghost", "f", 1, cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<EntityNotFoundException>(() => store.RemoveFieldAsync("ghost", "f", cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<EntityNotFoundException>(() => store.AppendEventAsync("ghost", "e", Ct).AsTask());
        Assert.Equal(0, await store.CountAsync(Ct));
    }

    [Fact]
    public async Task Field_writes_to_a_missing_session_with_a_version_are_conflicts_and_with_zero_not_found()
    {
        var store = CreateStore();

        var conflict = await Assert.ThrowsAsync<VersionConflictException>(() => store.SetFieldAsync("gone", "f", 1, expectedVersion: 3, Ct).AsTask());
        await Assert.ThrowsAsync<VersionConflictException>(() => store.RemoveFieldAsync("gone", "f", expectedVersion: 3, Ct).AsTask());
        await Assert.ThrowsAsync<EntityNotFoundException>(() => store.SetFieldAsync("gone", "f", 1, expectedVersion: 0, Ct).AsTask());

        Assert.Equal(0, conflict.ActualVersion);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.GetEventsAsync<int>("gone", -1, 10, Ct).AsTask());
    }

    [Fact]
    public async Task A_stale_version_conflicts_even_when_the_field_to_remove_is_absent()
    {
        var store = CreateStore();
        var v1 = await store.SetAsync("s", new Cart("ada", 1, []), cancellationToken: Ct);
        await store.SetFieldAsync("s", "items", 2, cancellationToken: Ct);

        await Assert.ThrowsAsync<VersionConflictException>(() => store.RemoveFieldAsync("s", "absent", v1, Ct).AsTask());
    }

    [Fact]
    public async Task A_write_with_a_stale_version_fails_and_changes_nothing()
    {
        var store = CreateStore();
        var v1 = await store.SetAsync("s", new Cart("ada", 1, []), cancellationToken: Ct);
        var v2 = await store.SetFieldAsync("s", "items", 2, v1, Ct);

        var whole = await Assert.ThrowsAsync<VersionConflictException>(() => store.SetAsync("s", new Cart("bob", 9, []), new SessionWriteOptions { ExpectedVersion = v1 }, Ct).AsTask());
        var field = await Assert.ThrowsAsync<VersionConflictException>(() => store.SetFieldAsync("s", "items", 3, v1, Ct).AsTask());
        await Assert.ThrowsAsync<VersionConflictException>(() => store.RemoveFieldAsync("s", "items", v1, Ct).AsTask());

        Assert.Equal(v1, whole.ExpectedVersion);
        Assert.Equal(v2, whole.ActualVersion);
        Assert.Equal(v2, field.ActualVersion);
        var read = await store.GetAsync<Cart>("s", Ct);
        Assert.Equal(("ada", 2, v2), (read!.Data.User, read.Data.Items, read.Version));
    }

    [Fact]
    public async Task Two_writers_with_the_same_version_never_both_win()
    {
        var store = CreateStore();
        var version = await store.SetAsync("s", new Dictionary<string, int> { ["n"] = 0 }, cancellationToken: Ct);

        var outcomes = await Task.WhenAll(Enumerable.Range(1, 20).Select(async i =>
        {
            try
            {
                await store.SetFieldAsync("s", "n", i, version, Ct);
                return true;
            }
            catch (VersionConflictException)
            {
                return false;
            }
        }));

        Assert.Equal(1, outcomes.Count(won => won));
        Assert.Equal(version + 1, (await store.GetAsync<Dictionary<string, int>>("s", Ct))!.Version);
    }

    [Fact]
    public async Task Expected_version_zero_creates_only_a_new_session()
    {
        var store = CreateStore();
        var createOnly = new SessionWriteOptions { ExpectedVersion = 0 };

        var created = await store.SetAsync("s", new Cart("ada", 1, []), createOnly, Ct);
        var error = await Assert.ThrowsAsync<VersionConflictException>(() => store.SetAsync("s", new Cart("bob", 1, []), createOnly, Ct).AsTask());

        Assert.Equal(created, error.ActualVersion);
        Assert.Equal("ada", (await store.GetAsync<Cart>("s", Ct))!.Data.User);
    }

    [Fact]
    public async Task A_session_that_expired_between_read_and_write_is_a_conflict()
    {
        var store = CreateStore();
        var version = await store.SetAsync("s", new Cart("ada", 1, []), new SessionWriteOptions { Ttl = TimeSpan.FromSeconds(1) }, Ct);
        await LetTimePassAsync(TimeSpan.FromMilliseconds(1200));

        var error = await Assert.ThrowsAsync<VersionConflictException>(() => store.SetAsync("s", new Cart("ada", 2, []), new SessionWriteOptions { ExpectedVersion = version }, Ct).AsTask());

        Assert.Equal(0, error.ActualVersion);
        Assert.Contains("no longer exists", error.Message, StringComparison.Ordinal);
        Assert.Null(await store.GetAsync<Cart>("s", Ct));
    }

    [Fact]
    public async Task A_session_expires_with_its_fields_and_events()
    {
        var store = CreateStore();
        await store.SetAsync("short", new Cart("ada", 1, []), new SessionWriteOptions { Ttl = TimeSpan.FromSeconds(1) }, Ct);
        await store.AppendEventAsync("short", "clicked", Ct);
        await store.SetAsync("long", new Cart("bob", 1, []), cancellationToken: Ct);

        await LetTimePassAsync(TimeSpan.FromMilliseconds(1200));

        Assert.Null(await store.GetAsync<Cart>("short", Ct));
        Assert.Null(await store.GetFieldAsync<string>("short", "user", Ct));
        Assert.Empty(await store.GetLastEventsAsync<string>("short", 10, Ct));
        Assert.Equal(1, await store.CountAsync(Ct));
        Assert.Equal(["long"], (await store.ListAsync(cancellationToken: Ct)).Sessions.Select(s => s.Id));
    }

    [Fact]
    public async Task A_new_session_after_expiry_has_no_events_and_a_version_its_predecessor_never_had()
    {
        var store = CreateStore();
        await store.SetAsync("s", new Cart("ada", 1, []), new SessionWriteOptions { Ttl = TimeSpan.FromSeconds(1) }, Ct);
        var old = await store.SetFieldAsync("s", "items", 2, cancellationToken: Ct);
        await store.AppendEventAsync("s", "old", Ct);
        await LetTimePassAsync(TimeSpan.FromMilliseconds(1200));

        var fresh = await store.SetAsync("s", new Cart("bob", 1, []), cancellationToken: Ct);

        Assert.True(fresh > old, $"new version {fresh} must be above the old {old}");
        await Assert.ThrowsAsync<VersionConflictException>(() => store.SetFieldAsync("s", "items", 9, old, Ct).AsTask());
        Assert.Empty(await store.GetLastEventsAsync<string>("s", 10, Ct));
        Assert.Equal(1, await store.AppendEventAsync("s", "new", Ct));
    }

    [Fact]
    public async Task Default_ttl_comes_from_the_session_options_then_the_global_default()
    {
        var global = CreateStore(o => o.DefaultTtl = TimeSpan.FromMinutes(7));
        var specific = CreateStore(o => o.Sessions.DefaultTtl = TimeSpan.FromMinutes(3));
        await global.SetAsync("g", new Cart("a", 1, []), cancellationToken: Ct);
        await specific.SetAsync("s", new Cart("a", 1, []), cancellationToken: Ct);

        Assert.Equal(TimeSpan.FromMinutes(7), (await global.GetAsync<Cart>("g", Ct))!.Ttl);
        Assert.Equal(TimeSpan.FromMinutes(3), (await specific.GetAsync<Cart>("s", Ct))!.Ttl);
        Assert.InRange((await specific.GetTimeToLiveAsync("s", Ct))!.Value, TimeSpan.FromMinutes(2.9), TimeSpan.FromMinutes(3));
    }

    [Fact]
    public async Task Extend_starts_the_ttl_again_without_changing_the_session_ttl()
    {
        var store = CreateStore();
        var version = await store.SetAsync("s", new Cart("ada", 1, []), new SessionWriteOptions { Ttl = TimeSpan.FromMinutes(1) }, Ct);

        Assert.True(await store.ExtendAsync("s", TimeSpan.FromHours(2), Ct));

        Assert.InRange((await store.GetTimeToLiveAsync("s", Ct))!.Value, TimeSpan.FromHours(1.9), TimeSpan.FromHours(2));
        Assert.Equal(TimeSpan.FromMinutes(1), (await store.GetAsync<Cart>("s", Ct))!.Ttl);
        Assert.Equal(version, (await store.GetAsync<Cart>("s", Ct))!.Version);
    }

    [Fact]
    public async Task A_sliding_session_lives_as_long_as_it_is_read()
    {
        var store = CreateStore();
        // Wide margins: each read comes 1.2 s after the last, against a 3 s TTL, so a loaded machine cannot expire it.
        await store.SetAsync("slide", new Cart("ada", 1, []), new SessionWriteOptions { Ttl = TimeSpan.FromSeconds(3), Sliding = true }, Ct);
        await store.SetAsync("fixed", new Cart("bob", 1, []), new SessionWriteOptions { Ttl = TimeSpan.FromSeconds(3) }, Ct);

        for (var i = 0; i < 3; i++)
        {
            await LetTimePassAsync(TimeSpan.FromMilliseconds(1200));
            Assert.NotNull(await store.GetAsync<Cart>("slide", Ct));
        }

        Assert.Null(await store.GetAsync<Cart>("fixed", Ct));
        Assert.True((await store.GetAsync<Cart>("slide", Ct))!.Sliding);
    }

    [Fact]
    public async Task Sliding_expiration_can_be_the_store_default()
    {
        var store = CreateStore(o => o.Sessions.SlidingExpiration = true);
        await store.SetAsync("s", new Cart("ada", 1, []), new SessionWriteOptions { Ttl = TimeSpan.FromSeconds(3) }, Ct);

        await LetTimePassAsync(TimeSpan.FromMilliseconds(2000));
        Assert.NotNull(await store.GetFieldAsync<string>("s", "user", Ct));
        await LetTimePassAsync(TimeSpan.FromMilliseconds(2000));

        Assert.NotNull(await store.GetAsync<Cart>("s", Ct));
    }

    [Fact]
    public async Task Listing_pages_through_live_sessions_in_id_order_and_counting_matches()
    {
        var store = CreateStore();
        var versions = new Dictionary<string, long>();
        foreach (var id in new[] { "c", "a", "e", "b", "d" })
        {
            versions[id] = await store.SetAsync(id, new Cart(id, 1, []), cancellationToken: Ct);
        }

        var first = await store.ListAsync(new SessionQuery { PageSize = 2 }, Ct);
        var second = await store.ListAsync(new SessionQuery { PageSize = 2, Cursor = first.NextCursor }, Ct);
        var third = await store.ListAsync(new SessionQuery { PageSize = 2, Cursor = second.NextCursor }, Ct);

        Assert.Equal(["a", "b"], first.Sessions.Select(s => s.Id));
        Assert.Equal(["c", "d"], second.Sessions.Select(s => s.Id));
        Assert.Equal(["e"], third.Sessions.Select(s => s.Id));
        Assert.Null(third.NextCursor);
        Assert.Equal(5, await store.CountAsync(Ct));
        Assert.Equal(versions["a"], first.Sessions[0].Version);
    }

    [Fact]
    public async Task The_listing_cursor_survives_the_deletion_of_its_session()
    {
        var store = CreateStore();
        foreach (var id in new[] { "a", "b", "c", "d" })
        {
            await store.SetAsync(id, new Cart(id, 1, []), cancellationToken: Ct);
        }

        var first = await store.ListAsync(new SessionQuery { PageSize = 2 }, Ct);
        await store.DeleteAsync("b", Ct);
        var rest = await store.ListAsync(new SessionQuery { Cursor = first.NextCursor }, Ct);

        Assert.Equal(["c", "d"], rest.Sessions.Select(s => s.Id));
        Assert.Equal(3, await store.CountAsync(Ct));
    }

    [Theory]
    [InlineData("not a cursor")]
    [InlineData("dDF8MTIzfGFi")]
    public async Task A_cursor_the_listing_did_not_make_is_refused(string cursor)
    {
        var store = CreateStore();
        await Assert.ThrowsAsync<ArgumentException>(() => store.ListAsync(new SessionQuery { Cursor = cursor }, Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.ListAsync(new SessionQuery { PageSize = 0 }, Ct).AsTask());
    }

    [Fact]
    public async Task Deleting_a_session_removes_its_fields_events_and_listing_entry()
    {
        var store = CreateStore();
        await store.SetAsync("s", new Cart("ada", 1, []), cancellationToken: Ct);
        await store.AppendEventAsync("s", "e", Ct);

        Assert.True(await store.DeleteAsync("s", Ct));

        Assert.Null(await store.GetAsync<Cart>("s", Ct));
        Assert.Empty(await store.GetLastEventsAsync<string>("s", 5, Ct));
        Assert.Empty((await store.ListAsync(cancellationToken: Ct)).Sessions);
        Assert.Equal(0, await store.CountAsync(Ct));
    }

    [Fact]
    public async Task Events_get_rising_sequence_numbers_and_read_back_as_last_n_or_a_range()
    {
        var store = CreateStore();
        await store.SetAsync("s", new Cart("ada", 1, []), cancellationToken: Ct);
        for (var i = 1; i <= 5; i++)
        {
            Assert.Equal(i, await store.AppendEventAsync("s", new { step = i }, Ct));
            Clock.Advance(TimeSpan.FromSeconds(1));
        }

        var last = await store.GetLastEventsAsync<Dictionary<string, int>>("s", 2, Ct);
        var range = await store.GetEventsAsync<Dictionary<string, int>>("s", 2, 3, Ct);
        var tail = await store.GetEventsAsync<Dictionary<string, int>>("s", 5, 10, Ct);

        Assert.Equal([4L, 5L], last.Select(e => e.Sequence));
        Assert.Equal(5, last[1].Data["step"]);
        Assert.Equal(Clock.GetUtcNow().AddSeconds(-1), last[1].Timestamp);
        Assert.Equal([2L, 3L, 4L], range.Select(e => e.Sequence));
        Assert.Equal([5L], tail.Select(e => e.Sequence));
        Assert.Empty(await store.GetEventsAsync<object>("s", 6, 10, Ct));
    }

    [Fact]
    public async Task The_event_log_keeps_only_the_newest_events_at_its_bound()
    {
        var store = CreateStore(o => o.Sessions.MaxEvents = 3);
        await store.SetAsync("s", new Cart("ada", 1, []), cancellationToken: Ct);
        for (var i = 1; i <= 5; i++)
        {
            await store.AppendEventAsync("s", i, Ct);
        }

        Assert.Equal([3, 4, 5], (await store.GetLastEventsAsync<int>("s", 10, Ct)).Select(e => e.Data));
        Assert.Equal([3L, 4L, 5L], (await store.GetEventsAsync<int>("s", 1, 10, Ct)).Select(e => e.Sequence));
        Assert.Equal(6, await store.AppendEventAsync("s", 6, Ct));
    }

    [Fact]
    public async Task Replacing_a_session_keeps_its_event_log()
    {
        var store = CreateStore();
        await store.SetAsync("s", new Cart("ada", 1, []), cancellationToken: Ct);
        await store.AppendEventAsync("s", "first", Ct);

        await store.SetAsync("s", new Cart("ada", 2, []), cancellationToken: Ct);

        Assert.Equal(["first"], (await store.GetLastEventsAsync<string>("s", 10, Ct)).Select(e => e.Data));
        Assert.Equal(2, await store.AppendEventAsync("s", "second", Ct));
    }

    [Fact]
    public async Task The_session_lock_is_exclusive_and_released_on_dispose()
    {
        var store = CreateStore();

        await using (var held = await store.AcquireLockAsync("s", cancellationToken: Ct))
        {
            Assert.Null(await store.TryAcquireLockAsync("s", cancellationToken: Ct));
            Assert.NotNull(await store.TryAcquireLockAsync("other", cancellationToken: Ct));
            Assert.True(await held.ExtendAsync(TimeSpan.FromMinutes(1), Ct));
        }

        await using var again = await store.TryAcquireLockAsync("s", cancellationToken: Ct);
        Assert.NotNull(again);
        // A zero wait: the store's clock is the fake one, so a timed wait would need the test to move it.
        await Assert.ThrowsAsync<LockTimeoutException>(() => store.AcquireLockAsync("s", TimeSpan.Zero, cancellationToken: Ct).AsTask());
        await using var longest = await store.TryAcquireLockAsync(new string('x', 256), cancellationToken: Ct);
        Assert.NotNull(longest);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a:b")]
    [InlineData("a*b")]
    [InlineData("{s}")]
    [InlineData("a b")]
    public async Task Ids_outside_the_id_rule_are_refused(string id)
    {
        var store = CreateStore();
        await Assert.ThrowsAsync<ArgumentException>(() => store.SetAsync(id, new Cart("a", 1, []), cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.GetAsync<Cart>(id, Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.SetFieldAsync(id, "f", 1, cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.AppendEventAsync(id, 1, Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.AcquireLockAsync(id, cancellationToken: Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.GetAsync<Cart>(null!, Ct).AsTask());
    }

    [Fact]
    public async Task Bad_writes_are_refused_before_anything_is_stored()
    {
        var store = CreateStore(o => o.Sessions.MaxValueBytes = 100);

        await Assert.ThrowsAsync<ArgumentException>(() => store.SetAsync("s", "a plain string is not an object", cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.SetAsync("s", new Cart(new string('x', 200), 1, []), cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.SetAsync("s", new Cart("a", 1, []), new SessionWriteOptions { Ttl = TimeSpan.Zero }, Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.SetAsync("s", new Cart("a", 1, []), new SessionWriteOptions { ExpectedVersion = -1 }, Ct).AsTask());
        Assert.Equal(0, await store.CountAsync(Ct));

        var version = await store.SetAsync("s", new Cart("a", 1, []), cancellationToken: Ct);
        await Assert.ThrowsAsync<ArgumentException>(() => store.SetFieldAsync("s", "user", new string('x', 200), cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.SetFieldAsync("s", string.Empty, 1, cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.AppendEventAsync("s", new string('x', 200), Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.GetLastEventsAsync<int>("s", 0, Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.ExtendAsync("s", TimeSpan.FromDays(400), Ct).AsTask());
        Assert.Equal(version, (await store.GetAsync<Cart>("s", Ct))!.Version);
    }

    [Fact]
    public async Task Values_that_cannot_be_serialized_or_read_as_the_type_fail_typed()
    {
        var store = CreateStore();
        await store.SetAsync("s", new Cart("ada", 1, []), cancellationToken: Ct);
        var cycle = new Node();
        cycle.Next = cycle;

        await Assert.ThrowsAsync<StoreSerializationException>(() => store.SetFieldAsync("s", "loop", cycle, cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<StoreSerializationException>(() => store.GetFieldAsync<int>("s", "user", Ct).AsTask());
        await Assert.ThrowsAsync<StoreSerializationException>(() => store.GetAsync<List<int>>("s", Ct).AsTask());
    }

    [Fact]
    public async Task A_cancelled_token_stops_operations_before_they_start()
    {
        var store = CreateStore();
        await store.SetAsync("s", new Cart("ada", 1, []), cancellationToken: Ct);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.SetAsync("s", new Cart("bob", 1, []), cancellationToken: cancelled.Token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.GetAsync<Cart>("s", cancelled.Token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.SetFieldAsync("s", "items", 5, null, cancelled.Token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.AppendEventAsync("s", 1, cancelled.Token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.ListAsync(null, cancelled.Token).AsTask());
        Assert.Equal("ada", (await store.GetAsync<Cart>("s", Ct))!.Data.User);
    }

    public sealed class Node
    {
        public Node? Next { get; set; }
    }
}

using RedisStores.Workers;

namespace RedisStores.Tests.Workers;

/// <summary>
/// What every <see cref="IWorkerStore"/> journal must do. The in-memory store and the Redis store on each topology
/// run it unchanged; <see cref="ConformanceGuardTests"/> fails if an implementation has no concrete subclass.
/// </summary>
public abstract partial class WorkerStoreConformanceTests : StoreConformanceTests<IWorkerStore>
{
    [Fact]
    public async Task Start_creates_an_active_execution_and_starting_again_returns_it_unchanged()
    {
        var store = CreateStore();
        var first = await store.StartExecutionAsync("import-1", cancellationToken: Ct);
        Clock.Advance(TimeSpan.FromSeconds(5));

        var again = await store.StartExecutionAsync("import-1", new ExecutionOptions { Ttl = TimeSpan.FromMinutes(1) }, Ct);

        Assert.Equal(ExecutionState.Active, first.State);
        Assert.Equal(Clock.GetUtcNow() - TimeSpan.FromSeconds(5), first.StartedAt);
        Assert.Null(first.FinishedAt);
        Assert.Null(first.Ttl);
        Assert.Null(first.ExpiresAt);
        Assert.Equal(first, again);
        Assert.Equal(first, await store.GetExecutionAsync("import-1", Ct));
    }

    [Fact]
    public async Task Get_of_an_unknown_execution_returns_null()
    {
        var store = CreateStore();
        Assert.Null(await store.GetExecutionAsync("never-started", Ct));
    }

    [Fact]
    public async Task Step_results_are_stored_typed_and_read_back()
    {
        var store = CreateStore();
        await store.StartExecutionAsync("e", cancellationToken: Ct);
        var result = new SheetResult("q1", [1, 2, 3]);

        Assert.True(await store.StartStepAsync("e", "download", Ct));
        Assert.Null(await store.GetStepResultAsync<SheetResult>("e", "download", Ct));
        Clock.Advance(TimeSpan.FromSeconds(2));
        var completion = await store.CompleteStepAsync("e", "download", result, Ct);
        var read = await store.GetStepResultAsync<SheetResult>("e", "download", Ct);

        Assert.True(completion.Recorded);
        Assert.Equal(result, completion.Result);
        Assert.NotNull(read);
        Assert.Equal("q1", read.Value.Name);
        Assert.Equal([1, 2, 3], read.Value.Rows);
        Assert.Equal(Clock.GetUtcNow(), read.CompletedAt);
        Assert.False(await store.StartStepAsync("e", "download", Ct));
    }

    [Fact]
    public async Task Completing_a_step_twice_keeps_the_first_result_and_returns_it()
    {
        var store = CreateStore();
        await store.StartExecutionAsync("e", cancellationToken: Ct);

        var first = await store.CompleteStepAsync("e", "charge", 42, Ct);
        var second = await store.CompleteStepAsync("e", "charge", 99, Ct);

        Assert.True(first.Recorded);
        Assert.False(second.Recorded);
        Assert.Equal(42, second.Result);
        Assert.Equal(42, (await store.GetStepResultAsync<int>("e", "charge", Ct))!.Value);
    }

    [Fact]
    public async Task Twenty_concurrent_completions_of_one_step_record_exactly_one_result_that_all_see()
    {
        var store = CreateStore();
        await store.StartExecutionAsync("race", cancellationToken: Ct);

        var completions = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => store.CompleteStepAsync("race", "pick", i, Ct).AsTask()));

        var winners = completions.Where(c => c.Recorded).ToList();
        Assert.Single(winners);
        Assert.All(completions, c => Assert.Equal(winners[0].Result, c.Result));
        Assert.Equal(winners[0].Result, (await store.GetStepResultAsync<int>("race", "pick", Ct))!.Value);
    }

    [Fact]
    public async Task List_steps_shows_each_step_in_start_order_with_state_times_and_result()
    {
        var store = CreateStore();
        await store.StartExecutionAsync("e", cancellationToken: Ct);
        var t0 = Clock.GetUtcNow();
        await store.StartStepAsync("e", "b-first", Ct);
        Clock.Advance(TimeSpan.FromSeconds(1));
        await store.StartStepAsync("e", "a-second", Ct);
        Clock.Advance(TimeSpan.FromSeconds(1));
        await store.CompleteStepAsync("e", "b-first", "done", Ct);
        Clock.Advance(TimeSpan.FromSeconds(1));
        await store.CompleteStepAsync("e", "c-never-started", 7, Ct);

        var steps = await store.ListStepsAsync("e", Ct);

        Assert.Equal(["b-first", "a-second", "c-never-started"], steps.Select(s => s.Name));
        Assert.Equal(StepState.Completed, steps[0].State);
        Assert.Equal(t0, steps[0].StartedAt);
        Assert.Equal(t0 + TimeSpan.FromSeconds(2), steps[0].CompletedAt);
        Assert.Equal("done", steps[0].GetResult<string>());
        Assert.Equal(StepState.InProgress, steps[1].State);
        Assert.Null(steps[1].CompletedAt);
        Assert.Throws<InvalidOperationException>(() => steps[1].GetResult<string>());
        Assert.Equal(t0 + TimeSpan.FromSeconds(3), steps[2].StartedAt);
        Assert.Equal(7, steps[2].GetResult<int>());
        Assert.Throws<StoreSerializationException>(() => steps[0].GetResult<int>());
    }

    [Fact]
    public async Task Complete_and_fail_finish_an_execution_once_and_keep_its_steps()
    {
        var store = CreateStore();
        await store.StartExecutionAsync("ok", cancellationToken: Ct);
        await store.StartExecutionAsync("bad", cancellationToken: Ct);
        await store.CompleteStepAsync("ok", "s", 1, Ct);
        Clock.Advance(TimeSpan.FromSeconds(4));

        Assert.True(await store.CompleteExecutionAsync("ok", Ct));
        Assert.True(await store.FailExecutionAsync("bad", "disk full", Ct));
        Assert.False(await store.FailExecutionAsync("ok", "late", Ct));
        Assert.False(await store.CompleteExecutionAsync("bad", Ct));

        var ok = await store.GetExecutionAsync("ok", Ct);
        var bad = await store.GetExecutionAsync("bad", Ct);
        Assert.Equal(ExecutionState.Completed, ok!.State);
        Assert.Null(ok.Error);
        Assert.Equal(Clock.GetUtcNow(), ok.FinishedAt);
        Assert.Equal(ExecutionState.Failed, bad!.State);
        Assert.Equal("disk full", bad.Error);
        Assert.Equal(1, (await store.GetStepResultAsync<int>("ok", "s", Ct))!.Value);
        Assert.Equal(ok, await store.StartExecutionAsync("ok", cancellationToken: Ct));
    }

    [Fact]
    public async Task Active_listing_is_newest_first_pages_exactly_and_drops_finished_executions()
    {
        var store = CreateStore();
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            ids.Add($"x{i}");
            await store.StartExecutionAsync($"x{i}", cancellationToken: Ct);
            Clock.Advance(TimeSpan.FromMilliseconds(i % 2)); // pairs share a start time, so ties by id are paged too
        }

        await store.CompleteExecutionAsync("x2", Ct);
        await store.FailExecutionAsync("x5", "no", Ct);
        await store.StartExecutionAsync("x2", cancellationToken: Ct); // finished: not back in the listing

        var listed = await ListAllAsync(store, pageSize: 2);
        var single = await store.ListActiveExecutionsAsync(cancellationToken: Ct);

        var expected = ids.Except(["x2", "x5"]).Select(id => (Id: id, Started: StartOf(id))).OrderByDescending(e => e.Started).ThenByDescending(e => e.Id, StringComparer.Ordinal).Select(e => e.Id);
        Assert.Equal(expected, listed.Select(e => e.Id));
        Assert.Equal(expected, single.Executions.Select(e => e.Id));
        Assert.Null(single.NextCursor);
        Assert.All(listed, e => Assert.Equal(ExecutionState.Active, e.State));

        // x0 and x1 share ms 0, x2 and x3 ms 1, ...
        long StartOf(string id) => (int.Parse(id[1..], System.Globalization.CultureInfo.InvariantCulture) + 1) / 2;
    }

    [Fact]
    public async Task A_cursor_stays_valid_when_the_execution_it_points_at_finishes()
    {
        var store = CreateStore();
        for (var i = 0; i < 4; i++)
        {
            await store.StartExecutionAsync($"c{i}", cancellationToken: Ct);
            Clock.Advance(TimeSpan.FromSeconds(1));
        }

        var first = await store.ListActiveExecutionsAsync(new ExecutionQuery { PageSize = 2 }, Ct);
        await store.CompleteExecutionAsync(first.Executions[^1].Id, Ct);
        var second = await store.ListActiveExecutionsAsync(new ExecutionQuery { PageSize = 2, Cursor = first.NextCursor }, Ct);

        Assert.Equal(["c3", "c2"], first.Executions.Select(e => e.Id));
        Assert.Equal(["c1", "c0"], second.Executions.Select(e => e.Id));
        Assert.Null(second.NextCursor);
    }

    [Fact]
    public async Task An_execution_expires_with_its_steps_after_its_ttl()
    {
        var store = CreateStore(o => o.Workers.ExecutionTtl = TimeSpan.FromSeconds(1));
        var started = await store.StartExecutionAsync("short", cancellationToken: Ct);
        await store.StartExecutionAsync("long", new ExecutionOptions { Ttl = TimeSpan.FromHours(1) }, Ct);
        await store.CompleteStepAsync("short", "s", "v", Ct);

        Assert.Equal(TimeSpan.FromSeconds(1), started.Ttl);
        Assert.Equal(started.StartedAt + TimeSpan.FromSeconds(1), started.ExpiresAt);
        await LetTimePassAsync(TimeSpan.FromMilliseconds(1500));

        Assert.Null(await store.GetExecutionAsync("short", Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => store.GetStepResultAsync<string>("short", "s", Ct).AsTask());
        Assert.Equal(["long"], (await ListAllAsync(store)).Select(e => e.Id));
        var restarted = await store.StartExecutionAsync("short", cancellationToken: Ct);
        Assert.Empty(await store.ListStepsAsync("short", Ct));
        Assert.Equal(ExecutionState.Active, restarted.State);
    }

    [Fact]
    public async Task Step_calls_on_an_unknown_execution_fail_typed()
    {
        var store = CreateStore();

        var error = await Assert.ThrowsAsync<EntityNotFoundException>(() => store.StartStepAsync("ghost", "s", Ct).AsTask());
        Assert.Equal("ghost", error.Id);
        await Assert.ThrowsAsync<EntityNotFoundException>(() => store.CompleteStepAsync("ghost", "s", 1, Ct).AsTask());
        await Assert.ThrowsAsync<EntityNotFoundException>(() => store.GetStepResultAsync<int>("ghost", "s", Ct).AsTask());
        await Assert.ThrowsAsync<EntityNotFoundException>(() => store.ListStepsAsync("ghost", Ct).AsTask());
        await Assert.ThrowsAsync<EntityNotFoundException>(() => store.CompleteExecutionAsync("ghost", Ct).AsTask());
        await Assert.ThrowsAsync<EntityNotFoundException>(() => store.FailExecutionAsync("ghost", "x", Ct).AsTask());
    }

    public static TheoryData<string> BadIds() => ["", "has space", "a:b", "{tag}", "glob*", new string('x', 257), "é"];

    [Theory]
    [MemberData(nameof(BadIds))]
    public async Task Bad_execution_ids_and_step_names_are_refused(string bad)
    {
        var store = CreateStore();
        await store.StartExecutionAsync("fine", cancellationToken: Ct);

        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.StartExecutionAsync(bad, cancellationToken: Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.GetExecutionAsync(bad, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.StartStepAsync("fine", bad, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.CompleteStepAsync("fine", bad, 1, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.GetStepResultAsync<int>("fine", bad, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.ListStepsAsync(bad, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.CompleteExecutionAsync(bad, Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentException>(() => store.FailExecutionAsync(bad, "x", Ct).AsTask());
        await Assert.ThrowsAnyAsync<ArgumentNullException>(() => store.StartStepAsync("fine", null!, Ct).AsTask());
        Assert.Empty(await store.ListStepsAsync("fine", Ct));
    }

    [Fact]
    public async Task Ids_of_256_characters_with_every_allowed_sign_are_accepted()
    {
        var store = CreateStore();
        var id = ("aZ0-_.@+=~/" + new string('i', 256))[..256];

        await store.StartExecutionAsync(id, cancellationToken: Ct);
        await store.CompleteStepAsync(id, id, "ok", Ct);

        Assert.Equal("ok", (await store.GetStepResultAsync<string>(id, id, Ct))!.Value);
        Assert.Equal(id, Assert.Single(await store.ListStepsAsync(id, Ct)).Name);
    }

    [Fact]
    public async Task Oversized_results_are_refused_before_anything_is_written()
    {
        var store = CreateStore(o => o.Workers.MaxPayloadBytes = 100);
        await store.StartExecutionAsync("e", cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.CompleteStepAsync("e", "s", new string('x', 200), Ct).AsTask());

        Assert.Contains("RedisStores:Workers:MaxPayloadBytes", error.Message, StringComparison.Ordinal);
        Assert.Null(await store.GetStepResultAsync<string>("e", "s", Ct));
        Assert.True((await store.CompleteStepAsync("e", "s", new string('x', 90), Ct)).Recorded);
    }

    [Fact]
    public async Task Unserializable_results_and_bad_options_fail_typed()
    {
        var store = CreateStore();
        await store.StartExecutionAsync("e", cancellationToken: Ct);
        var loop = new Node();
        loop.Next = loop;

        await Assert.ThrowsAsync<StoreSerializationException>(() => store.CompleteStepAsync("e", "s", loop, Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.StartExecutionAsync("t", new ExecutionOptions { Ttl = TimeSpan.FromMilliseconds(10) }, Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.ListActiveExecutionsAsync(new ExecutionQuery { PageSize = 0 }, Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.ListActiveExecutionsAsync(new ExecutionQuery { Cursor = "not-a-cursor" }, Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.FailExecutionAsync("e", string.Empty, Ct).AsTask());
        Assert.Contains("RedisStores:Workers:MaxPayloadBytes", Assert.Throws<ArgumentException>(() => CreateStore(o => o.Workers.MaxPayloadBytes = 0)).Message, StringComparison.Ordinal);
        Assert.Contains("RedisStores:Workers:ExecutionTtl", Assert.Throws<ArgumentException>(() => CreateStore(o => o.Workers.ExecutionTtl = TimeSpan.Zero)).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => CreateStore(o => o.Workers = null!));
    }

    [Fact]
    public async Task A_cancelled_token_stops_every_operation_before_it_starts()
    {
        var store = CreateStore();
        await store.StartExecutionAsync("e", cancellationToken: Ct);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var token = cancelled.Token;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.StartExecutionAsync("other", null, token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.StartStepAsync("e", "s", token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.CompleteStepAsync("e", "s", 1, token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.GetStepResultAsync<int>("e", "s", token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.ListStepsAsync("e", token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.CompleteExecutionAsync("e", token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.FailExecutionAsync("e", "x", token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.GetExecutionAsync("e", token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.ListActiveExecutionsAsync(null, token).AsTask());

        Assert.Null(await store.GetExecutionAsync("other", Ct));
        Assert.Empty(await store.ListStepsAsync("e", Ct));
        Assert.Equal(ExecutionState.Active, (await store.GetExecutionAsync("e", Ct))!.State);
    }

    protected static async Task<List<ExecutionRecord>> ListAllAsync(IWorkerStore store, int pageSize = 100)
    {
        var all = new List<ExecutionRecord>();
        string? cursor = null;
        do
        {
            var page = await store.ListActiveExecutionsAsync(new ExecutionQuery { PageSize = pageSize, Cursor = cursor }, Ct);
            all.AddRange(page.Executions);
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return all;
    }

    public sealed record SheetResult(string Name, int[] Rows);

    public sealed class Node
    {
        public Node? Next { get; set; }
    }
}

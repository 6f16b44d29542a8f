using RedisStores.Tasks;

namespace RedisStores.Tests.Tasks;

/// <summary>
/// What every <see cref="ITaskStore"/> must do. The in-memory store and the Redis store on each topology run it
/// unchanged; <see cref="ConformanceGuardTests"/> fails if an implementation has no concrete subclass.
/// </summary>
public abstract partial class TaskStoreConformanceTests : StoreConformanceTests<ITaskStore>
{
    [Fact]
    public async Task Create_without_request_makes_a_working_task_with_defaults()
    {
        var store = CreateStore();

        var task = await store.CreateAsync(cancellationToken: Ct);

        Assert.Matches("^[0-9a-f]{32}$", task.Id);
        Assert.Equal(TaskState.Working, task.Status);
        Assert.Null(task.StatusMessage);
        Assert.Equal(Clock.GetUtcNow(), task.CreatedAt);
        Assert.Equal(task.CreatedAt, task.LastUpdatedAt);
        Assert.Equal(TimeSpan.FromHours(1), task.Ttl);
        Assert.Equal(TimeSpan.FromSeconds(5), task.PollInterval);
        Assert.False(task.HasResult);
        Assert.Equal(task, await store.GetAsync(task.Id, Ct));
    }

    [Fact]
    public async Task Create_keeps_a_given_id_ttl_poll_interval_status_and_message()
    {
        var store = CreateStore();
        var request = new CreateTaskRequest
        {
            Id = "task_1735996800123_abc123",
            Ttl = TimeSpan.FromMinutes(10),
            PollInterval = TimeSpan.FromMilliseconds(1500),
            Status = TaskState.InputRequired,
            StatusMessage = "waiting for the user",
        };

        var task = await store.CreateAsync(request, Ct);
        var read = await store.GetAsync(request.Id, Ct);

        Assert.Equal(task, read);
        Assert.Equal(request.Id, read!.Id);
        Assert.Equal(TimeSpan.FromMinutes(10), read.Ttl);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), read.PollInterval);
        Assert.Equal(TaskState.InputRequired, read.Status);
        Assert.Equal("waiting for the user", read.StatusMessage);
        Assert.Equal(read.CreatedAt + TimeSpan.FromMinutes(10), read.ExpiresAt);
    }

    [Fact]
    public async Task Default_ttl_comes_from_the_task_options_then_the_global_default()
    {
        var global = CreateStore(o => o.DefaultTtl = TimeSpan.FromMinutes(7));
        var specific = CreateStore(o =>
        {
            o.DefaultTtl = TimeSpan.FromMinutes(7);
            o.Tasks.DefaultTtl = TimeSpan.FromMinutes(3);
            o.Tasks.DefaultPollInterval = TimeSpan.FromSeconds(2);
        });

        Assert.Equal(TimeSpan.FromMinutes(7), (await global.CreateAsync(cancellationToken: Ct)).Ttl);
        var task = await specific.CreateAsync(cancellationToken: Ct);
        Assert.Equal(TimeSpan.FromMinutes(3), task.Ttl);
        Assert.Equal(TimeSpan.FromSeconds(2), task.PollInterval);
    }

    [Fact]
    public async Task Creating_a_second_task_with_a_live_id_fails_and_leaves_the_first_intact()
    {
        var store = CreateStore();
        await store.CreateAsync(new CreateTaskRequest { Id = "dup", StatusMessage = "first" }, Ct);

        var error = await Assert.ThrowsAsync<EntityAlreadyExistsException>(() => store.CreateAsync(new CreateTaskRequest { Id = "dup", StatusMessage = "second" }, Ct).AsTask());

        Assert.Equal("dup", error.Id);
        Assert.Equal("first", (await store.GetAsync("dup", Ct))!.StatusMessage);
    }

    [Theory]
    [InlineData(TaskState.Completed)]
    [InlineData(TaskState.Failed)]
    [InlineData(TaskState.Cancelled)]
    public async Task A_task_cannot_be_created_in_a_final_status(TaskState status)
    {
        var store = CreateStore();
        await Assert.ThrowsAsync<ArgumentException>(() => store.CreateAsync(new CreateTaskRequest { Status = status }, Ct).AsTask());
    }

    [Fact]
    public void A_store_built_with_invalid_options_is_refused_at_construction()
    {
        var error = Assert.Throws<ArgumentException>(() => CreateStore(o => o.Tasks.MaxResultBytes = 0));
        Assert.Contains("RedisStores:Tasks:MaxResultBytes", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => CreateStore(o => o.Tasks = null!));
    }

    [Fact]
    public async Task Get_of_an_unknown_id_returns_null()
    {
        var store = CreateStore();
        Assert.Null(await store.GetAsync("never-created", Ct));
    }

    [Fact]
    public async Task UpdateStatus_changes_status_message_and_last_updated_time()
    {
        var store = CreateStore();
        var task = await store.CreateAsync(new CreateTaskRequest { StatusMessage = "starting" }, Ct);
        Clock.Advance(TimeSpan.FromSeconds(3));

        var updated = await store.UpdateStatusAsync(task.Id, TaskState.InputRequired, "need a sheet id", Ct);

        Assert.Equal(TaskState.InputRequired, updated.Status);
        Assert.Equal("need a sheet id", updated.StatusMessage);
        Assert.Equal(task.CreatedAt, updated.CreatedAt);
        Assert.Equal(task.CreatedAt + TimeSpan.FromSeconds(3), updated.LastUpdatedAt);
        Assert.Equal(updated, await store.GetAsync(task.Id, Ct));
    }

    [Fact]
    public async Task UpdateStatus_without_a_message_clears_it()
    {
        var store = CreateStore();
        var task = await store.CreateAsync(new CreateTaskRequest { StatusMessage = "starting" }, Ct);

        var updated = await store.UpdateStatusAsync(task.Id, TaskState.Working, cancellationToken: Ct);

        Assert.Null(updated.StatusMessage);
        Assert.Null((await store.GetAsync(task.Id, Ct))!.StatusMessage);
    }

    [Fact]
    public async Task Input_required_task_can_return_to_working()
    {
        var store = CreateStore();
        var task = await store.CreateAsync(new CreateTaskRequest { Status = TaskState.InputRequired }, Ct);

        var updated = await store.UpdateStatusAsync(task.Id, TaskState.Working, "resumed", Ct);

        Assert.Equal(TaskState.Working, updated.Status);
    }

    [Theory]
    [InlineData(TaskState.Completed, TaskState.Working)]
    [InlineData(TaskState.Failed, TaskState.Working)]
    [InlineData(TaskState.Cancelled, TaskState.Working)]
    [InlineData(TaskState.Completed, TaskState.Failed)]
    [InlineData(TaskState.Cancelled, TaskState.InputRequired)]
    [InlineData(TaskState.Failed, TaskState.Failed)]
    public async Task Final_task_cannot_change_status(TaskState final, TaskState next)
    {
        var store = CreateStore();
        var task = await store.CreateAsync(cancellationToken: Ct);
        await store.UpdateStatusAsync(task.Id, final, "done", Ct);

        var error = await Assert.ThrowsAsync<InvalidTaskTransitionException>(() => store.UpdateStatusAsync(task.Id, next, cancellationToken: Ct).AsTask());

        Assert.Equal(final, error.From);
        Assert.Equal(next, error.To);
        Assert.Contains(task.Id, error.Message, StringComparison.Ordinal);
        var read = await store.GetAsync(task.Id, Ct);
        Assert.Equal(final, read!.Status);
        Assert.Equal("done", read.StatusMessage);
    }

    [Fact]
    public async Task UpdateStatus_of_an_unknown_task_throws_not_found()
    {
        var store = CreateStore();
        var error = await Assert.ThrowsAsync<EntityNotFoundException>(() => store.UpdateStatusAsync("missing", TaskState.Failed, cancellationToken: Ct).AsTask());
        Assert.Equal("task", error.EntityKind);
        Assert.Equal("missing", error.Id);
    }

    [Fact]
    public async Task A_result_is_stored_with_its_final_status_and_read_back_typed()
    {
        var store = CreateStore();
        var task = await store.CreateAsync(cancellationToken: Ct);
        var result = new SheetResult("Sheet1", [1, 2, 3], new Dictionary<string, string> { ["a"] = "ü €" });
        Clock.Advance(TimeSpan.FromSeconds(1));

        var updated = await store.SetResultAsync(task.Id, result, statusMessage: "all rows", cancellationToken: Ct);
        var read = await store.GetResultAsync<SheetResult>(task.Id, Ct);

        Assert.Equal(TaskState.Completed, updated.Status);
        Assert.True(updated.HasResult);
        Assert.Equal(task.CreatedAt + TimeSpan.FromSeconds(1), updated.LastUpdatedAt);
        Assert.NotNull(read);
        Assert.Equal(TaskState.Completed, read.Status);
        Assert.Equal("all rows", read.StatusMessage);
        Assert.Equal(result.Name, read.Value.Name);
        Assert.Equal(result.Rows, read.Value.Rows);
        Assert.Equal(result.Tags, read.Value.Tags);
        Assert.True((await store.GetAsync(task.Id, Ct))!.HasResult);
    }

    [Fact]
    public async Task A_failed_task_can_carry_an_error_result()
    {
        var store = CreateStore();
        var task = await store.CreateAsync(cancellationToken: Ct);

        await store.SetResultAsync(task.Id, "quota exceeded", TaskState.Failed, cancellationToken: Ct);

        var read = await store.GetResultAsync<string>(task.Id, Ct);
        Assert.Equal(TaskState.Failed, read!.Status);
        Assert.Equal("quota exceeded", read.Value);
    }

    [Fact]
    public async Task Result_of_a_task_without_one_or_of_an_unknown_task_is_null()
    {
        var store = CreateStore();
        var task = await store.CreateAsync(cancellationToken: Ct);

        Assert.Null(await store.GetResultAsync<string>(task.Id, Ct));
        Assert.Null(await store.GetResultAsync<string>("no-such-task", Ct));
    }

    [Fact]
    public async Task A_result_cannot_be_stored_with_a_non_final_status()
    {
        var store = CreateStore();
        var task = await store.CreateAsync(cancellationToken: Ct);

        await Assert.ThrowsAsync<ArgumentException>(() => store.SetResultAsync(task.Id, 1, TaskState.Working, cancellationToken: Ct).AsTask());
        Assert.False((await store.GetAsync(task.Id, Ct))!.HasResult);
    }

    [Fact]
    public async Task A_second_result_is_refused_and_the_first_kept()
    {
        var store = CreateStore();
        var task = await store.CreateAsync(cancellationToken: Ct);
        await store.SetResultAsync(task.Id, "first", cancellationToken: Ct);

        await Assert.ThrowsAsync<InvalidTaskTransitionException>(() => store.SetResultAsync(task.Id, "second", cancellationToken: Ct).AsTask());
        Assert.Equal("first", (await store.GetResultAsync<string>(task.Id, Ct))!.Value);
    }

    [Fact]
    public async Task A_result_for_an_unknown_task_throws_not_found()
    {
        var store = CreateStore();
        await Assert.ThrowsAsync<EntityNotFoundException>(() => store.SetResultAsync("missing", 42, cancellationToken: Ct).AsTask());
    }

    [Fact]
    public async Task A_result_that_cannot_be_serialized_throws_and_changes_nothing()
    {
        var store = CreateStore();
        var task = await store.CreateAsync(cancellationToken: Ct);
        var cycle = new Node();
        cycle.Next = cycle;

        var error = await Assert.ThrowsAsync<StoreSerializationException>(() => store.SetResultAsync(task.Id, cycle, cancellationToken: Ct).AsTask());

        Assert.Contains(task.Id, error.Message, StringComparison.Ordinal);
        var read = await store.GetAsync(task.Id, Ct);
        Assert.Equal(TaskState.Working, read!.Status);
        Assert.False(read.HasResult);
    }

    [Fact]
    public async Task A_result_over_the_size_limit_is_refused_before_anything_is_written()
    {
        var store = CreateStore(o => o.Tasks.MaxResultBytes = 1024);
        var task = await store.CreateAsync(cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<ArgumentException>(() => store.SetResultAsync(task.Id, new string('x', 2000), cancellationToken: Ct).AsTask());

        Assert.Contains("MaxResultBytes", error.Message, StringComparison.Ordinal);
        Assert.Equal(TaskState.Working, (await store.GetAsync(task.Id, Ct))!.Status);
    }

    [Fact]
    public async Task A_large_result_within_the_limit_round_trips()
    {
        var store = CreateStore();
        var task = await store.CreateAsync(cancellationToken: Ct);
        var big = new string('r', 1_000_000);

        await store.SetResultAsync(task.Id, big, cancellationToken: Ct);

        Assert.Equal(big, (await store.GetResultAsync<string>(task.Id, Ct))!.Value);
    }

    [Fact]
    public async Task Reading_a_result_as_an_incompatible_type_throws_serialization_error()
    {
        var store = CreateStore();
        var task = await store.CreateAsync(cancellationToken: Ct);
        await store.SetResultAsync(task.Id, "not a number", cancellationToken: Ct);

        var error = await Assert.ThrowsAsync<StoreSerializationException>(() => store.GetResultAsync<int>(task.Id, Ct).AsTask());
        Assert.Contains("Int32", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_removes_the_task_its_result_and_its_index_entries()
    {
        var store = CreateStore();
        var keep = await store.CreateAsync(cancellationToken: Ct);
        var task = await store.CreateAsync(cancellationToken: Ct);
        await store.SetResultAsync(task.Id, "r", cancellationToken: Ct);

        Assert.True(await store.DeleteAsync(task.Id, Ct));

        Assert.Null(await store.GetAsync(task.Id, Ct));
        Assert.Null(await store.GetResultAsync<string>(task.Id, Ct));
        Assert.Equal([keep.Id], (await ListAllAsync(store)).Select(t => t.Id));
        var stats = await store.GetStatsAsync(Ct);
        Assert.Equal(1, stats.Total);
        Assert.Equal(0, stats.Completed);
        Assert.False(await store.DeleteAsync(task.Id, Ct));
    }

    [Fact]
    public async Task A_deleted_id_can_be_used_again()
    {
        var store = CreateStore();
        await store.CreateAsync(new CreateTaskRequest { Id = "again" }, Ct);
        await store.UpdateStatusAsync("again", TaskState.Cancelled, cancellationToken: Ct);
        await store.DeleteAsync("again", Ct);

        var task = await store.CreateAsync(new CreateTaskRequest { Id = "again" }, Ct);

        Assert.Equal(TaskState.Working, task.Status);
        var stats = await store.GetStatsAsync(Ct);
        Assert.Equal(1, stats.Working);
        Assert.Equal(0, stats.Cancelled);
    }

    [Fact]
    public async Task List_returns_newest_first_across_pages()
    {
        var store = CreateStore();
        var created = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            created.Add((await store.CreateAsync(new CreateTaskRequest { Id = $"t{i}" }, Ct)).Id);
            Clock.Advance(TimeSpan.FromMilliseconds(10));
        }

        var first = await store.ListAsync(new TaskQuery { PageSize = 3 }, Ct);
        var second = await store.ListAsync(new TaskQuery { PageSize = 3, Cursor = first.NextCursor }, Ct);
        var third = await store.ListAsync(new TaskQuery { PageSize = 3, Cursor = second.NextCursor }, Ct);

        Assert.Equal(["t6", "t5", "t4"], first.Tasks.Select(t => t.Id));
        Assert.Equal(["t3", "t2", "t1"], second.Tasks.Select(t => t.Id));
        Assert.Equal(["t0"], third.Tasks.Select(t => t.Id));
        Assert.NotNull(first.NextCursor);
        Assert.NotNull(second.NextCursor);
        Assert.Null(third.NextCursor);
    }

    [Fact]
    public async Task A_page_that_ends_exactly_at_the_last_task_has_no_cursor()
    {
        var store = CreateStore();
        await store.CreateAsync(cancellationToken: Ct);
        await store.CreateAsync(cancellationToken: Ct);

        var page = await store.ListAsync(new TaskQuery { PageSize = 2 }, Ct);

        Assert.Equal(2, page.Tasks.Count);
        Assert.Null(page.NextCursor);
        Assert.Empty((await CreateStore().ListAsync(cancellationToken: Ct)).Tasks);
    }

    [Fact]
    public async Task Tasks_created_in_the_same_millisecond_are_ordered_by_id_and_paged_without_loss()
    {
        var store = CreateStore();
        foreach (var id in new[] { "b", "d", "a", "e", "c" })
        {
            await store.CreateAsync(new CreateTaskRequest { Id = id }, Ct);
        }

        var ids = (await ListAllAsync(store, pageSize: 2)).Select(t => t.Id);

        Assert.Equal(["e", "d", "c", "b", "a"], ids);
    }

    [Fact]
    public async Task The_cursor_stays_valid_when_its_task_is_deleted()
    {
        var store = CreateStore();
        foreach (var id in new[] { "a", "b", "c", "d", "e" })
        {
            await store.CreateAsync(new CreateTaskRequest { Id = id }, Ct);
            if (id == "c")
            {
                await store.CreateAsync(new CreateTaskRequest { Id = "c2" }, Ct); // same millisecond as c
            }

            Clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        var first = await store.ListAsync(new TaskQuery { PageSize = 3 }, Ct);
        Assert.Equal(["e", "d", "c2"], first.Tasks.Select(t => t.Id));
        await store.DeleteAsync("c2", Ct);
        var rest = await store.ListAsync(new TaskQuery { PageSize = 10, Cursor = first.NextCursor }, Ct);

        Assert.Equal(["c", "b", "a"], rest.Tasks.Select(t => t.Id));
    }

    [Fact]
    public async Task List_filters_by_status()
    {
        var store = CreateStore();
        var a = await store.CreateAsync(new CreateTaskRequest { Id = "a" }, Ct);
        Clock.Advance(TimeSpan.FromMilliseconds(5));
        var b = await store.CreateAsync(new CreateTaskRequest { Id = "b" }, Ct);
        Clock.Advance(TimeSpan.FromMilliseconds(5));
        var c = await store.CreateAsync(new CreateTaskRequest { Id = "c" }, Ct);
        await store.UpdateStatusAsync(a.Id, TaskState.Failed, cancellationToken: Ct);
        await store.SetResultAsync(c.Id, 3, cancellationToken: Ct);
        await store.UpdateStatusAsync(b.Id, TaskState.InputRequired, cancellationToken: Ct);

        Assert.Equal(["a"], (await store.ListAsync(new TaskQuery { Status = TaskState.Failed }, Ct)).Tasks.Select(t => t.Id));
        Assert.Equal(["c"], (await store.ListAsync(new TaskQuery { Status = TaskState.Completed }, Ct)).Tasks.Select(t => t.Id));
        Assert.Equal(["b"], (await store.ListAsync(new TaskQuery { Status = TaskState.InputRequired }, Ct)).Tasks.Select(t => t.Id));
        Assert.Empty((await store.ListAsync(new TaskQuery { Status = TaskState.Working }, Ct)).Tasks);
        Assert.Equal(["c", "b", "a"], (await store.ListAsync(cancellationToken: Ct)).Tasks.Select(t => t.Id));
    }

    [Fact]
    public async Task A_status_filtered_listing_pages_with_its_own_cursor()
    {
        var store = CreateStore();
        for (var i = 0; i < 6; i++)
        {
            var task = await store.CreateAsync(new CreateTaskRequest { Id = $"t{i}" }, Ct);
            if (i % 2 == 0)
            {
                await store.UpdateStatusAsync(task.Id, TaskState.Cancelled, cancellationToken: Ct);
            }

            Clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        var ids = (await ListAllAsync(store, pageSize: 1, status: TaskState.Cancelled)).Select(t => t.Id);

        Assert.Equal(["t4", "t2", "t0"], ids);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(1001)]
    public async Task List_refuses_a_page_size_out_of_range(int pageSize)
    {
        var store = CreateStore();
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.ListAsync(new TaskQuery { PageSize = pageSize }, Ct).AsTask());
    }

    [Theory]
    [InlineData("not a cursor")]
    [InlineData("")]
    [InlineData("dDF8MTIzfHt9")] // "t1|123|{}": well formed, but an id no store writes
    [InlineData("eDF8MTIzfGFi")] // "x1|123|ab": unknown version
    public async Task List_refuses_a_cursor_it_did_not_make(string cursor)
    {
        var store = CreateStore();
        await store.CreateAsync(cancellationToken: Ct);
        await Assert.ThrowsAsync<ArgumentException>(() => store.ListAsync(new TaskQuery { Cursor = cursor }, Ct).AsTask());
    }

    [Fact]
    public async Task Stats_count_tasks_per_status_as_they_move()
    {
        var store = CreateStore();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await store.CreateAsync(cancellationToken: Ct)).Id);
        }

        await store.UpdateStatusAsync(ids[0], TaskState.InputRequired, cancellationToken: Ct);
        await store.SetResultAsync(ids[1], "ok", cancellationToken: Ct);
        await store.UpdateStatusAsync(ids[2], TaskState.Failed, cancellationToken: Ct);
        await store.UpdateStatusAsync(ids[3], TaskState.Cancelled, cancellationToken: Ct);

        var stats = await store.GetStatsAsync(Ct);

        Assert.Equal(new TaskStats { Working = 1, InputRequired = 1, Completed = 1, Failed = 1, Cancelled = 1 }, stats);
        Assert.Equal(5, stats.Total);
        Assert.Equal(1, stats[TaskState.Failed]);
    }

    [Fact]
    public async Task A_task_and_its_result_expire_together()
    {
        var store = CreateStore();
        var shortLived = await store.CreateAsync(new CreateTaskRequest { Ttl = TimeSpan.FromSeconds(1) }, Ct);
        await store.SetResultAsync(shortLived.Id, "gone soon", cancellationToken: Ct);
        var longLived = await store.CreateAsync(new CreateTaskRequest { Ttl = TimeSpan.FromMinutes(5) }, Ct);

        await LetTimePassAsync(TimeSpan.FromMilliseconds(1200));

        Assert.Null(await store.GetAsync(shortLived.Id, Ct));
        Assert.Null(await store.GetResultAsync<string>(shortLived.Id, Ct));
        Assert.Equal([longLived.Id], (await ListAllAsync(store)).Select(t => t.Id));
        Assert.Empty((await store.ListAsync(new TaskQuery { Status = TaskState.Completed }, Ct)).Tasks);
        Assert.Equal(new TaskStats { Working = 1 }, await store.GetStatsAsync(Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => store.UpdateStatusAsync(shortLived.Id, TaskState.Failed, cancellationToken: Ct).AsTask());
    }

    [Fact]
    public async Task An_expired_id_can_be_created_again()
    {
        var store = CreateStore();
        await store.CreateAsync(new CreateTaskRequest { Id = "reborn", Ttl = TimeSpan.FromSeconds(1) }, Ct);
        await store.UpdateStatusAsync("reborn", TaskState.Failed, cancellationToken: Ct);
        await LetTimePassAsync(TimeSpan.FromMilliseconds(1200));

        await store.CreateAsync(new CreateTaskRequest { Id = "reborn" }, Ct);

        Assert.Equal(new TaskStats { Working = 1 }, await store.GetStatsAsync(Ct));
        Assert.Empty((await store.ListAsync(new TaskQuery { Status = TaskState.Failed }, Ct)).Tasks);
    }

    [Theory]
    [MemberData(nameof(BadIds))]
    public async Task Ids_outside_the_id_rule_are_refused_by_every_operation(string id)
    {
        var store = CreateStore();

        await Assert.ThrowsAsync<ArgumentException>(() => store.CreateAsync(new CreateTaskRequest { Id = id }, Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.GetAsync(id, Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.UpdateStatusAsync(id, TaskState.Failed, cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.SetResultAsync(id, 1, cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.GetResultAsync<int>(id, Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.DeleteAsync(id, Ct).AsTask());
        Assert.Equal(0, (await store.GetStatsAsync(Ct)).Total);
    }

    [Fact]
    public async Task A_null_id_is_refused_by_every_operation()
    {
        var store = CreateStore();

        await Assert.ThrowsAsync<ArgumentNullException>(() => store.GetAsync(null!, Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.UpdateStatusAsync(null!, TaskState.Failed, cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.SetResultAsync(null!, 1, cancellationToken: Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.GetResultAsync<int>(null!, Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentNullException>(() => store.DeleteAsync(null!, Ct).AsTask());
    }

    public static TheoryData<string> BadIds() =>
    [
        string.Empty, "a*b", "a?b", "a[b", "a]b", "a\\b", "a:b", "a{b", "a}b", "{tag}", "a b", "tab\t", "new\nline",
        "é", new string('x', 257),
    ];

    [Fact]
    public async Task The_longest_allowed_id_and_every_allowed_symbol_work()
    {
        var store = CreateStore();
        var longest = new string('x', 256);
        const string Symbols = "Az09-_.@+=~/";

        await store.CreateAsync(new CreateTaskRequest { Id = longest }, Ct);
        await store.CreateAsync(new CreateTaskRequest { Id = Symbols }, Ct);

        Assert.NotNull(await store.GetAsync(longest, Ct));
        Assert.Equal(Symbols, (await store.GetAsync(Symbols, Ct))!.Id);
    }

    [Fact]
    public async Task Out_of_range_ttl_and_poll_interval_are_refused()
    {
        var store = CreateStore();
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.CreateAsync(new CreateTaskRequest { Ttl = TimeSpan.FromMilliseconds(999) }, Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.CreateAsync(new CreateTaskRequest { Ttl = TimeSpan.FromDays(366) }, Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.CreateAsync(new CreateTaskRequest { PollInterval = TimeSpan.Zero }, Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.CreateAsync(new CreateTaskRequest { Status = (TaskState)42 }, Ct).AsTask());
        Assert.Equal(0, (await store.GetStatsAsync(Ct)).Total);
    }

    [Fact]
    public async Task Messages_over_the_limit_are_refused_and_empty_ones_stored_as_null()
    {
        var store = CreateStore(o => o.Tasks.MaxStatusMessageLength = 10);
        var task = await store.CreateAsync(new CreateTaskRequest { StatusMessage = string.Empty }, Ct);

        Assert.Null(task.StatusMessage);
        await Assert.ThrowsAsync<ArgumentException>(() => store.UpdateStatusAsync(task.Id, TaskState.Working, new string('m', 11), Ct).AsTask());
        Assert.Equal("0123456789", (await store.UpdateStatusAsync(task.Id, TaskState.Working, "0123456789", Ct)).StatusMessage);
    }

    [Fact]
    public async Task A_cancelled_token_stops_every_operation_before_it_starts()
    {
        var store = CreateStore();
        var task = await store.CreateAsync(cancellationToken: Ct);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var token = cancelled.Token;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.CreateAsync(null, token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.GetAsync(task.Id, token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.UpdateStatusAsync(task.Id, TaskState.Failed, null, token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.SetResultAsync(task.Id, 1, cancellationToken: token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.GetResultAsync<int>(task.Id, token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.DeleteAsync(task.Id, token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.ListAsync(null, token).AsTask());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.GetStatsAsync(token).AsTask());
        Assert.Equal(TaskState.Working, (await store.GetAsync(task.Id, Ct))!.Status);
        Assert.Equal(1, (await store.GetStatsAsync(Ct)).Total);
    }

    [Fact]
    public async Task Concurrent_updates_of_one_task_leave_exactly_one_final_status()
    {
        var store = CreateStore();
        var task = await store.CreateAsync(cancellationToken: Ct);
        var finals = new[] { TaskState.Completed, TaskState.Failed, TaskState.Cancelled };

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 30).Select(async i =>
        {
            try
            {
                await store.UpdateStatusAsync(task.Id, finals[i % 3], $"by {i}", Ct);
                return true;
            }
            catch (InvalidTaskTransitionException)
            {
                return false;
            }
        }));

        Assert.Equal(1, outcomes.Count(won => won));
        var stats = await store.GetStatsAsync(Ct);
        Assert.Equal(1, stats.Total);
        Assert.Equal(0, stats.Working);
    }

    protected static async Task<List<TaskRecord>> ListAllAsync(ITaskStore store, int pageSize = 100, TaskState? status = null)
    {
        var all = new List<TaskRecord>();
        string? cursor = null;
        do
        {
            var page = await store.ListAsync(new TaskQuery { PageSize = pageSize, Cursor = cursor, Status = status }, Ct);
            all.AddRange(page.Tasks);
            cursor = page.NextCursor;
        }
        while (cursor is not null);
        return all;
    }

    public sealed record SheetResult(string Name, int[] Rows, Dictionary<string, string> Tags);

    public sealed class Node
    {
        public Node? Next { get; set; }
    }
}

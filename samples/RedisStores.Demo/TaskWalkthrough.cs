using RedisStores.Tasks;

/// <summary>The life of one long-running task, as an API server's instances would share it.</summary>
internal static class TaskWalkthrough
{
    public static async Task RunAsync(ITaskStore tasks)
    {
        Console.WriteLine();
        Console.WriteLine("== Task store ==");

        var task = await tasks.CreateAsync(new CreateTaskRequest { Ttl = TimeSpan.FromMinutes(10), StatusMessage = "queued" });
        Console.WriteLine($"1. created task {task.Id}: {task.Status}, polls every {task.PollInterval.TotalSeconds:0}s, expires {task.ExpiresAt:u}");

        task = await tasks.UpdateStatusAsync(task.Id, TaskState.InputRequired, "which spreadsheet?");
        Console.WriteLine($"2. needs input: {task.Status} ({task.StatusMessage})");

        task = await tasks.UpdateStatusAsync(task.Id, TaskState.Working, "reading 3 sheets");
        Console.WriteLine($"3. working again: {task.Status} ({task.StatusMessage})");

        task = await tasks.SetResultAsync(task.Id, new SheetSummary("Budget 2026", Sheets: 3, Rows: 1_204), statusMessage: "done");
        Console.WriteLine($"4. result stored: {task.Status}, has result: {task.HasResult}");

        var result = await tasks.GetResultAsync<SheetSummary>(task.Id);
        Console.WriteLine($"5. result read back typed: {result!.Value}");

        try
        {
            await tasks.UpdateStatusAsync(task.Id, TaskState.Working);
        }
        catch (InvalidTaskTransitionException ex)
        {
            Console.WriteLine($"6. refused, as it should be: {ex.Message}");
        }

        var other = await tasks.CreateAsync();
        await tasks.UpdateStatusAsync(other.Id, TaskState.Failed, "quota exceeded");
        var page = await tasks.ListAsync(new TaskQuery { PageSize = 10 });
        Console.WriteLine($"7. listing, newest first: {string.Join(", ", page.Tasks.Take(2).Select(t => $"{t.Id[..8]}… {t.Status}"))}");

        var stats = await tasks.GetStatsAsync();
        Console.WriteLine($"8. stats: {stats.Working} working, {stats.Completed} completed, {stats.Failed} failed, {stats.Total} in all");

        await tasks.DeleteAsync(task.Id);
        await tasks.DeleteAsync(other.Id);
        Console.WriteLine($"9. deleted both; task {task.Id[..8]}… is now {(await tasks.GetAsync(task.Id) is null ? "gone" : "still there")}");
    }

    private sealed record SheetSummary(string Title, int Sheets, int Rows);
}

using RedisStores.Tasks;

namespace RedisStores.Tests.RoundTrips;

internal static partial class RoundTripScenarios
{
    private static readonly Section TaskSection = new("Task store", typeof(ITaskStore), nameof(RedisTaskStore));

    private static IEnumerable<Scenario> TaskRows()
    {
        static Scenario Row(string method, string state, Func<Scope, Meter, Task> run) => new(TaskSection, typeof(ITaskStore), method, state, run);

        yield return Row(nameof(ITaskStore.CreateAsync), "a new task", async (s, m) =>
        {
            var tasks = await s.TasksAsync();
            await m.MeasureAsync(() => tasks.CreateAsync().AsTask());
        });

        yield return Row(nameof(ITaskStore.GetAsync), "an existing task", async (s, m) =>
        {
            var tasks = await s.TasksAsync();
            var task = await tasks.CreateAsync();
            await m.MeasureAsync(() => tasks.GetAsync(task.Id).AsTask());
        });

        yield return Row(nameof(ITaskStore.UpdateStatusAsync), "a working task, with a status message", async (s, m) =>
        {
            var tasks = await s.TasksAsync();
            var task = await tasks.CreateAsync();
            await m.MeasureAsync(() => tasks.UpdateStatusAsync(task.Id, TaskState.InputRequired, "waiting for approval").AsTask());
        }) with { Notes = "The script also publishes the status change, which wakes waiters on every instance." };

        yield return Row(nameof(ITaskStore.SetResultAsync), "a working task, completed with a small result", async (s, m) =>
        {
            var tasks = await s.TasksAsync();
            var task = await tasks.CreateAsync();
            await m.MeasureAsync(() => tasks.SetResultAsync(task.Id, new { Rows = 42 }).AsTask());
        });

        yield return Row(nameof(ITaskStore.GetResultAsync), "a completed task with a result", async (s, m) =>
        {
            var tasks = await s.TasksAsync();
            var task = await tasks.CreateAsync();
            await tasks.SetResultAsync(task.Id, 42);
            await m.MeasureAsync(() => tasks.GetResultAsync<int>(task.Id).AsTask());
        });

        yield return Row(nameof(ITaskStore.DeleteAsync), "an existing task", async (s, m) =>
        {
            var tasks = await s.TasksAsync();
            var task = await tasks.CreateAsync();
            await m.MeasureAsync(() => tasks.DeleteAsync(task.Id).AsTask());
        });

        yield return Row(nameof(ITaskStore.ListAsync), "the first page, 3 tasks", async (s, m) =>
        {
            var tasks = await s.TasksAsync();
            for (var i = 0; i < 3; i++)
            {
                await tasks.CreateAsync();
            }

            await m.MeasureAsync(() => tasks.ListAsync().AsTask());
        }) with { SingleEntity = false, Notes = "Server commands grow with the page: one read per task listed, plus the pruning of expired index entries." };

        yield return Row(nameof(ITaskStore.GetStatsAsync), "3 tasks, none expired", async (s, m) =>
        {
            var tasks = await s.TasksAsync();
            for (var i = 0; i < 3; i++)
            {
                await tasks.CreateAsync();
            }

            await m.MeasureAsync(() => tasks.GetStatsAsync().AsTask());
        }) with { SingleEntity = false, Notes = "Counts are kept as data. One more round trip per 1,000 expired index entries to prune." };

        yield return Row(nameof(ITaskStore.WaitForCompletionAsync), "a task already completed", async (s, m) =>
        {
            var tasks = await s.TasksAsync();
            var task = await tasks.CreateAsync();
            await tasks.SetResultAsync(task.Id, 1);
            await m.MeasureAsync(() => tasks.WaitForCompletionAsync(task.Id, TimeSpan.FromMinutes(1)).AsTask());
        });

        yield return Row(nameof(ITaskStore.WaitForCompletionAsync), "the first wait of a store, a task already completed", async (s, m) =>
        {
            var tasks = s.NewTaskStore();
            var task = await tasks.CreateAsync();
            await tasks.SetResultAsync(task.Id, 1);
            await m.MeasureAsync(() => tasks.WaitForCompletionAsync(task.Id, TimeSpan.FromMinutes(1)).AsTask());
        }) with { Notes = "The first wait of a store subscribes to status changes and reads the task at once; when the task is not finished it reads again once the subscription is live, before it sleeps." };

        yield return Row(nameof(ITaskStore.WaitForCompletionAsync), "a working task, completed by another instance while it waits", async (s, m) =>
        {
            var tasks = await s.TasksAsync();
            var other = s.NewTaskStore();
            var task = await tasks.CreateAsync();
            await m.MeasureAsync(
                () => tasks.WaitForCompletionAsync(task.Id, TimeSpan.FromMinutes(1)).AsTask(),
                meanwhile: async () =>
                {
                    await m.UntilCompletedAsync(1);
                    await other.SetResultAsync(task.Id, 1);
                });
        }) with
        {
            Exception = "it waits: one read, then one more per status change it is woken by (here one).",
            Notes = "Redis commands include the other instance's completing script, which publishes the change.",
        };
    }
}

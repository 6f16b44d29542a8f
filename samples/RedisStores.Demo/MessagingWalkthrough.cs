using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using RedisStores;
using RedisStores.Messaging;
using RedisStores.Tasks;

/// <summary>Two instances of a service on one Redis: events published by one reach the other, and a wait on one ends when the other finishes the task.</summary>
internal static class MessagingWalkthrough
{
    public static async Task RunAsync(IServiceProvider first, IConfiguration configuration)
    {
        Console.WriteLine();
        Console.WriteLine("== Message bus ==");
        var onRedis = first.GetRequiredService<StoreBackendInfo>().Backend == StoreBackend.Redis;

        // A second instance of the application: its own container and, on Redis, its own connection. In memory,
        // state is per process, so the "second instance" is this one.
        await using var other = new ServiceCollection().AddRedisStores(configuration).BuildServiceProvider();
        var second = onRedis ? other : first;
        Console.WriteLine(onRedis ? "1. a second instance started on the same Redis" : "1. in memory, both instances are this process (set REDIS_URL to see two)");

        var busA = first.GetRequiredService<IMessageBus>();
        var busB = second.GetRequiredService<IMessageBus>();
        var heard = new TaskCompletionSource<BusMessage<Alert>>();
        await using (await busB.SubscribePatternAsync<Alert>("alerts.*", (m, _) =>
        {
            heard.TrySetResult(m);
            return ValueTask.CompletedTask;
        }))
        {
            await busA.PublishAsync("alerts.disk", new Alert("disk 91% full"));
            var message = await heard.Task.WaitAsync(TimeSpan.FromSeconds(10));
            Console.WriteLine($"2. instance B heard on {message.Topic}: \"{message.Payload.Text}\" (id {message.Id[..8]}, sent {message.PublishedAt:HH:mm:ss.fff})");
        }

        var tasksA = first.GetRequiredService<ITaskStore>();
        var tasksB = second.GetRequiredService<ITaskStore>();
        var statuses = new List<string>();
        await using (await busB.SubscribeAsync<TaskStatusChange>(StoreTopics.TaskStatus, (m, _) =>
        {
            lock (statuses)
            {
                statuses.Add(m.Payload.Status);
            }

            return ValueTask.CompletedTask;
        }))
        {
            var task = await tasksA.CreateAsync(new CreateTaskRequest { Ttl = TimeSpan.FromMinutes(5) });
            var waiting = tasksB.WaitForCompletionAsync(task.Id, TimeSpan.FromSeconds(30)).AsTask();
            await tasksA.UpdateStatusAsync(task.Id, TaskState.Working, "halfway");
            await tasksA.SetResultAsync(task.Id, "report.pdf");
            var done = await waiting;
            await Task.Delay(200);
            lock (statuses)
            {
                Console.WriteLine($"3. instance B waited for task {task.Id[..8]}: woken by its {done.Status} status, not by polling; it heard: {string.Join(" → ", statuses)}");
            }
        }
    }

    private sealed record Alert(string Text);
}

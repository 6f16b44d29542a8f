// Another instance of an application, for cross-process tests. Configured like any host: REDIS_URL and
// REDIS_PREFIX from the environment, through AddRedisStores(). Prints one result line, "ok ..." or "error ...".
using Microsoft.Extensions.DependencyInjection;
using RedisStores;
using RedisStores.Tasks;

await using var services = new ServiceCollection().AddRedisStores().BuildServiceProvider();
var tasks = services.GetRequiredService<ITaskStore>();
if (services.GetRequiredService<StoreBackendInfo>().Backend != StoreBackend.Redis)
{
    Console.WriteLine("error REDIS_URL is not set");
    return 2;
}

try
{
    switch (args)
    {
        case ["task-create", var id]:
            var created = await tasks.CreateAsync(new CreateTaskRequest { Id = id, StatusMessage = "from another process" });
            Console.WriteLine($"ok {created.Status}");
            return 0;
        case ["task-complete", var id, var result]:
            var completed = await tasks.SetResultAsync(id, result);
            Console.WriteLine($"ok {completed.Status}");
            return 0;
        case ["task-get", var id]:
            var task = await tasks.GetAsync(id);
            var read = await tasks.GetResultAsync<string>(id);
            Console.WriteLine(task is null ? "ok missing" : $"ok {task.Status} {task.StatusMessage} {read?.Value}");
            return 0;
        default:
            Console.WriteLine("error usage: task-create ID | task-complete ID RESULT | task-get ID");
            return 2;
    }
}
catch (RedisStoresException ex)
{
    Console.WriteLine($"error {ex.GetType().Name}: {ex.Message}");
    return 1;
}

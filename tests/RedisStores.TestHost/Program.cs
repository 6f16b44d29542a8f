// Another instance of an application, for cross-process tests. Configured like any host: REDIS_URL and
// REDIS_PREFIX from the environment, through AddRedisStores(). Prints one result line, "ok ..." or "error ...".
using Microsoft.Extensions.DependencyInjection;
using System.Globalization;
using RedisStores;
using RedisStores.Locking;
using RedisStores.Tasks;
using RedisStores.Workers;
using StackExchange.Redis;

await using var services = new ServiceCollection().AddRedisStores().BuildServiceProvider();
var tasks = services.GetRequiredService<ITaskStore>();
var locks = services.GetRequiredService<IDistributedLockService>();
var workers = services.GetRequiredService<IWorkerStore>();
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
        case ["lock-increment", var name, var counterKey, var times]:
            // A deliberately unsafe read-modify-write of a Redis counter, made safe only by the lock.
            await using (var redis = await ConnectionMultiplexer.ConnectAsync(Environment.GetEnvironmentVariable("REDIS_URL")!))
            {
                var db = redis.GetDatabase();
                for (var i = 0; i < int.Parse(times, CultureInfo.InvariantCulture); i++)
                {
                    await using var held = await locks.AcquireAsync(name, TimeSpan.FromSeconds(60));
                    var value = (long)await db.StringGetAsync(counterKey);
                    await Task.Delay(1);
                    await db.StringSetAsync(counterKey, value + 1);
                }
            }

            Console.WriteLine("ok");
            return 0;
        case ["worker-lease", var queue, var visibilityMs]:
            // A worker that takes a job and then hangs mid-job until it is killed.
            var lease = await workers.WaitAndLeaseAsync<string>(
                queue,
                TimeSpan.FromSeconds(30),
                new LeaseOptions { VisibilityTimeout = TimeSpan.FromMilliseconds(int.Parse(visibilityMs, CultureInfo.InvariantCulture)), WorkerId = "doomed" });
            Console.WriteLine(lease is null ? "error nothing to lease" : $"ok leased {lease.JobId} {lease.Attempt} {lease.Payload}");
            if (lease is null)
            {
                return 1;
            }

            await Task.Delay(Timeout.Infinite);
            return 0;
        default:
            Console.WriteLine("error usage: task-create ID | task-complete ID RESULT | task-get ID | lock-increment NAME COUNTER-KEY TIMES | worker-lease QUEUE VISIBILITY-MS");
            return 2;
    }
}
catch (RedisStoresException ex)
{
    Console.WriteLine($"error {ex.GetType().Name}: {ex.Message}");
    return 1;
}

// A console host that uses RedisStores the way a web API would: AddRedisStores(), then stores from DI.
// In memory by default; set REDIS_URL (for example redis://localhost:6379) to run the same walk-through on Redis.
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RedisStores;
using RedisStores.Caching;
using RedisStores.Sessions;
using RedisStores.Tasks;
using RedisStores.Workers;

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddRedisStores(builder.Configuration);
using var host = builder.Build();
await host.StartAsync();

var backend = host.Services.GetRequiredService<StoreBackendInfo>();
var tasks = host.Services.GetRequiredService<ITaskStore>();
var sessions = host.Services.GetRequiredService<ISessionStore>();
var cache = host.Services.GetRequiredService<ICacheStore>();
var workers = host.Services.GetRequiredService<IWorkerStore>();
Console.WriteLine($"RedisStores demo: state is kept {backend}.");

try
{
    await TaskWalkthrough.RunAsync(tasks);
    await SessionWalkthrough.RunAsync(sessions);
    await CacheWalkthrough.RunAsync(cache);
    await WorkerWalkthrough.RunAsync(workers);
    await MessagingWalkthrough.RunAsync(host.Services, builder.Configuration);
}
catch (StoreUnavailableException ex)
{
    Console.Error.WriteLine($"Redis is not reachable: {ex.Message}");
    Console.Error.WriteLine("Start Redis, or unset REDIS_URL to run in memory.");
    return 1;
}

await host.StopAsync();
return 0;

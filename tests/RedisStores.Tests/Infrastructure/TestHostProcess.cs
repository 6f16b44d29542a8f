using System.Diagnostics;

namespace RedisStores.Tests.Infrastructure;

/// <summary>Runs tests/RedisStores.TestHost: a second application process on the same Redis.</summary>
public static class TestHostProcess
{
    public static async Task<string> RunAsync(string redisConfiguration, string keyPrefix, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(HostAssembly());
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["REDIS_URL"] = redisConfiguration;
        start.Environment["REDIS_PREFIX"] = keyPrefix;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the test host.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        var text = (await output).Trim();
        return process.ExitCode == 0 ? text : throw new InvalidOperationException($"Test host exited {process.ExitCode}: {text} {await error}");
    }

    /// <summary>
    /// Starts the test host and returns once it has printed its first line, leaving it running: for a process that
    /// must be killed mid-work. Disposing the handle kills it, by its own process id, if it still runs.
    /// </summary>
    public static async Task<(RunningHost Host, string FirstLine)> StartAsync(string redisConfiguration, string keyPrefix, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(HostAssembly());
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["REDIS_URL"] = redisConfiguration;
        start.Environment["REDIS_PREFIX"] = keyPrefix;
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the test host.");
        var host = new RunningHost(process);
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token) ?? $"error exited {await process.StandardError.ReadToEndAsync(timeout.Token)}";
            return (host, line.Trim());
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    // Built next to this assembly's own configuration (Debug or Release) by the project reference.
    private static string HostAssembly()
    {
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var framework = here.Name;
        var configuration = here.Parent!.Name;
        var path = Path.Combine(ApiConventionTests.RepositoryRoot(), "tests", "RedisStores.TestHost", "bin", configuration, framework, "RedisStores.TestHost.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("Build the solution first: the test host is missing.", path);
    }
}

/// <summary>A test host left running; killed (with its children) on dispose if it has not exited.</summary>
public sealed class RunningHost(Process process) : IAsyncDisposable
{
    public bool HasExited => process.HasExited;

    public async Task KillAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        process.Dispose();
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace RedisStores.Benchmarks;

/// <summary>A redis-server of the benchmark's own on a free loopback port, stopped by its process id.</summary>
internal sealed class BenchmarkRedis : IDisposable
{
    private readonly Process? _process;
    private readonly string? _directory;

    private BenchmarkRedis(string endPoint, Process? process, string? directory)
    {
        EndPoint = endPoint;
        _process = process;
        _directory = directory;
    }

    public string EndPoint { get; }

    public static BenchmarkRedis External(string endPoint) => new(endPoint, null, null);

    public static async Task<BenchmarkRedis> StartAsync()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var directory = Directory.CreateTempSubdirectory("redisstores-bench-").FullName;
        var start = new ProcessStartInfo("redis-server") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var argument in new[]
        {
            "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", directory,
            "--save", string.Empty, "--appendonly", "no", "--enable-debug-command", "local", "--logfile", Path.Combine(directory, "redis.log"),
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start; install it (apt-get install redis-server) or pass --redis host:port.");
        var redis = new BenchmarkRedis($"127.0.0.1:{port}", process, directory);
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return redis;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        redis.Dispose();
        throw new TimeoutException("redis-server did not start listening within 5 s.");
    }

    public void Dispose()
    {
        if (_process is not null)
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                _process.WaitForExit(10_000);
            }

            _process.Dispose();
        }

        if (_directory is not null)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }
}

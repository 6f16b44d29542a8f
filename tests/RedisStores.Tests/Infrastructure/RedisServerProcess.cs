using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace RedisStores.Tests.Infrastructure;

/// <summary>
/// One redis-server this test run started: loopback only, on a free port, in its own temp directory, with no
/// persistence. It is stopped by its own process id, and its pid file lets tests/run.sh clean up after a crash.
/// </summary>
public sealed class RedisServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private RedisServerProcess(Process process, int port, string directory)
    {
        _process = process;
        Port = port;
        Directory = directory;
    }

    public int Port { get; }

    public string Directory { get; }

    public string EndPoint => $"127.0.0.1:{Port}";

    public static async Task<RedisServerProcess> StartAsync(string redisServer, string workRoot, bool cluster, CancellationToken cancellationToken, int? port = null)
    {
        port ??= FreePort(needsBusPort: cluster);
        var directory = Path.Combine(workRoot, $"redis-{port}");
        System.IO.Directory.CreateDirectory(directory);
        var arguments = new List<string>
        {
            "--port", port.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1",
            "--protected-mode", "yes",
            "--dir", directory,
            "--save", string.Empty,
            "--appendonly", "no",
            "--daemonize", "no",
            "--logfile", Path.Combine(directory, "redis.log"),
        };
        if (cluster)
        {
            arguments.AddRange(["--cluster-enabled", "yes", "--cluster-config-file", Path.Combine(directory, "nodes.conf"), "--cluster-node-timeout", "5000"]);
        }

        var start = new ProcessStartInfo(redisServer) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {redisServer}.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await File.WriteAllTextAsync(Path.Combine(workRoot, $"redis-{port}.pid"), process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
        var server = new RedisServerProcess(process, port.Value, directory);
        await server.WaitUntilReadyAsync(cancellationToken);
        return server;
    }

    /// <summary>Stops the server (by its own process id) and waits for it to exit.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
            }
        }
        catch (InvalidOperationException)
        {
        }
        finally
        {
            _process.Dispose();
        }
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"redis-server on port {Port} exited at start (code {_process.ExitCode}); see {Path.Combine(Directory, "redis.log")}.");
            }

            if (await PingAsync(Port, cancellationToken))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"redis-server on port {Port} did not answer PING within 15 s; see {Path.Combine(Directory, "redis.log")}.");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    private static async Task<bool> PingAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), cancellationToken);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer, cancellationToken);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("+PONG", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    // A port that is free now, and (for cluster nodes) whose bus port, port + 10000, is free too.
    internal static int FreePort(bool needsBusPort)
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(20000, 30000);
            if (IsFree(port) && (!needsBusPort || IsFree(port + 10000)))
            {
                return port;
            }
        }

        throw new InvalidOperationException("Found no free loopback port between 20000 and 30000.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

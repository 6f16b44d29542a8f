using BenchmarkDotNet.Columns;
using Perfolizer.Horology;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace RedisStores.Benchmarks;

/// <summary>
/// Runs the BenchmarkDotNet benchmarks of this assembly (in-process paths: memory-cache hits, serialization, key
/// building) inside this process, and returns each one's median time ("&lt;name&gt; ns") and allocation ("&lt;name&gt; B").
/// </summary>
internal static class InProcessSuite
{
    public static IReadOnlyDictionary<string, double> Run(bool quick)
    {
        var job = Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(quick ? 2 : 6)
            .WithIterationCount(quick ? 7 : 20)
            .WithIterationTime(TimeInterval.FromMilliseconds(quick ? 150 : 500));
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(ConsoleLogger.Default)
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "redisstores-benchmarkdotnet"));
        var values = new Dictionary<string, double>();
        foreach (var summary in BenchmarkRunner.Run(typeof(InProcessSuite).Assembly, config))
        {
            foreach (var report in summary.Reports.Where(r => r.ResultStatistics is not null))
            {
                // A description with spaces is shown quoted ('L1 hit: RedisStores'); the targets name it bare.
                var name = report.BenchmarkCase.Descriptor.WorkloadMethodDisplayInfo.Trim('\'')
                    + (report.BenchmarkCase.HasParameters ? " " + report.BenchmarkCase.Parameters.DisplayInfo : string.Empty);
                values[name + " ns"] = report.ResultStatistics!.Median;
                values[name + " B"] = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? double.NaN;
            }
        }

        return values;
    }
}

using System.Globalization;
using System.Text;

namespace RedisStores.Benchmarks;

/// <summary>The suite's results as Markdown: the machine, the targets, and every row with its ratios to its anchors.</summary>
internal static class Report
{
    public static string Markdown(IReadOnlyList<RunResults> passes, string machine, string chartFile)
    {
        var text = new StringBuilder();
        text.AppendLine(machine).AppendLine();
        text.AppendLine("### Targets").AppendLine();
        text.AppendLine("Each ratio is computed within a pass (ours and its anchor measured minutes apart at most), then the median over the passes is reported.").AppendLine();
        text.AppendLine("| target | required | median | each pass | met |");
        text.AppendLine("| --- | --- | ---: | --- | --- |");
        foreach (var target in Targets.All)
        {
            var median = target.MedianOver(passes);
            var each = string.Join(", ", passes.Select(p => Number(target.Measure(p))));
            text.AppendLine(Invariant($"| {target.Name} | {target.Required} | {Number(median)}{target.Unit} | {each} | {(double.IsNaN(median) ? "not measured" : target.IsMet(median) ? "yes" : "**no**")} |"));
        }

        text.AppendLine().AppendLine(Invariant($"![Each target's median, as a multiple of what it requires]({chartFile})")).AppendLine();
        foreach (var group in Suite.MedianRows(passes))
        {
            text.AppendLine(Invariant($"### {Title(group.Group)}")).AppendLine();
            text.AppendLine("| operation | concurrency | ops/s | vs anchors (median ratio of ops/s) | p50 µs | p99 µs | bytes/op | Redis commands/op | round trips/op |");
            text.AppendLine("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |");
            foreach (var row in group.Rows)
            {
                text.AppendLine(Invariant($"| {row.Operation} | {row.Concurrency} | {row.OpsPerSecond:N0} | {Ratios(passes, row)} | {Micros(row.P50Micros)} | {Micros(row.P99Micros)} | {row.BytesPerOp:N0} | {Fixed(row.CommandsPerOp, "F1")} | {Fixed(row.RoundTripsPerOp, "F2")} |"));
            }

            text.AppendLine();
        }

        var scaling = Suite.MedianScaling(passes);
        if (scaling.Count > 0)
        {
            text.AppendLine("### Listing and stats as the keyspace and the store grow").AppendLine();
            text.AppendLine("Median of 201 calls of a page of 100 and of stats, per pass; then the median over the passes.").AppendLine();
            text.AppendLine("| tasks in store | unrelated keys | keys in Redis | list µs | stats µs |");
            text.AppendLine("| ---: | ---: | ---: | ---: | ---: |");
            foreach (var s in scaling)
            {
                text.AppendLine(Invariant($"| {s.Tasks:N0} | {s.UnrelatedKeys:N0} | {s.KeysInRedis:N0} | {s.ListMicros:F0} | {s.StatsMicros:F0} |"));
            }

            text.AppendLine();
        }

        if (passes[0].Values.Count > 0)
        {
            text.AppendLine("### In-process (BenchmarkDotNet)").AppendLine();
            text.AppendLine("Median time per call and bytes allocated per call; names are the methods of `InProcessBenchmarks.cs`.").AppendLine();
            text.AppendLine("| benchmark | ns/call | bytes/call |");
            text.AppendLine("| --- | ---: | ---: |");
            foreach (var (name, value) in passes[0].Values.Where(v => v.Key.EndsWith(" ns", StringComparison.Ordinal)))
            {
                var benchmark = name[..^3];
                var bytes = passes[0].Values.TryGetValue(benchmark + " B", out var b) ? b : double.NaN;
                text.AppendLine(Invariant($"| {benchmark} | {value:N1} | {Fixed(bytes, "N0")} |"));
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    /// <summary>The rows as the console shows them while a pass runs.</summary>
    public static string Line(Row row) =>
        Invariant($"| {row.Operation} | {row.Concurrency} | {row.OpsPerSecond:N0} | {Micros(row.P50Micros)} | {Micros(row.P99Micros)} | {row.BytesPerOp:N0} | {row.CommandsPerOp:F1} | {row.RoundTripsPerOp:F2} |");

    private static string Ratios(IReadOnlyList<RunResults> passes, Row row)
    {
        if (row.Operation.EndsWith("(anchor)", StringComparison.Ordinal))
        {
            return "anchor";
        }

        if (!Targets.Anchors.TryGetValue(row.Operation, out var anchors))
        {
            return string.Empty;
        }

        return string.Join("; ", anchors.Select(anchor =>
        {
            var ratio = Suite.Median(passes.Select(p =>
                (p.Find(row.Operation, row.Concurrency)?.OpsPerSecond ?? double.NaN) / (p.Find(anchor, row.Concurrency)?.OpsPerSecond ?? double.NaN)));
            return double.IsNaN(ratio) ? null : Invariant($"{ratio:F2}× {anchor.Replace(" (anchor)", string.Empty, StringComparison.Ordinal)}");
        }).OfType<string>());
    }

    private static string Title(string group) => group switch
    {
        "tasks" => "Task store",
        "locks" => "Locks and sessions",
        "cache" => "Cache",
        "workers" => "Worker queue",
        "messaging" => "Message bus",
        _ => group,
    };

    // Rows that are not one operation per call (a hand-off among contenders) have no commands or round trips per op.
    private static string Fixed(double value, string format) => double.IsNaN(value) ? "–" : value.ToString(format, CultureInfo.InvariantCulture);

    private static string Number(double value) => double.IsNaN(value) ? "–" : value.ToString(Math.Abs(value) >= 100 ? "N0" : "0.00", CultureInfo.InvariantCulture);

    // Memory-cache hits take well under a microsecond: one decimal below 10 µs.
    private static string Micros(double value) => value.ToString(value < 10 ? "F1" : "F0", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}

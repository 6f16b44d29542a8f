using System.Globalization;
using ScottPlot;

namespace RedisStores.Benchmarks;

/// <summary>Draws the targets as one PNG: each bar is a target's median as a multiple of what it requires.</summary>
internal static class Chart
{
    public static void Save(IReadOnlyList<RunResults> passes, string path)
    {
        var targets = Targets.All.Where(t => t.Unit == "×" || t.Unit == " µs").ToArray();
        var plot = new Plot();
        var bars = new List<Bar>();
        var labels = new List<string>();
        for (var i = 0; i < targets.Length; i++)
        {
            var target = targets[i];
            var median = target.MedianOver(passes);
            var progress = double.IsNaN(median) ? 0 : target.Progress(median);
            var position = targets.Length - 1 - i;
            bars.Add(new Bar
            {
                Position = position,
                Value = Math.Min(progress, 4),
                FillColor = target.IsMet(median) ? Color.FromHex("#2E7D32") : Color.FromHex("#C62828"),
            });
            var shown = median >= 100 ? median.ToString("N0", CultureInfo.InvariantCulture) : median.ToString("0.##", CultureInfo.InvariantCulture);
            var measured = double.IsNaN(median) ? "not measured" : $"{shown}{target.Unit} (needs {target.Required})";

            // Right of the bar and of the dashed line, so the line never crosses the text.
            var text = plot.Add.Text(measured, Math.Max(Math.Min(progress, 4), 1) + 0.05, position);
            text.LabelFontSize = 11;
            text.LabelAlignment = Alignment.MiddleLeft;
            labels.Add(target.Name);
        }

        var barPlot = plot.Add.Bars(bars);
        barPlot.Horizontal = true;
        var line = plot.Add.VerticalLine(1);
        line.LinePattern = LinePattern.Dashed;
        line.Color = Colors.Black;
        plot.Axes.Left.SetTicks([.. Enumerable.Range(0, targets.Length).Select(i => (double)i)], [.. Enumerable.Reverse(labels)]);
        plot.Axes.Left.TickLabelStyle.FontSize = 11;
        plot.Axes.SetLimits(0, 5, -0.6, targets.Length - 0.4);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericFixedInterval(0.5);
        plot.Axes.Bottom.Label.Text = "median ÷ requirement (1 = exactly the target; right of the dashed line = met; bars stop at 4)";
        plot.Title(string.Create(CultureInfo.InvariantCulture, $"RedisStores against its speed targets ({passes.Count} passes, medians)"));
        plot.SavePng(path, 1400, 80 + (44 * targets.Length));
    }
}

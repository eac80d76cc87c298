using ScottPlot;

namespace Mistral.Gpu.Roofline.Charts;

/// <summary>One group of bars: a throughput metric, with each run's tokens/s (null where a run lacks it).</summary>
/// <param name="Metric">"prefill", "decode @ 4096", ...</param>
/// <param name="TokensPerSecond">One median per run, in run order.</param>
public sealed record CompareGroup(string Metric, IReadOnlyList<double?> TokensPerSecond);

/// <summary>
/// Saved runs as grouped bars (device vs device, backend vs backend, compiler vs compiler): a group
/// per throughput metric, a bar per run. Prefill and decode differ by orders of magnitude, so a bar's
/// height is its speed over the first run's (the baseline is 1) and its label gives the tokens/s.
/// </summary>
public static class CompareChart
{
    /// <summary>The groups the chart draws: prefill, decode, and decode at every context any run measured.</summary>
    /// <param name="runs">Two or more labelled runs; the first is the baseline.</param>
    public static IReadOnlyList<CompareGroup> Groups(IReadOnlyList<(string Label, BenchRun Run)> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var groups = new List<CompareGroup>
        {
            new("prefill", runs.Select(r => r.Run.Prefill?.TokensPerSecond.Median).ToList()),
            new("decode", runs.Select(r => r.Run.Decode?.TokensPerSecond.Median).ToList()),
        };
        foreach (int context in runs.SelectMany(r => r.Run.DecodeByContext.Select(d => d.Context)).Distinct().Order())
            groups.Add(new($"decode @ {context}", runs.Select(r => r.Run.DecodeByContext.FirstOrDefault(d => d.Context == context)?.TokensPerSecond.Median).ToList()));
        // A group is only comparable when the baseline has it and some other run does too.
        return groups.Where(g => g.TokensPerSecond[0] is > 0 && g.TokensPerSecond.Skip(1).Any(v => v is not null)).ToList();
    }

    /// <summary>The chart.</summary>
    /// <param name="runs">Two or more labelled runs; the first is the baseline.</param>
    public static Plot Create(IReadOnlyList<(string Label, BenchRun Run)> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count < 2) throw new ArgumentException("Compare needs at least two runs.", nameof(runs));
        var groups = Groups(runs);
        var plot = ChartFiles.NewPlot($"Throughput relative to {runs[0].Label}");
        // Bars of one group sit side by side in a slot of width 1, with a gap of one bar between groups.
        double width = 1.0 / (runs.Count + 1);
        var bars = new List<Bar>();
        for (int g = 0; g < groups.Count; g++)
        {
            for (int r = 0; r < runs.Count; r++)
            {
                if (groups[g].TokensPerSecond[r] is not { } speed)
                    continue;
                bars.Add(new Bar
                {
                    Position = g + (r - (runs.Count - 1) / 2.0) * width,
                    Value = speed / groups[g].TokensPerSecond[0]!.Value,
                    Size = width * 0.95,
                    FillColor = ChartFiles.Colour(r),
                    Label = speed.ToString(speed >= 100 ? "F0" : "F2", System.Globalization.CultureInfo.InvariantCulture),
                });
            }
        }
        plot.Add.Bars(bars);
        for (int r = 0; r < runs.Count; r++)
            plot.Legend.ManualItems.Add(new LegendItem
            {
                LabelText = $"{runs[r].Label}: {runs[r].Run.Device.Name} ({runs[r].Run.Device.Backend})",
                FillColor = ChartFiles.Colour(r),
            });
        plot.Add.HorizontalLine(1, 1, Colors.Gray, LinePattern.Dotted);
        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, groups.Count).Select(g => (double)g).ToArray(), groups.Select(g => g.Metric).ToArray());
        plot.Axes.Margins(bottom: 0, top: 0.2);
        plot.YLabel($"tokens/s over {runs[0].Label}'s (each bar labelled with its tokens/s)");
        plot.ShowLegend(Alignment.UpperLeft);
        return plot;
    }
}

using ScottPlot;

namespace Mistral.Gpu.Roofline.Charts;

/// <summary>
/// Decode tokens/s against context from one bench run: the median of each context, a bar from the
/// slowest to the fastest repetition, and the sliding window marked. Past the window the rotating
/// KV cache keeps the attended length at the window, so the line should run flat there.
/// </summary>
public static class DecodeByContextChart
{
    /// <summary>The decode measurements the chart plots, by context: the sweep plus the main decode.</summary>
    /// <param name="run">A saved run.</param>
    public static IReadOnlyList<Throughput> Points(BenchRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return run.DecodeByContext.Append(run.Decode).OfType<Throughput>().DistinctBy(t => t.Context).OrderBy(t => t.Context).ToList();
    }

    /// <summary>The chart; null when the run measured no decode.</summary>
    /// <param name="run">A saved run.</param>
    public static Plot? Create(BenchRun run)
    {
        var points = Points(run);
        if (points.Count == 0)
            return null;
        var plot = ChartFiles.NewPlot($"Decode speed against context: {run.Settings.Model} ({run.Settings.Weights}), {run.Device.Name} ({run.Device.Backend})");
        double[] xs = points.Select(p => Math.Log2(p.Context)).ToArray();
        double[] ys = points.Select(p => p.TokensPerSecond.Median).ToArray();

        var spread = plot.Add.ErrorBar(xs, ys, points.Select(p => p.TokensPerSecond.Max - p.TokensPerSecond.Median).ToArray());
        spread.YErrorNegative = points.Select(p => p.TokensPerSecond.Median - p.TokensPerSecond.Min).ToArray();
        spread.Color = Colors.Gray;

        var line = plot.Add.Scatter(xs, ys, ChartFiles.Colour(0));
        line.LineWidth = 2;
        line.MarkerSize = 9;
        line.LegendText = $"median of {run.Settings.Repetitions} repetitions (bar: min to max)";

        if (run.Model.Window > 0 && run.Model.Window < int.MaxValue)
        {
            var window = plot.Add.VerticalLine(Math.Log2(run.Model.Window), 1.5f, Colors.DarkRed, LinePattern.Dashed);
            window.LegendText = $"sliding window {run.Model.Window}: the KV cache rotates from here on";
        }
        for (int i = 0; i < points.Count; i++)
        {
            var label = plot.Add.Text($"{ys[i]:F2}", xs[i], ys[i]);
            label.LabelAlignment = Alignment.LowerCenter;
            label.OffsetY = -10;
            label.LabelFontSize = 13;
        }
        plot.Axes.Bottom.SetTicks(xs, points.Select(p => p.Context.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        plot.Axes.SetLimitsX(xs.Min() - 0.5, Math.Max(xs.Max(), run.Model.Window is > 0 and < int.MaxValue ? Math.Log2(run.Model.Window) : 0) + 0.5);

        plot.XLabel("context (position of the first decoded token; log2 spacing)");
        plot.YLabel("decode tokens/s");
        plot.Axes.SetLimitsY(0, ys.Max() * 1.25);
        plot.ShowLegend(Alignment.LowerLeft);
        return plot;
    }
}

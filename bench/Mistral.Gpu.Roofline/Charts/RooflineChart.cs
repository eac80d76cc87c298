using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;

namespace Mistral.Gpu.Roofline.Charts;

/// <summary>
/// A roofline per backend: log-log axes of arithmetic intensity (FLOP/byte) against achieved FLOP/s,
/// the bandwidth ceiling (a 45-degree line) up to the ridge and the compute ceiling after it, and one
/// dot per kernel, named in the legend. Kernels that do no floating-point work have no place on
/// these axes; a note in the corner gives their bandwidth instead. ScottPlot has no log axis, so
/// values are plotted as log10 and the ticks labelled with the powers of ten.
/// </summary>
public static class RooflineChart
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Kernels with FLOPs and a measured rate: the ones that get a dot.</summary>
    /// <param name="kernels">Measured kernels.</param>
    public static IReadOnlyList<KernelMeasurement> Plotted(IReadOnlyList<KernelMeasurement> kernels) =>
        kernels.Where(k => k.Flops > 0 && k.BytesMoved > 0 && k.GigaflopsPerSecond > 0).ToList();

    /// <summary>The chart of <paramref name="kernels"/> against <paramref name="peaks"/>.</summary>
    /// <param name="title">Title line (model, device, backend).</param>
    /// <param name="peaks">The device's ceilings.</param>
    /// <param name="kernels">Measured kernels.</param>
    public static Plot Create(string title, DevicePeaks peaks, IReadOnlyList<KernelMeasurement> kernels)
    {
        ArgumentNullException.ThrowIfNull(peaks);
        ArgumentNullException.ThrowIfNull(kernels);
        var plotted = Plotted(kernels);
        var plot = ChartFiles.NewPlot(title);

        // Whole decades covering every dot and the ridge, so nothing sits on the frame.
        var xs = plotted.Select(k => k.ArithmeticIntensity).Append(peaks.RidgeIntensity ?? 1).ToList();
        var ys = plotted.Select(k => k.GigaflopsPerSecond * 1e9).Append(peaks.FlopsPerSecond ?? 1e9).ToList();
        double xMin = Math.Floor(Math.Log10(xs.Min())) - 1, xMax = Math.Ceiling(Math.Log10(xs.Max())) + 1;
        double yMin = Math.Floor(Math.Log10(ys.Min())) - 1, yMax = Math.Ceiling(Math.Log10(ys.Max()) + 0.3);

        AddCeilings(plot, peaks, xMin, xMax, yMin);
        for (int i = 0; i < plotted.Count; i++)
        {
            var k = plotted[i];
            double[] x = [Math.Log10(k.ArithmeticIntensity)], y = [Math.Log10(k.GigaflopsPerSecond * 1e9)];
            // Twenty colours: a decode step has a dozen kernel rows, and ten colours would repeat.
            var dot = plot.Add.ScatterPoints(x, y, new ScottPlot.Palettes.Category20().GetColor(i));
            dot.MarkerSize = 12;
            dot.LegendText = $"{i + 1}. {k.Kernel} [{Shorten(k.Shape, 30)}]";
            plot.Add.Text($"{i + 1}", x[0], y[0]).OffsetX = 8;
        }
        var noFlops = kernels.Except(plotted).ToList();
        if (noFlops.Count > 0)
            Note(plot, "No FLOPs, so not on the chart:\n" + string.Join("\n", noFlops.Select(k =>
                $"{k.Kernel} [{Shorten(k.Shape, 30)}]: {k.GigabytesPerSecond:F1} GB/s" +
                (k.FractionOfPeakBandwidth is { } f ? $", {f.ToString("P1", Invariant)} of peak" : ""))), Alignment.LowerRight);

        plot.Axes.Bottom.TickGenerator = LogTicks(v => v.ToString("G6", Invariant));
        plot.Axes.Left.TickGenerator = LogTicks(v => Units.Rate(v, "FLOP/s"));
        plot.Axes.SetLimits(xMin, xMax, yMin, yMax);
        plot.XLabel("arithmetic intensity (FLOP / byte moved)");
        plot.YLabel("achieved FLOP/s");
        plot.ShowLegend(Edge.Right);
        return plot;
    }

    private static void AddCeilings(Plot plot, DevicePeaks peaks, double xMin, double xMax, double yMin)
    {
        double? bandwidth = peaks.BandwidthBytesPerSecond, flops = peaks.FlopsPerSecond;
        if (bandwidth is { } b)
        {
            // From where the 45-degree line enters the plot to the ridge (or the right edge without a compute ceiling).
            double from = Math.Max(xMin, yMin - Math.Log10(b));
            double to = flops is { } f ? Math.Min(xMax, Math.Log10(f / b)) : xMax;
            var line = plot.Add.Line(from, Math.Log10(b) + from, to, Math.Log10(b) + to);
            line.LineWidth = 2.5f;
            line.Color = Colors.Black;
            line.LegendText = $"bandwidth ceiling {Units.Rate(b, "B/s")} ({Source(peaks.BandwidthSource)})";
        }
        if (flops is { } p)
        {
            double from = bandwidth is { } b2 ? Math.Max(xMin, Math.Log10(p / b2)) : xMin;
            var line = plot.Add.Line(from, Math.Log10(p), xMax, Math.Log10(p));
            line.LineWidth = 2.5f;
            line.Color = Colors.DimGray;
            line.LegendText = $"compute ceiling {Units.Rate(p, "FLOP/s")} ({Source(peaks.FlopsSource)})";
        }
        else
        {
            Note(plot, "compute ceiling unknown for this device", Alignment.UpperRight);
        }
    }

    private static void Note(Plot plot, string text, Alignment corner)
    {
        var note = plot.Add.Annotation(text, corner);
        note.LabelFontSize = 11;
        note.LabelBackgroundColor = Colors.White.WithAlpha(0.9);
        note.LabelBorderColor = Colors.Gray;
        note.LabelShadowColor = Colors.Transparent;
    }

    private static NumericAutomatic LogTicks(Func<double, string> label) => new()
    {
        MinorTickGenerator = new LogMinorTickGenerator(),
        IntegerTicksOnly = true,
        LabelFormatter = exponent => label(Math.Pow(10, exponent)),
    };

    /// <summary>"measured" or "datasheet": the long source is in the run's JSON.</summary>
    private static string Source(string source) => source.Split(':')[0].Trim() is { Length: > 0 } s ? s : "source unknown";

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";
}

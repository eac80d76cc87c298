using System.Globalization;
using System.Security;
using System.Text;

namespace Mistral.Gpu.Roofline;

/// <summary>
/// A roofline chart as hand-written SVG: log-log axes of arithmetic intensity (FLOP/byte) against
/// achieved FLOP/s, the bandwidth ceiling (a 45-degree line) up to the ridge point and the compute
/// ceiling after it, and one point per kernel. Kernels that do no floating-point work have no
/// place on these axes; they are listed under the chart with their bandwidth instead.
/// </summary>
public static class RooflineSvg
{
    private const double Width = 960, Height = 600;
    private const double Left = 90, Right = 300, Top = 50, Bottom = 70;
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;
    private static readonly string[] Palette =
        ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f"];

    /// <summary>Renders the chart for <paramref name="kernels"/> against <paramref name="peaks"/>.</summary>
    public static string Render(string title, DevicePeaks peaks, IReadOnlyList<KernelMeasurement> kernels)
    {
        ArgumentNullException.ThrowIfNull(peaks);
        ArgumentNullException.ThrowIfNull(kernels);
        var plotted = kernels.Where(k => k.Flops > 0 && k.BytesMoved > 0 && k.GigaflopsPerSecond > 0).ToList();
        var skipped = kernels.Except(plotted).ToList();

        // Axis ranges: whole decades covering every point and both ceilings, so nothing sits on the frame.
        var xs = plotted.Select(k => k.ArithmeticIntensity).ToList();
        var ys = plotted.Select(k => k.GigaflopsPerSecond * 1e9).ToList();
        if (peaks.RidgeIntensity is { } ridge) xs.Add(ridge);
        if (peaks.FlopsPerSecond is { } peakFlops) ys.Add(peakFlops);
        if (xs.Count == 0) xs.Add(1);
        if (ys.Count == 0) ys.Add(1e9);
        double xMin = Decade(xs.Min(), -1), xMax = Decade(xs.Max(), +1);
        if (peaks.BandwidthBytesPerSecond is { } bw) ys.Add(bw * xMax);
        double yMin = Decade(ys.Min(), -1), yMax = Decade(ys.Max(), 0);
        if (yMax <= ys.Max()) yMax *= 10;

        double plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        double X(double v) => Left + (Math.Log10(v) - Math.Log10(xMin)) / (Math.Log10(xMax) - Math.Log10(xMin)) * plotW;
        double Y(double v) => Top + plotH - (Math.Log10(v) - Math.Log10(yMin)) / (Math.Log10(yMax) - Math.Log10(yMin)) * plotH;

        var svg = new StringBuilder();
        svg.Append(Invariant, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height + 20 * skipped.Count}\" viewBox=\"0 0 {Width} {Height + 20 * skipped.Count}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        svg.Append(Invariant, $"<text x=\"{Left}\" y=\"24\" font-size=\"16\" font-weight=\"bold\">{Escape(title)}</text>\n");
        svg.Append(Invariant, $"<text x=\"{Left}\" y=\"40\" fill=\"#555\">{Escape(KernelReportFormats.PeakLine(peaks))}</text>\n");

        // Decade grid and tick labels.
        for (double v = xMin; v <= xMax * 1.0001; v *= 10)
        {
            svg.Append(Invariant, $"<line x1=\"{X(v):F1}\" y1=\"{Top}\" x2=\"{X(v):F1}\" y2=\"{Top + plotH}\" stroke=\"#ddd\"/>\n");
            svg.Append(Invariant, $"<text x=\"{X(v):F1}\" y=\"{Top + plotH + 18}\" text-anchor=\"middle\">{v.ToString("G6", Invariant)}</text>\n");
        }
        for (double v = yMin; v <= yMax * 1.0001; v *= 10)
        {
            svg.Append(Invariant, $"<line x1=\"{Left}\" y1=\"{Y(v):F1}\" x2=\"{Left + plotW}\" y2=\"{Y(v):F1}\" stroke=\"#ddd\"/>\n");
            svg.Append(Invariant, $"<text x=\"{Left - 8}\" y=\"{Y(v) + 4:F1}\" text-anchor=\"end\">{Escape(Units.Rate(v, "FLOP/s"))}</text>\n");
        }
        svg.Append(Invariant, $"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\" fill=\"none\" stroke=\"#333\"/>\n");
        svg.Append(Invariant, $"<text x=\"{Left + plotW / 2}\" y=\"{Height - 22}\" text-anchor=\"middle\">arithmetic intensity (FLOP / byte moved)</text>\n");
        svg.Append(Invariant, $"<text transform=\"translate(18 {Top + plotH / 2}) rotate(-90)\" text-anchor=\"middle\">achieved FLOP/s</text>\n");

        AppendCeilings(svg, peaks, xMin, xMax, yMin, yMax, X, Y);

        // Points, each with a hover title and a numbered legend entry.
        for (int i = 0; i < plotted.Count; i++)
        {
            var k = plotted[i];
            string color = Palette[i % Palette.Length];
            double cx = X(k.ArithmeticIntensity), cy = Y(k.GigaflopsPerSecond * 1e9);
            string detail = $"{k.Kernel} [{k.Shape}]: {k.ArithmeticIntensity:G3} FLOP/B, {k.GigaflopsPerSecond:F1} GFLOP/s, {k.GigabytesPerSecond:F1} GB/s";
            svg.Append(Invariant, $"<circle cx=\"{cx:F1}\" cy=\"{cy:F1}\" r=\"6\" fill=\"{color}\" stroke=\"black\" stroke-width=\"0.5\"><title>{Escape(detail)}</title></circle>\n");
            svg.Append(Invariant, $"<text x=\"{cx + 8:F1}\" y=\"{cy - 6:F1}\" font-size=\"11\">{i + 1}</text>\n");
            double ly = Top + 14 + 30 * i;
            double lx = Left + plotW + 16;
            svg.Append(Invariant, $"<circle cx=\"{lx}\" cy=\"{ly - 4}\" r=\"5\" fill=\"{color}\"/>\n");
            svg.Append(Invariant, $"<text x=\"{lx + 10}\" y=\"{ly}\">{i + 1}. {Escape(k.Kernel)}</text>\n");
            svg.Append(Invariant, $"<text x=\"{lx + 10}\" y=\"{ly + 13}\" font-size=\"10\" fill=\"#555\">{Escape(Shorten(k.Shape, 44))}</text>\n");
        }

        double noteY = Height - 4;
        if (skipped.Count > 0)
            svg.Append(Invariant, $"<text x=\"{Left}\" y=\"{noteY}\" fill=\"#555\">Not on the chart (no FLOPs), achieved bandwidth:</text>\n");
        foreach (var k in skipped)
        {
            noteY += 20;
            var fraction = k.FractionOfPeakBandwidth is { } f ? $", {f.ToString("P1", Invariant)} of peak" : "";
            svg.Append(Invariant, $"<text x=\"{Left + 12}\" y=\"{noteY}\" fill=\"#555\">{Escape($"{k.Kernel} [{k.Shape}]: {k.GigabytesPerSecond:F1} GB/s{fraction}")}</text>\n");
        }
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void AppendCeilings(StringBuilder svg, DevicePeaks peaks, double xMin, double xMax, double yMin, double yMax,
        Func<double, double> x, Func<double, double> y)
    {
        double? bw = peaks.BandwidthBytesPerSecond, flops = peaks.FlopsPerSecond;
        if (bw is { } b)
        {
            // The bandwidth line runs from where it enters the plot to the ridge (or the right edge when there is no compute ceiling).
            double from = Math.Max(xMin, yMin / b);
            double to = flops is { } f ? Math.Min(xMax, f / b) : Math.Min(xMax, yMax / b);
            svg.Append(Invariant, $"<line x1=\"{x(from):F1}\" y1=\"{y(b * from):F1}\" x2=\"{x(to):F1}\" y2=\"{y(b * to):F1}\" stroke=\"#444\" stroke-width=\"2\"/>\n");
            svg.Append(Invariant, $"<text x=\"{x(from) + 10:F1}\" y=\"{y(b * from) - 8:F1}\" fill=\"#444\" transform=\"rotate(0)\">{Escape($"{Units.Rate(b, "B/s")} ({Source(peaks.BandwidthSource)})")}</text>\n");
        }
        if (flops is { } p)
        {
            double from = bw is { } b2 ? Math.Max(xMin, p / b2) : xMin;
            svg.Append(Invariant, $"<line x1=\"{x(from):F1}\" y1=\"{y(p):F1}\" x2=\"{x(xMax):F1}\" y2=\"{y(p):F1}\" stroke=\"#444\" stroke-width=\"2\"/>\n");
            svg.Append(Invariant, $"<text x=\"{x(xMax) - 6:F1}\" y=\"{y(p) - 8:F1}\" text-anchor=\"end\" fill=\"#444\">{Escape($"{Units.Rate(p, "FLOP/s")} ({Source(peaks.FlopsSource)})")}</text>\n");
        }
        else
        {
            svg.Append(Invariant, $"<text x=\"{x(xMax) - 6:F1}\" y=\"{y(yMax) + 16:F1}\" text-anchor=\"end\" fill=\"#a00\">compute ceiling unknown for this device</text>\n");
        }
    }

    /// <summary>"measured" or "datasheet": the long source is in the header line.</summary>
    private static string Source(string source) => source.Split(':')[0].Trim() is { Length: > 0 } s ? s : "source unknown";

    private static double Decade(double value, int shift) => Math.Pow(10, Math.Floor(Math.Log10(value)) + shift);

    private static string Shorten(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";
}

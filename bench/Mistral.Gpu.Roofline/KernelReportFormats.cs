using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Mistral.Gpu.Roofline;

/// <summary>
/// Writes a <see cref="KernelReport"/> as Markdown (to paste in an issue), CSV (for a spreadsheet)
/// and JSON (for scripts). All numbers use the invariant culture so files compare across machines.
/// </summary>
public static class KernelReportFormats
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>A Markdown table with a header line naming the device and where its peaks come from.</summary>
    public static string ToMarkdown(KernelReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        text.Append(Invariant, $"**{report.Device.Name}** ({report.Device.Backend}); ")
            .Append(PeakLine(report.Peaks)).Append("\n\n");
        text.Append("| kernel | shape | calls | ms (median) | ± MAD | share | bytes | FLOPs | GB/s | GFLOP/s | % peak BW | % peak FLOP/s |\n");
        text.Append("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        foreach (var k in report.Kernels)
        {
            text.Append(Invariant, $"| {k.Kernel} | {k.Shape} | {k.Calls} | {k.Milliseconds.Median:F4} | {k.Milliseconds.Mad:F4} | ")
                .Append(Percent(k.ShareOfStep)).Append(" | ")
                .Append(Units.Bytes(k.BytesMoved)).Append(" | ")
                .Append(Units.Count(k.Flops)).Append(Invariant, $" | {k.GigabytesPerSecond:F1} | {k.GigaflopsPerSecond:F1} | ")
                .Append(Percent(k.FractionOfPeakBandwidth)).Append(" | ")
                .Append(Percent(k.FractionOfPeakFlops)).Append(" |\n");
        }
        return text.ToString();
    }

    /// <summary>One header row, then one row per kernel; raw units (bytes, FLOPs, ms, fractions) for arithmetic.</summary>
    public static string ToCsv(KernelReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        text.Append("device,backend,kernel,shape,calls,ms_median,ms_min,ms_max,ms_mad,share_of_step,bytes_read,bytes_written,flops,")
            .Append("gb_per_s,gflop_per_s,fraction_peak_bandwidth,fraction_peak_flops,peak_bandwidth_bytes_per_s,peak_bandwidth_source,peak_flops_per_s,peak_flops_source\n");
        foreach (var k in report.Kernels)
        {
            string[] cells =
            [
                report.Device.Name, report.Device.Backend, k.Kernel, k.Shape, Num(k.Calls),
                Num(k.Milliseconds.Median), Num(k.Milliseconds.Min), Num(k.Milliseconds.Max), Num(k.Milliseconds.Mad),
                Num(k.ShareOfStep), Num(k.BytesRead), Num(k.BytesWritten), Num(k.Flops),
                Num(k.GigabytesPerSecond), Num(k.GigaflopsPerSecond), Num(k.FractionOfPeakBandwidth), Num(k.FractionOfPeakFlops),
                Num(report.Peaks.BandwidthBytesPerSecond), report.Peaks.BandwidthSource,
                Num(report.Peaks.FlopsPerSecond), report.Peaks.FlopsSource,
            ];
            text.AppendJoin(',', cells.Select(Csv)).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>The report as indented JSON (the same field names as bench files).</summary>
    public static string ToJson(KernelReport report) => JsonSerializer.Serialize(report, BenchJsonContext.Default.KernelReport);

    /// <summary>Writes <c>NAME.md</c>, <c>NAME.csv</c> and <c>NAME.json</c> into <paramref name="folder"/>; returns their paths.</summary>
    public static IReadOnlyList<string> WriteAll(KernelReport report, string folder, string name)
    {
        Directory.CreateDirectory(folder);
        var files = new[] { (".md", ToMarkdown(report)), (".csv", ToCsv(report)), (".json", ToJson(report)) };
        return files.Select(f =>
        {
            var path = Path.Combine(folder, name + f.Item1);
            File.WriteAllText(path, f.Item2);
            return path;
        }).ToList();
    }

    /// <summary>"peak 22.1 GB/s (measured: ...), FLOP/s unknown" — the sentence every result carries.</summary>
    public static string PeakLine(DevicePeaks peaks)
    {
        ArgumentNullException.ThrowIfNull(peaks);
        string bw = peaks.BandwidthBytesPerSecond is { } b ? $"peak {Units.Rate(b, "B/s")} ({peaks.BandwidthSource})" : "peak bandwidth unknown";
        string fl = peaks.FlopsPerSecond is { } f ? $"{Units.Rate(f, "FLOP/s")} ({peaks.FlopsSource})" : "peak FLOP/s unknown";
        return $"{bw}, {fl}";
    }

    /// <summary>"412 GFLOP/s, 61 % of the integer-dot peak (...)" for a prefill that reached <paramref name="flopsPerSecond"/>.</summary>
    public static string PrefillRate(double flopsPerSecond, DevicePeaks peaks)
    {
        ArgumentNullException.ThrowIfNull(peaks);
        string rate = Units.Rate(flopsPerSecond, "FLOP/s");
        if (peaks.IntegerDotOpsPerSecond is { } dot and > 0)
            return $"{rate}, {(flopsPerSecond / dot).ToString("P0", Invariant)} of the integer-dot peak {Units.Rate(dot, "op/s")} ({peaks.IntegerDotSource})";
        if (peaks.FlopsPerSecond is { } f and > 0)
            return $"{rate}, {(flopsPerSecond / f).ToString("P0", Invariant)} of the FLOP/s peak {Units.Rate(f, "FLOP/s")}";
        return rate;
    }

    private static string Percent(double? fraction) => fraction is { } f ? f.ToString("P1", Invariant) : "–";

    private static string Num(double? value) => value is { } v ? v.ToString("R", Invariant) : "";

    private static string Num(long value) => value.ToString(Invariant);

    private static string Csv(string cell) =>
        cell.IndexOfAny([',', '"', '\n']) >= 0 ? "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : cell;
}

using System.Globalization;
using System.Text;

namespace Mistral.Gpu.Roofline;

/// <summary>One metric across runs: a cell per run, and each later run's value over the first's.</summary>
/// <param name="Metric">What the row measures, with its unit.</param>
/// <param name="Cells">One cell per run ("–" where the run lacks the metric).</param>
/// <param name="Ratios">For runs 2..n, value / first run's value; null where either is missing.</param>
public sealed record CompareRow(string Metric, IReadOnlyList<string> Cells, IReadOnlyList<double?> Ratios);

/// <summary>
/// Saved bench runs side by side. The first run is the baseline: each later run gets a ratio
/// column, so "1.85x" in a tokens/s row means 1.85 times as fast as the first file. Metrics a run
/// lacks (no profile, another context list) show a dash instead of failing.
/// </summary>
public sealed class CompareTable
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    private CompareTable(IReadOnlyList<string> labels, IReadOnlyList<CompareRow> rows) => (Labels, Rows) = (labels, rows);

    /// <summary>Run labels, in column order.</summary>
    public IReadOnlyList<string> Labels { get; }

    /// <summary>The rows.</summary>
    public IReadOnlyList<CompareRow> Rows { get; }

    /// <summary>Column headers: the metric, one per run, then one ratio column per later run.</summary>
    public IReadOnlyList<string> Headers =>
        ["metric", .. Labels, .. Labels.Skip(1).Select(l => $"{l} / {Labels[0]}")];

    /// <summary>Builds the table; at least two runs.</summary>
    public static CompareTable Build(IReadOnlyList<(string Label, BenchRun Run)> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count < 2) throw new ArgumentException("Compare needs at least two runs.", nameof(runs));
        var list = runs.Select(r => r.Run).ToList();
        var rows = new List<CompareRow>
        {
            Text("device", list, r => r.Device.Name),
            Text("backend", list, r => r.Device.Backend),
            Text("model", list, r => $"{r.Settings.Model} ({r.Settings.Weights})"),
            Number("peak bandwidth (GB/s)", list, r => r.Peaks.BandwidthBytesPerSecond / 1e9, "F1"),
            Text("peak bandwidth source", list, r => r.Peaks.BandwidthSource),
            Text("verification (bench suite)", list, r => r.Verification.Count == 0 ? "" : $"{r.Verification.Count(v => v.Passed)} of {r.Verification.Count} passed"),
            Number("prefill (tokens/s)", list, r => r.Prefill?.TokensPerSecond.Median, "F2", r => r.Prefill?.TokensPerSecond),
            Number("decode (tokens/s)", list, r => r.Decode?.TokensPerSecond.Median, "F2", r => r.Decode?.TokensPerSecond),
        };
        foreach (int context in list.SelectMany(r => r.DecodeByContext.Select(d => d.Context)).Distinct().Order())
        {
            Throughput? At(BenchRun r) => r.DecodeByContext.FirstOrDefault(d => d.Context == context);
            rows.Add(Number($"decode @ {context} (tokens/s)", list, r => At(r)?.TokensPerSecond.Median, "F2", r => At(r)?.TokensPerSecond));
        }
        foreach (int length in list.SelectMany(r => r.PrefillByLength.Select(p => p.Context)).Distinct().Order())
        {
            Throughput? At(BenchRun r) => r.PrefillByLength.FirstOrDefault(p => p.Context == length);
            rows.Add(Number($"prefill of {length} (tokens/s)", list, r => At(r)?.TokensPerSecond.Median, "F1", r => At(r)?.TokensPerSecond));
        }
        rows.Add(Number("launches per decode token", list, r => r.Host?.LaunchesPerToken, "F0"));
        rows.Add(Number("host time per decode token (ms, lower is better)", list, r => r.Host?.HostMillisecondsPerToken, "F3"));
        rows.Add(Number("memory total (MiB)", list, r => r.Memory?.TotalBytes / 1048576.0, "F1"));
        rows.Add(Number("decode step, profiled (ms, lower is better)", list, r => r.Profile?.StepMilliseconds, "F3"));
        var kernels = list.SelectMany(r => r.Profile?.Kernels ?? []).Select(k => (k.Kernel, k.Shape)).Distinct();
        foreach (var (kernel, shape) in kernels)
        {
            KernelMeasurement? Find(BenchRun r) => r.Profile?.Kernels.FirstOrDefault(k => k.Kernel == kernel && k.Shape == shape);
            rows.Add(Number($"{kernel} [{shape}] (GB/s)", list, r => Find(r)?.GigabytesPerSecond, "F1"));
        }
        return new CompareTable(runs.Select(r => r.Label).ToList(), rows);
    }

    /// <summary>The table in Markdown.</summary>
    public string ToMarkdown()
    {
        var text = new StringBuilder();
        text.Append("| ").AppendJoin(" | ", Headers).Append(" |\n");
        text.Append("|---|").Append(string.Concat(Enumerable.Repeat("--:|", Headers.Count - 1))).Append('\n');
        foreach (var row in Rows)
            text.Append("| ").Append(row.Metric).Append(" | ").AppendJoin(" | ", row.Cells.Concat(row.Ratios.Select(FormatRatio))).Append(" |\n");
        return text.ToString();
    }

    /// <summary>"1.85x", or a dash when there is nothing to compare.</summary>
    public static string FormatRatio(double? ratio) => ratio is { } r ? r.ToString("F2", Invariant) + "x" : "–";

    private static CompareRow Text(string metric, List<BenchRun> runs, Func<BenchRun, string> cell) =>
        new(metric, runs.Select(r => Dash(cell(r))).ToList(), runs.Skip(1).Select(_ => (double?)null).ToList());

    private static CompareRow Number(string metric, List<BenchRun> runs, Func<BenchRun, double?> value, string format, Func<BenchRun, Summary?>? spread = null)
    {
        var values = runs.Select(value).ToList();
        var cells = runs.Select((r, i) => values[i] is { } v
            ? v.ToString(format, Invariant) + (spread?.Invoke(r) is { } s ? $" ±{s.RelativeSpread.ToString("P0", Invariant)}" : "")
            : "–").ToList();
        var ratios = values.Skip(1).Select(v => v is { } x && values[0] is { } b && b != 0 ? x / b : (double?)null).ToList();
        return new CompareRow(metric, cells, ratios);
    }

    private static string Dash(string text) => string.IsNullOrWhiteSpace(text) ? "–" : text;
}

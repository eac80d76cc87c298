using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Bench;

/// <summary>
/// A short job (one launch, 1 warm-up, 5 single-call iterations, in process) so the whole suite runs in a few
/// minutes on 2 cores, plus the roofline columns.
/// </summary>
public static class BenchConfig
{
    public static IConfig Create() => DefaultConfig.Instance
        .AddJob(Job.Default
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1)
            .WithWarmupCount(1)
            .WithIterationCount(5)
            .WithInvocationCount(1)
            .WithUnrollFactor(1)
            .WithId("short"))
        .AddColumn(new CostColumn(CostColumn.Kind.Bytes), new CostColumn(CostColumn.Kind.Flops),
            new RateColumn(RateColumn.Kind.GBps), new RateColumn(RateColumn.Kind.GFlops),
            new RateColumn(RateColumn.Kind.PeakGBps), new RateColumn(RateColumn.Kind.FractionOfPeak))
        .WithOptions(ConfigOptions.DisableOptimizationsValidator | ConfigOptions.JoinSummary);

    /// <summary>cpu always; opencl and cuda when a device answers.</summary>
    public static IEnumerable<string> AvailableBackends()
    {
        yield return "cpu";
        foreach (var (name, kind) in new[] { ("opencl", BackendKind.OpenCL), ("cuda", BackendKind.Cuda) })
            if (Answers(kind)) yield return name;
    }

    private static bool Answers(BackendKind kind)
    {
        try
        {
            using var accelerator = Accelerators.Create(kind);
            return true;
        }
        catch (BackendUnavailableException)
        {
            return false;
        }
    }

    internal static string? Parameter(BenchmarkCase benchmarkCase, string name) =>
        benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == name)?.Value?.ToString();

    /// <summary>
    /// The cost model's bytes and FLOPs for a kernel row: <see cref="KernelCase"/>'s (parameter <c>Case</c>) or
    /// <see cref="Attention.AttentionBenchmarks"/>' (parameter <c>AttentionCase</c>); null for other rows.
    /// </summary>
    internal static Roofline.KernelCost? CostOf(BenchmarkCase benchmarkCase) =>
        Parameter(benchmarkCase, "Case") is { } name ? KernelCase.CostOf(name)
        : Parameter(benchmarkCase, nameof(Attention.AttentionBenchmarks.AttentionCase)) is { } attention ? Attention.AttentionBenchmarks.CostOf(attention)
        : null;

    /// <summary>The row's case name, whichever suite it belongs to.</summary>
    internal static string? CaseName(BenchmarkCase benchmarkCase) =>
        Parameter(benchmarkCase, "Case") ?? Parameter(benchmarkCase, nameof(Attention.AttentionBenchmarks.AttentionCase));

    /// <summary>Bytes moved per call for a row, PeakBandwidth rows included.</summary>
    internal static long? Bytes(BenchmarkCase benchmarkCase) =>
        benchmarkCase.Descriptor.Type == typeof(PeakBandwidth) ? PeakBandwidth.Bytes : CostOf(benchmarkCase)?.BytesMoved;

    /// <summary>The measured peak of the row's backend, from the PeakBandwidth row of the same summary.</summary>
    internal static double? PeakBytesPerSecond(Summary summary, BenchmarkCase benchmarkCase)
    {
        string? backend = Parameter(benchmarkCase, "Backend");
        var peak = summary.BenchmarksCases.FirstOrDefault(b => b.Descriptor.Type == typeof(PeakBandwidth) && Parameter(b, "Backend") == backend);
        if (peak is null || summary[peak]?.ResultStatistics is not { } stats) return null;
        return PeakBandwidth.Bytes / (stats.Min / 1e9);
    }
}

/// <summary>Bytes or FLOPs per call, from the kernel's cost model.</summary>
public sealed class CostColumn(CostColumn.Kind kind) : IColumn
{
    public enum Kind { Bytes, Flops }

    public string Id => "Cost" + kind;
    public string ColumnName => kind == Kind.Bytes ? "Bytes/call" : "FLOP/call";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => (int)kind;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => kind == Kind.Bytes ? "Bytes read + written per call (compulsory traffic)" : "Floating-point operations per call (multiply-add = 2)";
    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        if (kind == Kind.Bytes) return BenchConfig.Bytes(benchmarkCase) is { } b ? $"{b / 1e6:F1} MB" : "-";
        return BenchConfig.CostOf(benchmarkCase) is { } cost ? $"{cost.Flops / 1e6:F1} M" : "-";
    }
}

/// <summary>Achieved GB/s, GFLOP/s (from the best iteration), the backend's measured peak, and the fraction of it.</summary>
public sealed class RateColumn(RateColumn.Kind kind) : IColumn
{
    public enum Kind { GBps, GFlops, PeakGBps, FractionOfPeak }

    public string Id => "Rate" + kind;
    public string ColumnName => kind switch
    {
        Kind.GBps => "GB/s",
        Kind.GFlops => "GFLOP/s",
        Kind.PeakGBps => "Peak GB/s",
        _ => "% of peak BW",
    };
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 10 + (int)kind;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => kind switch
    {
        Kind.GBps => "Bytes/call over the fastest call's time",
        Kind.GFlops => "FLOP/call over the fastest call's time",
        Kind.PeakGBps => "The backend's read bandwidth measured by the PeakBandwidth benchmark (MemoryRead, 256 MiB)",
        _ => "GB/s as a fraction of Peak GB/s",
    };
    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        if (summary[benchmarkCase]?.ResultStatistics is not { } stats) return "-";
        double seconds = stats.Min / 1e9;
        double? peak = BenchConfig.PeakBytesPerSecond(summary, benchmarkCase);
        long? bytes = BenchConfig.Bytes(benchmarkCase);
        switch (kind)
        {
            case Kind.GBps:
                return bytes is { } b ? $"{b / seconds / 1e9:F2}" : "-";
            case Kind.GFlops:
                return BenchConfig.CostOf(benchmarkCase) is { } cost ? $"{cost.Flops / seconds / 1e9:F2}" : "-";
            case Kind.PeakGBps:
                return peak is { } p ? $"{p / 1e9:F2}" : "-";
            default:
                return bytes is { } bb && peak is { } pp ? $"{bb / seconds / pp:P0}" : "-";
        }
    }
}

using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Reports;
using Summary = BenchmarkDotNet.Reports.Summary;
using Mistral.Gpu.Bench;
using Mistral.Gpu.Roofline;
using Mistral.Gpu.Roofline.Charts;

// Registered for the whole assembly so the suite's own config stays as it is: BenchmarkDotNet merges
// assembly-level config attributes into every benchmark class's config.
[assembly: RooflineExports]

namespace Mistral.Gpu.Bench;

/// <summary>Adds <see cref="RooflineExporter"/> to every suite in this assembly.</summary>
[AttributeUsage(AttributeTargets.Assembly)]
public sealed class RooflineExportsAttribute : Attribute, IConfigSource
{
    /// <inheritdoc />
    public IConfig Config { get; } = ManualConfig.CreateEmpty().AddExporter(new RooflineExporter());
}

/// <summary>
/// Writes each backend's kernel rows as a roofline report — <c>roofline-{backend}.md/.csv/.json</c> and
/// the chart as <c>.png</c> and <c>.svg</c> in the results folder — with bytes, FLOPs, GB/s, GFLOP/s and the fraction of the bandwidth
/// the PeakBandwidth row measured on the same backend (labelled "measured").
/// </summary>
public sealed class RooflineExporter : IExporter
{
    /// <inheritdoc />
    public string Name => "roofline";

    /// <inheritdoc />
    public void ExportToLog(Summary summary, ILogger logger)
    {
        foreach (var (backend, report) in Reports(summary)) logger.WriteLine(KernelReportFormats.ToMarkdown(report));
    }

    /// <inheritdoc />
    public IEnumerable<string> ExportToFiles(Summary summary, ILogger consoleLogger)
    {
        var files = new List<string>();
        foreach (var (backend, report) in Reports(summary))
        {
            string stem = "roofline-" + backend;
            files.AddRange(KernelReportFormats.WriteAll(report, summary.ResultsDirectoryPath, stem));
            files.AddRange(ChartFiles.Save(RooflineChart.Create($"Mistral.Gpu kernels, {backend}", report.Peaks, report.Kernels),
                Path.Combine(summary.ResultsDirectoryPath, stem)));
        }
        return files;
    }

    private static IEnumerable<(string Backend, KernelReport Report)> Reports(Summary summary)
    {
        var rows = summary.BenchmarksCases
            .Select(c => (Case: c, Backend: BenchConfig.Parameter(c, "Backend"), Name: BenchConfig.CaseName(c), Cost: BenchConfig.CostOf(c), Stats: summary[c]?.ResultStatistics))
            .Where(r => r.Backend is not null && r.Stats is not null)
            .ToList();
        foreach (var group in rows.GroupBy(r => r.Backend!))
        {
            var peakRow = group.FirstOrDefault(r => r.Case.Descriptor.Type == typeof(PeakBandwidth));
            var peaks = peakRow.Stats is { } p
                ? new DevicePeaks
                {
                    BandwidthBytesPerSecond = PeakBandwidth.Bytes / (p.Min / 1e9),
                    BandwidthSource = $"measured: MemoryRead kernel (PeakBandwidth benchmark), {Units.Bytes(PeakBandwidth.Bytes)}, fastest of {p.N}",
                }
                : new DevicePeaks();
            // Kernel rows of every suite (KernelBenchmarks' Case, AttentionBenchmarks' AttentionCase), named by their case.
            var kernels = group.Where(r => r.Cost is not null)
                .Select(r => KernelMeasurement.From(r.Cost! with { Shape = r.Name! },
                    Statistics.Summarize(r.Stats!.OriginalValues.Select(ns => ns / 1e6).ToArray()), peaks))
                .ToList();
            if (kernels.Count == 0) continue;
            yield return (group.Key, new KernelReport { Device = new DeviceDescription { Backend = group.Key, Name = group.Key }, Peaks = peaks, Kernels = kernels });
        }
    }
}

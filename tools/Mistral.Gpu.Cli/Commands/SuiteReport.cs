using System.Globalization;
using System.Text;
using Mistral.Gpu.Model.Files;
using Mistral.Gpu.Roofline;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>DIR/report.md of <c>bench suite</c>: read top to bottom, device, verdicts, measurements, charts, what was skipped.</summary>
internal static class SuiteReport
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Writes the report beside run.json and its charts.</summary>
    public static void Write(string folder, BenchRun run, double budgetSeconds, double elapsedSeconds) =>
        OutputFiles.WriteAllText(Path.Combine(folder, "report.md"), "--out", Render(run, budgetSeconds, elapsedSeconds, File.Exists(Path.Combine(folder, "run.roofline.png"))));

    /// <summary>The report's Markdown.</summary>
    public static string Render(BenchRun run, double budgetSeconds, double elapsedSeconds, bool hasRoofline)
    {
        var md = new StringBuilder();
        var failed = run.Verification.Where(v => !v.Passed).ToList();
        md.AppendLine(Invariant, $"# mistral-gpu bench suite: {run.Device.Name} ({run.Device.Backend})");
        md.AppendLine();
        md.AppendLine(Invariant, $"**Verdict: {(failed.Count == 0 ? "PASS" : "FAIL")}**: {run.Verification.Count - failed.Count} of {run.Verification.Count} verification cases passed. " +
            $"Ran {elapsedSeconds:F0} s of a {budgetSeconds:F0} s budget{(run.Skipped.Count > 0 ? $"; {run.Skipped.Count} measurements skipped (listed at the end)" : "")}.");
        md.AppendLine();
        md.AppendLine("| device | |");
        md.AppendLine("|---|---|");
        md.AppendLine(Invariant, $"| name | {run.Device.Name}{(run.Device.Vendor.Length > 0 ? $" ({run.Device.Vendor})" : "")} |");
        md.AppendLine(Invariant, $"| backend | {run.Device.Backend} on {run.Device.Platform} |");
        md.AppendLine(Invariant, $"| memory, compute units | {Units.Bytes(run.Device.MemoryBytes)}, {run.Device.ComputeUnits} |");
        md.AppendLine(Invariant, $"| ceilings | {KernelReportFormats.PeakLine(run.Peaks)} |");
        md.AppendLine(Invariant, $"| tool | {run.Versions.Tool}, {run.Versions.Runtime}, {run.Versions.OperatingSystem} |");
        md.AppendLine();
        Verification(md, run.Verification, failed);
        Throughputs(md, run);
        Host(md, run.Host);
        Memory(md, run.Memory);
        Kernels(md, run, hasRoofline);
        md.AppendLine("## Skipped");
        md.AppendLine();
        md.AppendLine(run.Skipped.Count == 0 ? "Nothing: every measurement fitted in the budget." : string.Join('\n', run.Skipped.Select(s => "- " + s)));
        md.AppendLine();
        md.AppendLine("Compare with another device's folder: `mistral-gpu bench compare THIS_FOLDER OTHER_FOLDER --chart compare`.");
        return md.ToString();
    }

    private static void Verification(StringBuilder md, IReadOnlyList<VerificationRow> rows, List<VerificationRow> failed)
    {
        md.AppendLine("## Verification");
        md.AppendLine();
        md.AppendLine("Every kernel family on this device against its scalar reference (the parity table), then the whole model's logits against the CPU backend. " +
            "The worst case is the one whose error came nearest its bound.");
        md.AppendLine();
        md.AppendLine("| family | cases | passed | worst case | its error | its bound |");
        md.AppendLine("|---|---:|---:|---|---:|---:|");
        foreach (var family in rows.GroupBy(r => r.Family))
        {
            var worst = family.OrderByDescending(Ratio).First();
            md.AppendLine(Invariant, $"| {family.Key} | {family.Count()} | {family.Count(r => r.Passed)} | {Cell(worst.Case)} | {Error(worst.MaxError)} | {Error(worst.Bound)} |");
        }
        md.AppendLine();
        if (failed.Count > 0)
        {
            md.AppendLine(Invariant, $"**{failed.Count} failed:**");
            md.AppendLine();
            foreach (var row in failed) md.AppendLine(Invariant, $"- `{row.Family}: {row.Case}` ({row.Shape}; tolerance {row.Tolerance}): {row.Failure}");
            md.AppendLine();
        }
    }

    private static void Throughputs(StringBuilder md, BenchRun run)
    {
        md.AppendLine(Invariant, $"## Throughput: {run.Settings.Model} ({run.Settings.Weights} weights)");
        md.AppendLine();
        md.AppendLine(Invariant, $"Median of {run.Settings.Repetitions} repetitions after {run.Settings.Warmup} warm-up; decode reads the greedy token back after every step, as generation does.");
        md.AppendLine();
        md.AppendLine("| phase | context / prompt | tokens/s | ms/token | ± MAD | bound by bandwidth |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|");
        foreach (var t in run.PrefillByLength)
            md.AppendLine(Invariant, $"| prefill | {t.Context} | {t.TokensPerSecond.Median:F1} | {t.MillisecondsPerToken.Median:F3} | {t.TokensPerSecond.RelativeSpread:P1} | |");
        foreach (var t in run.DecodeByContext)
        {
            string bound = t.BoundTokensPerSecond(run.Peaks.BandwidthBytesPerSecond) is { } b ? $"{b:F1} tokens/s (reached {t.TokensPerSecond.Median / b:P0})" : "";
            md.AppendLine(Invariant, $"| decode | {t.Context} | {t.TokensPerSecond.Median:F2} | {t.MillisecondsPerToken.Median:F2} | {t.TokensPerSecond.RelativeSpread:P1} | {bound} |");
        }
        md.AppendLine();
        md.AppendLine("![decode tokens/s against context](run.decode.png)");
        md.AppendLine();
    }

    private static void Host(StringBuilder md, HostOverhead? host)
    {
        md.AppendLine("## Host overhead per decode token");
        md.AppendLine();
        if (host is null)
        {
            md.AppendLine("Not measured (the decode step was not profiled in the budget).");
            md.AppendLine();
            return;
        }
        md.AppendLine("| launches per token | wall ms/token | kernels ms | outside kernels | share | CUDA graphs |");
        md.AppendLine("|---:|---:|---:|---:|---:|---|");
        md.AppendLine(Invariant, $"| {host.LaunchesPerToken} | {host.WallMillisecondsPerToken:F3} | {host.KernelMilliseconds:F3} | {host.HostMillisecondsPerToken:F3} ms | {host.OutsideKernelsShare:P0} | {host.CudaGraphs} |");
        md.AppendLine();
    }

    private static void Memory(StringBuilder md, MemoryUse? memory)
    {
        if (memory is null) return;
        md.AppendLine("## Device memory");
        md.AppendLine();
        md.AppendLine(Invariant, $"Weights {Units.Bytes(memory.WeightsBytes)}, KV cache {Units.Bytes(memory.KvCacheBytes)} ({memory.Context} slots), scratch {Units.Bytes(memory.ScratchBytes)}: **{Units.Bytes(memory.TotalBytes)}** in all.");
        md.AppendLine();
    }

    private static void Kernels(StringBuilder md, BenchRun run, bool hasRoofline)
    {
        md.AppendLine("## Per-kernel roofline of one decode step");
        md.AppendLine();
        if (run.Profile is not { } profile)
        {
            md.AppendLine("Not measured in the budget.");
            md.AppendLine();
            return;
        }
        md.AppendLine(Invariant, $"Position {profile.Position}; the step takes {profile.StepMilliseconds:F3} ms between device events. Full table: run.kernels.md / run.kernels.csv.");
        md.AppendLine();
        md.AppendLine("| kernel | role: shape | calls | ms total | share | GB/s | % peak BW |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|");
        foreach (var k in profile.Kernels.OrderByDescending(k => k.TotalMilliseconds).Take(12))
            md.AppendLine(Invariant, $"| {k.Kernel} | {Cell(k.Shape)} | {k.Calls} | {k.TotalMilliseconds:F3} | {Pct(k.ShareOfStep)} | {k.GigabytesPerSecond:F1} | {Pct(k.FractionOfPeakBandwidth)} |");
        md.AppendLine();
        if (hasRoofline) md.AppendLine("![roofline of one decode step](run.roofline.png)");
        md.AppendLine();
    }

    private static double Ratio(VerificationRow row) => !row.Passed ? double.PositiveInfinity : row.Bound > 0 ? row.MaxError / row.Bound : 0;

    private static string Error(double value) => double.IsPositiveInfinity(value) ? "∞" : value == 0 ? "0" : value.ToString("0.0e0", Invariant);

    private static string Pct(double? fraction) => fraction is { } f ? f.ToString("P1", Invariant) : "–";

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);
}

using System.Globalization;
using Mistral.Gpu.Kernels;
using Mistral.Gpu.Model.Files;
using Mistral.Gpu.Roofline;
using Mistral.Gpu.Roofline.Charts;
using Spectre.Console;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>How <c>bench</c> shows a run on the console and saves it (JSON, and its charts beside it).</summary>
internal static class BenchReport
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    public static void PrintMemory(MemoryUse memory, BenchModel model)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"Device memory (K/V cache for {memory.Context} positions)");
        table.AddColumn("purpose");
        table.AddColumn(new TableColumn("bytes").RightAligned());
        table.AddColumn("what");
        table.AddRow("weights", Units.Bytes(memory.WeightsBytes), Markup.Escape($"{model.Encoding} linear layers with scales, fp32 embedding and norms"));
        table.AddRow("KV cache", Units.Bytes(memory.KvCacheBytes), Markup.Escape(
            $"{KvCacheFormats.Name(model.CacheFormat)} K and V, {model.Config.NLayers} layers x {memory.Context} slots x {model.Config.KvDim} ({KvCacheFormats.BytesPerElement(model.CacheFormat)} bytes each)"));
        table.AddRow("scratch", Units.Bytes(memory.ScratchBytes), Markup.Escape($"activations for {model.MaxTokens} tokens, attention partials, RoPE table"));
        table.AddRow("[bold]total[/]", $"[bold]{Units.Bytes(memory.TotalBytes)}[/]", "");
        AnsiConsole.Write(table);
    }

    public static void PrintThroughput(BenchRun run)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(
            $"{run.Settings.Model} ({run.Settings.Weights}) on {run.Device.Name}: {run.Settings.Repetitions} repetitions after {run.Settings.Warmup} warm-up"));
        foreach (var h in new[] { "phase", "context", "tokens", "tokens/s (median)", "min", "max", "± MAD", "ms/token" })
            table.AddColumn(new TableColumn(h).RightAligned());
        void Row(string phase, Throughput t) => table.AddRow(phase, Num(t.Context, "0"), Num(t.Tokens, "0"),
            $"[bold]{Num(t.TokensPerSecond.Median, "F2")}[/]", Num(t.TokensPerSecond.Min, "F2"), Num(t.TokensPerSecond.Max, "F2"),
            t.TokensPerSecond.RelativeSpread.ToString("P1", Invariant), Num(t.MillisecondsPerToken.Median, "F1"));
        foreach (var p in run.PrefillByLength.DefaultIfEmpty(run.Prefill).OfType<Throughput>()) Row("prefill", p);
        // The main decode is usually one of the sweep's contexts; show it once.
        if (run.Decode is { } d && !run.DecodeByContext.Contains(d)) Row("decode", d);
        foreach (var t in run.DecodeByContext) Row("decode", t);
        AnsiConsole.Write(table);
        foreach (var p in run.PrefillByLength)
            if (p.FlopsPerSecond is { } flops)
                AnsiConsole.MarkupLine(Markup.Escape($"Prefill of {p.Context}: {KernelReportFormats.PrefillRate(flops, run.Peaks)}."));
        if (run.Peaks.BandwidthBytesPerSecond is { } bw)
        {
            // At batch 1 a decode step streams every weight and the attended cache once: bytes / bandwidth bounds its speed.
            foreach (var t in run.DecodeByContext.Prepend(run.Decode).OfType<Throughput>().DistinctBy(t => t.Context))
                if (t.BoundTokensPerSecond(bw) is { } bound)
                    AnsiConsole.MarkupLine(Markup.Escape(
                        $"Decode at {t.Context}: {Units.Bytes(t.BytesPerToken)} per token; at {Units.Rate(bw, "B/s")} that bounds it at {bound:F2} tokens/s, reached {t.TokensPerSecond.Median / bound:P0}."));
        }
    }

    public static void PrintProfile(StepProfile profile, DevicePeaks peaks)
    {
        var table = new Table().Border(TableBorder.Rounded).Title(Markup.Escape(
            (profile.Tokens > 1 ? $"One prefill of {profile.Tokens} tokens" : $"One decode step at position {profile.Position}") +
            $": {profile.StepMilliseconds:F3} ms end to end; ceilings: {KernelReportFormats.PeakLine(peaks)}"));
        foreach (var h in new[] { "kernel", "role: shape", "calls", "ms/call", "ms total", "share", "GB/s", "GFLOP/s", "% peak BW" })
            table.AddColumn(new TableColumn(h));
        foreach (var k in profile.Kernels.OrderByDescending(k => k.TotalMilliseconds))
            table.AddRow(Markup.Escape(k.Kernel), Markup.Escape(k.Shape), Num(k.Calls, "0"), Num(k.Milliseconds.Median, "F4"), Num(k.TotalMilliseconds, "F3"),
                Pct(k.ShareOfStep), Num(k.GigabytesPerSecond, "F1"), Num(k.GigaflopsPerSecond, "F1"), Pct(k.FractionOfPeakBandwidth));
        double kernels = profile.Kernels.Sum(k => k.TotalMilliseconds);
        table.Caption(Markup.Escape($"kernels timed one by one sum to {kernels:F3} ms, {kernels / profile.StepMilliseconds:P0} of the step timed end to end (below 100 %: launch gaps; above: event overhead)"));
        AnsiConsole.Write(table);
    }

    /// <summary>
    /// The files a save writes: the JSON, the decode-speed chart (PNG and SVG) beside it, and with a
    /// profile the roofline chart (PNG and SVG) and the kernel table as Markdown and CSV.
    /// </summary>
    public static IReadOnlyList<string> OutputPaths(string path, bool profile)
    {
        string stem = Path.Combine(Path.GetDirectoryName(path) ?? ".", Path.GetFileNameWithoutExtension(path));
        IEnumerable<string> paths = [path, .. ChartFiles.Paths(stem + ".decode")];
        return profile ? [.. paths, .. ChartFiles.Paths(stem + ".roofline"), stem + ".kernels.md", stem + ".kernels.csv"] : [.. paths];
    }

    /// <summary>
    /// Checks, before anything runs, that a save to <paramref name="path"/> can go through: its
    /// folder exists (it is never created), no path on the way is a regular file, and no file it
    /// would write exists yet unless <paramref name="force"/>.
    /// </summary>
    /// <exception cref="IOException">One sentence naming the path and what is wrong (a folder, link or special file is refused, see <see cref="OutputFiles"/>).</exception>
    public static void CheckOutputs(string path, bool profile, bool force)
    {
        foreach (string output in OutputPaths(path, profile))
            OutputFiles.CheckTarget(output, "--json", force);
    }

    /// <summary>Writes the JSON and the charts beside it, and with a profile the kernel table as Markdown/CSV.</summary>
    public static void Save(BenchRun run, string path)
    {
        // Not BenchRunFile.Save, which creates missing folders: the folder was checked to exist before the run.
        OutputFiles.WriteAllText(path, "--json", BenchRunFile.ToJson(run));
        AnsiConsole.MarkupLineInterpolated($"Saved [bold]{path}[/]");
        string stem = Path.Combine(Path.GetDirectoryName(path) ?? ".", Path.GetFileNameWithoutExtension(path));
        if (DecodeByContextChart.Create(run) is { } decode)
            AnsiConsole.MarkupLineInterpolated($"Saved [bold]{string.Join(" and ", ChartFiles.Save(decode, stem + ".decode"))}[/] (decode tokens/s against context)");
        if (run.Profile is not { } profile)
        {
            AnsiConsole.MarkupLine("No roofline chart: add --profile to measure the kernels it plots.");
            return;
        }
        var roofline = RooflineChart.Create($"Roofline of one decode step: {run.Device.Name} ({run.Device.Backend})", run.Peaks, profile.Kernels);
        var charts = ChartFiles.Save(roofline, stem + ".roofline");
        var report = new KernelReport { Device = run.Device, Peaks = run.Peaks, Kernels = profile.Kernels };
        OutputFiles.WriteAllText(stem + ".kernels.md", "--json", KernelReportFormats.ToMarkdown(report));
        OutputFiles.WriteAllText(stem + ".kernels.csv", "--json", KernelReportFormats.ToCsv(report));
        AnsiConsole.MarkupLineInterpolated($"Saved [bold]{string.Join(" and ", charts)}[/] (roofline), {stem}.kernels.md and {stem}.kernels.csv");
    }

    private static string Num(double value, string format) => value.ToString(format, Invariant);

    private static string Pct(double? fraction) => fraction is { } f ? f.ToString("P1", Invariant) : "–";
}

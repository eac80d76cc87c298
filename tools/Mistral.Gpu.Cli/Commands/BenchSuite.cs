using Mistral.Gpu.Kernels;
using Mistral.Gpu.Kernels.Parity;
using Mistral.Gpu.Roofline;
using Mistral.Gpu.Runtime;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>
/// <c>bench suite</c> in one process: verify every kernel on the device (the parity table, then the model's logits
/// against the CPU backend), then measure within the budget (decode and its per-kernel profile, host overhead, prefill,
/// longer contexts), and leave it all in one folder.
/// </summary>
internal sealed class BenchSuite(Accelerator accelerator, string backend, SuitePlan plan, double budgetSeconds, SuiteLog log)
{
    /// <summary>Exit code when a verification case failed (the report is still written).</summary>
    public const int VerificationFailedExitCode = 1;

    private readonly List<string> skipped = [];

    /// <summary>Runs everything, writes <paramref name="folder"/>; returns 0, or <see cref="VerificationFailedExitCode"/>.</summary>
    /// <param name="folder">The report folder (created empty by the caller).</param>
    /// <param name="extraRows">Rows verified after the table's (the tests add a deliberately broken kernel here).</param>
    public int Run(string folder, IReadOnlyList<ParityCase> extraRows)
    {
        var info = accelerator.Info;
        log.Line($"Device: {info.Name} ({backend}, {info.Platform}); budget {budgetSeconds:F0} s; shapes {plan.Shapes}");
        var verification = Verify(extraRows);
        int failed = verification.Count(v => !v.Passed);
        log.Line(failed == 0 ? $"Verification: all {verification.Count} cases passed" : $"Verification: {failed} of {verification.Count} cases FAILED");

        var peaks = new DevicePeaks();
        if (!OverBudget("the device's peak bandwidth and FLOP/s", 0))
        {
            (peaks, _) = log.Step("Finding the device's peaks", () => DevicePeaksLookup.For(accelerator));
            log.Line($"Ceilings: {KernelReportFormats.PeakLine(peaks)}");
        }
        var run = Measure(peaks) with { Verification = verification };
        run = run with { Skipped = [.. skipped] };

        BenchReport.Save(run, Path.Combine(folder, "run.json"));
        SuiteReport.Write(folder, run, budgetSeconds, log.Seconds);
        log.Line($"Report: {Path.Combine(folder, "report.md")}");
        Model.Files.OutputFiles.WriteAllText(Path.Combine(folder, "log.txt"), "--out", string.Join('\n', log.Lines) + '\n');
        return failed == 0 ? 0 : VerificationFailedExitCode;
    }

    private List<VerificationRow> Verify(IReadOnlyList<ParityCase> extraRows)
    {
        log.Line($"Verifying {ParityTable.All.Count(r => r.AppliesTo(backend)) + extraRows.Count} kernel cases against their scalar references");
        var results = ParityTable.Run(accelerator, backend, onResult: Logged).ToList();
        foreach (var row in extraRows)
        {
            var result = row.Run(accelerator, backend);
            Logged(result);
            results.Add(result);
        }
        var rows = results.Select(r => new VerificationRow
        {
            Family = r.Case.Family, Case = r.Case.Name, Shape = r.Case.Shape, Tolerance = r.Case.Tolerance,
            Passed = r.Passed, MaxError = r.MaxError, Bound = r.Bound, Failure = r.Failure,
        }).ToList();
        var (logits, _) = log.Step("Checking the model's logits against the CPU backend", () => SuiteLogitsCheck.Run(accelerator));
        if (!logits.Passed) log.Line($"FAILED {logits.Family}: {logits.Case}: {logits.Failure}");
        rows.Add(logits);
        return rows;
    }

    private bool Logged(ParityResult result)
    {
        if (!result.Passed) log.Line($"FAILED {result.Case.Id}: {result.Failure}");
        return true;
    }

    private BenchRun Measure(DevicePeaks peaks)
    {
        var config = plan.Config;
        int window = config.SlidingWindow ?? int.MaxValue;
        int chunk = Math.Min(512, Math.Min(window, plan.ContextLength));
        var settings = new BenchSettings
        {
            Model = plan.ModelName, Weights = plan.Encoding.Name, KvCache = "fp32", PromptTokens = plan.PromptLengths[0], DecodeTokens = plan.DecodeTokens,
            Warmup = plan.Warmup, Repetitions = plan.Repetitions, Context = plan.Contexts[0], Seed = 1,
        };
        var run = BenchRunStart.Create(accelerator, backend, peaks, settings, config);
        if (OverBudget("the model", 0)) return run;
        var (model, _) = log.Step($"Making {plan.ModelName} with random {plan.Encoding} weights ({config.NLayers} layers, cache for {plan.ContextLength} positions)",
            () => BenchModel.CreateSynthetic(accelerator, config, plan.Encoding, plan.ContextLength, chunk, settings.Seed));
        using (model)
        {
            run = run with
            {
                Memory = new MemoryUse { Context = model.CacheSlots, WeightsBytes = model.WeightsBytes, KvCacheBytes = model.KvCacheBytes, ScratchBytes = model.ScratchBytes },
            };
            return MeasureModel(model, run, peaks);
        }
    }

    private BenchRun MeasureModel(BenchModel model, BenchRun run, DevicePeaks peaks)
    {
        var measure = new BenchMeasurements(model, plan.Warmup, plan.Repetitions);
        var decodes = new List<Throughput>();
        var prefills = new List<Throughput>();
        double lastDecode = 0, lastPrefill = 0;
        int first = plan.Contexts[0];
        if (!OverBudget($"decode at {first}", 0))
        {
            (var decode, lastDecode) = log.Step($"Decode at {first}, {plan.DecodeTokens} tokens x {plan.Repetitions}", () => measure.Decode(first, plan.DecodeTokens));
            decodes.Add(decode);
            run = run with { Decode = decode };
            log.Line($"  {decode.TokensPerSecond.Median:F2} tokens/s ({decode.MillisecondsPerToken.Median:F2} ms/token)");
        }
        if (run.Decode is { } main && !OverBudget($"the per-kernel profile at {first}", lastDecode))
        {
            var (profile, _) = log.Step($"Profiling one decode step at {first}", () => measure.Profile(first, peaks));
            run = run with { Profile = profile, Host = HostOverheadAt(model, first, main, profile) };
            log.Line($"  {run.Host!.LaunchesPerToken} launches per token; {run.Host.HostMillisecondsPerToken:F3} ms of {run.Host.WallMillisecondsPerToken:F3} ms outside kernels ({run.Host.OutsideKernelsShare:P0})");
        }
        foreach (int length in plan.PromptLengths.Take(1))
            if (!OverBudget($"prefill of {length} tokens", 0))
            {
                (var prefill, lastPrefill) = log.Step($"Prefill of {length} tokens", () => measure.Prefill(length, 1));
                prefills.Add(prefill);
                log.Line($"  {prefill.TokensPerSecond.Median:F1} tokens/s");
            }
        foreach (int context in plan.Contexts.Skip(1))
            if (!OverBudget($"decode at {context}", lastDecode))
            {
                (var decode, lastDecode) = log.Step($"Decode at {context}", () => measure.Decode(context, plan.DecodeTokens));
                decodes.Add(decode);
                log.Line($"  {decode.TokensPerSecond.Median:F2} tokens/s");
            }
        int previousLength = plan.PromptLengths[0];
        foreach (int length in plan.PromptLengths.Skip(1))
            if (!OverBudget($"prefill of {length} tokens", lastPrefill * length / previousLength))
            {
                (var prefill, lastPrefill) = log.Step($"Prefill of {length} tokens", () => measure.Prefill(length, 1));
                prefills.Add(prefill);
                previousLength = length;
                log.Line($"  {prefill.TokensPerSecond.Median:F1} tokens/s");
            }
        return run with { DecodeByContext = decodes, PrefillByLength = prefills, Prefill = prefills.FirstOrDefault() };
    }

    /// <summary>Launches around one decode step (the accelerator's counter), and the wall time not spent in kernels.</summary>
    private static HostOverhead HostOverheadAt(BenchModel model, int position, Throughput decode, StepProfile profile)
    {
        long before = model.Accelerator.LaunchCount;
        model.Runner.Argmax(model.Runner.Decode(1, position));
        model.Accelerator.Synchronize();
        return new HostOverhead
        {
            Position = position,
            LaunchesPerToken = model.Accelerator.LaunchCount - before,
            WallMillisecondsPerToken = decode.MillisecondsPerToken.Median,
            KernelMilliseconds = profile.Kernels.Sum(k => k.TotalMilliseconds),
            CudaGraphs = CudaGraphs.Status(model.Accelerator),
        };
    }

    /// <summary>
    /// True (and the step listed as skipped) when starting it would run past the budget: the time used so far plus
    /// <paramref name="estimate"/> seconds (the last similar step's time, 0 when none ran yet).
    /// </summary>
    private bool OverBudget(string what, double estimate)
    {
        double used = log.Seconds;
        if (used + estimate <= budgetSeconds) return false;
        string why = $"{what}: skipped, {used:F0} s of the {budgetSeconds:F0} s budget used" + (estimate > 0 ? $" and it would take about {estimate:F0} s" : "");
        skipped.Add(why);
        log.Line(why);
        return true;
    }
}

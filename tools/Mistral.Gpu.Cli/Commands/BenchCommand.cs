using System.CommandLine;
using Mistral.Gpu.Kernels;
using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Roofline;
using Mistral.Gpu.Runtime;
using Spectre.Console;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>
/// <c>mistral-gpu bench</c>: prefill and decode tokens/s of a Mistral model (a checkpoint, or
/// random int4 weights at Mistral 7B's exact shapes), memory by purpose, decode speed across
/// contexts, an optional per-kernel profile of one decode step against the device's ceilings, and
/// a JSON record plus its charts (PNG and SVG), for <c>bench compare</c>.
/// </summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "synthetic:mistral-7b (random int4 weights, real shapes, no download), synthetic:tiny, a model folder or a .gguf file", DefaultValueFactory = _ => "synthetic:mistral-7b" };
        var weights = new Option<string>("--weights") { Description = "Linear weight storage: int4 (group 32), int4/128, fp16, fp32", DefaultValueFactory = _ => "int4" };
        var prompt = new Option<string?>("--prompt-tokens") { Description = "Comma-separated prompt lengths, one prefill row each, such as 128,512,4096 (default 512; 0 skips prefill)" };
        var decode = new Option<int?>("--decode-tokens") { Description = "Tokens decoded per repetition (default 64 on a GPU, 2 on a CPU)" };
        var warmup = new Option<int?>("--warmup") { Description = "Untimed repetitions first (default 2 on a GPU, 1 on a CPU)" };
        var repetitions = new Option<int?>("--repetitions", "-r") { Description = "Timed repetitions (default 5 on a GPU, 2 on a CPU)" };
        var context = new Option<int>("--context") { Description = "Position of the main decode measurement", DefaultValueFactory = _ => 512 };
        var contexts = new Option<string>("--contexts") { Description = "Comma-separated contexts for the decode-speed sweep (empty: none)", DefaultValueFactory = _ => "512,4096,16384" };
        var profile = new Option<bool>("--profile") { Description = "Per-kernel breakdown of one decode step, and of one prefill of the first prompt length, from device events" };
        var json = new Option<FileInfo?>("--json")
        {
            Description = "Save the run as JSON, with charts beside it: FILE.decode.png/.svg (tokens/s against context) and, with --profile, FILE.roofline.png/.svg; the folder must exist, and only regular files are written (a folder, device, pipe or symbolic link at a path is refused; links are not followed)",
            HelpName = "FILE",
        };
        var measure = new Option<bool>("--measure-bandwidth") { Description = "Measure read bandwidth even when the datasheet peak is known" };
        var probeMiB = new Option<int>("--probe-mib") { Description = "MiB read per bandwidth-probe launch (0: 512 on a CPU, 1024 on a GPU)" };
        var kvCache = ModelOptions.KvCache("fp16");
        var seed = new Option<int>("--seed") { Description = "Seed of the synthetic weights and prompt", DefaultValueFactory = _ => 1 };
        var force = new Option<bool>("--force") { Description = "With --json, replace files that already exist (regular files only)" };
        var backend = BackendOption.Create();

        var command = new Command("bench", "Prefill/decode tokens/s, memory, decode speed vs context, and a per-kernel roofline profile.");
        foreach (var option in new Option[] { model, backend, weights, prompt, decode, warmup, repetitions, context, contexts, kvCache, profile, json, force, measure, probeMiB, seed })
            command.Options.Add(option);
        command.Subcommands.Add(BenchCompareCommand.Create());
        command.Subcommands.Add(BenchLoadCommand.Create());
        command.Subcommands.Add(BenchSuiteCommand.Create());
        command.SetAction(parse =>
        {
            // Everything the user typed is checked before a device is opened or a weight is made:
            // a bad value is one line "error: ..." and exit code 2, like the model commands.
            string modelName = parse.GetValue(model)!;
            WeightEncoding encoding;
            KvCacheFormat cacheFormat;
            List<int> sweep;
            List<int>? prompts;
            try
            {
                try { cacheFormat = KvCacheFormats.Parse(parse.GetValue(kvCache)!); }
                catch (ArgumentException e) { throw new ArgumentException("--kv-cache: " + ModelOptions.Describe(e)); }
                try { encoding = WeightEncoding.Parse(parse.GetValue(weights)!); }
                catch (ArgumentException e) { throw new ArgumentException("--weights: " + ModelOptions.Describe(e)); }
                sweep = ParsePositions(parse.GetValue(contexts)!, "--contexts", "512,4096,16384").Distinct().Order().ToList();
                prompts = parse.GetValue(prompt) is { } lengths ? ParsePositions(lengths, "--prompt-tokens", "128,512,4096").Distinct().ToList() : null;
                CheckCounts(prompts, parse.GetValue(decode), parse.GetValue(warmup), parse.GetValue(repetitions), parse.GetValue(context), sweep, parse.GetValue(probeMiB));
                if (parse.GetValue(json) is { } file) BenchReport.CheckOutputs(file.FullName, parse.GetValue(profile), parse.GetValue(force));
            }
            catch (Exception e) when (e is ArgumentException or IOException)
            {
                return ModelOptions.ReportError(e);
            }
            return ModelOptions.Run(parse, backend, accelerator =>
            {
                bool host = accelerator.Info.IsCpu;
                var d = BenchSettingsDefaults.For(host);
                // 0 (or an empty list) skips the prefill; 0 among other lengths is dropped.
                List<int> lengths = prompts?.Where(p => p > 0).ToList() ?? [d.Prompt];
                var settings = new BenchSettings
                {
                    Model = modelName,
                    Weights = encoding.Name,
                    KvCache = KvCacheFormats.Name(cacheFormat),
                    PromptTokens = lengths.FirstOrDefault(),
                    DecodeTokens = parse.GetValue(decode) ?? d.Decode,
                    Warmup = parse.GetValue(warmup) ?? d.Warmup,
                    Repetitions = parse.GetValue(repetitions) ?? d.Repetitions,
                    Context = parse.GetValue(context),
                    Seed = parse.GetValue(seed),
                };
                return Run(accelerator, modelName, encoding, settings, lengths, sweep, parse.GetValue(profile), parse.GetValue(json),
                    parse.GetValue(measure), parse.GetValue(probeMiB) * (1L << 20));
            });
        });
        return command;
    }

    /// <summary>Longest decode position benchmarked: positions are exact in fp32 below 2^24.</summary>
    private const int MaxPosition = 1 << 24;

    /// <summary>Throws an <see cref="ArgumentException"/> (one sentence naming the option) for an out-of-range count.</summary>
    private static void CheckCounts(IReadOnlyList<int>? prompts, int? decode, int? warmup, int? repetitions, int context, IReadOnlyList<int> sweep, int probeMiB)
    {
        if (decode is < 1) throw new ArgumentException($"--decode-tokens must be at least 1, got {decode}.");
        if (repetitions is < 1) throw new ArgumentException($"--repetitions must be at least 1, got {repetitions}.");
        if (warmup is < 0) throw new ArgumentException($"--warmup must be at least 0, got {warmup}.");
        if (prompts?.FirstOrDefault(p => p is < 0 or > MaxPosition, 0) is { } badPrompt and not 0)
            throw new ArgumentException($"--prompt-tokens takes lengths from 0 (0 skips the prefill) to {MaxPosition}, got {badPrompt}.");
        if (context is < 0 or > MaxPosition / 2) throw new ArgumentException($"--context is the position of the decode measurement: a whole number from 0 to {MaxPosition / 2}, got {context}.");
        if (sweep.FirstOrDefault(c => c is < 0 or > MaxPosition / 2, 0) is not 0 and var bad)
            throw new ArgumentException($"--contexts takes positions from 0 to {MaxPosition / 2}, got {bad}.");
        if (probeMiB < 0) throw new ArgumentException($"--probe-mib must be at least 0 (0 picks a size), got {probeMiB}.");
    }

    private static int Run(Accelerator accelerator, string modelName, WeightEncoding encoding, BenchSettings settings,
        IReadOnlyList<int> prompts, IReadOnlyList<int> sweep, bool profile, FileInfo? json, bool alwaysMeasure, long probeBytes)
    {
        using var source = BenchModelSource.Open(modelName);
        if (source is null) return ModelOptions.ErrorExitCode;
        var config = source.Config;
        var info = accelerator.Info;
        // Redirected output (a log, CI) has no terminal width; the profile's rows need more than 80 columns.
        if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = Math.Max(AnsiConsole.Profile.Width, 180);
        AnsiConsole.MarkupLineInterpolated($"[bold]{info.Name}[/] ({info.Backend}, {info.Platform})");

        var peaks = AnsiConsole.Status().Start("Finding the device's peaks (measuring bandwidth if no datasheet row)...",
            _ => DevicePeaksLookup.For(accelerator, alwaysMeasure, probeBytes));
        AnsiConsole.MarkupLineInterpolated($"Ceilings: {KernelReportFormats.PeakLine(peaks)}");

        int window = config.SlidingWindow ?? int.MaxValue;
        if (config.SlidingWindow is null && config.MaxSeqLen is { } maxContext)
        {
            // Full attention: positions past the model's context do not exist, so they are not benchmarked.
            var beyond = sweep.Where(c => c + settings.DecodeTokens > maxContext).ToList();
            if (beyond.Count > 0) AnsiConsole.MarkupLineInterpolated($"Skipping contexts {string.Join(", ", beyond)}: the model's context is {maxContext}.");
            sweep = sweep.Except(beyond).ToList();
            if (settings.Context + settings.DecodeTokens > maxContext) settings = settings with { Context = Math.Max(0, maxContext - settings.DecodeTokens) };
        }
        // The context the runner is built for: the furthest position measured, so the cache is what the runs need.
        int longestPrompt = prompts.DefaultIfEmpty(0).Max();
        int contextLength = Math.Max(Math.Max(settings.Context, sweep.DefaultIfEmpty(0).Max()) + settings.DecodeTokens, Math.Max(longestPrompt, 1));
        int chunk = (int)Math.Min(Math.Clamp(longestPrompt, 1, 512), Math.Min(window, contextLength));

        using var model = AnsiConsole.Progress().Start(progress =>
        {
            var cacheFormat = KvCacheFormats.Parse(settings.KvCache);
            var task = progress.AddTask(source.Checkpoint is null ? $"Random {encoding} weights, {config.NLayers} layers" : $"Loading {modelName} ({encoding})");
            if (source.Checkpoint is { } checkpoint) return BenchModel.Load(accelerator, checkpoint, encoding, contextLength, chunk, cacheFormat);
            return BenchModel.CreateSynthetic(accelerator, config, encoding, contextLength, chunk, settings.Seed, (done, total) =>
            {
                task.MaxValue = total;
                task.Value = done;
            }, cacheFormat);
        });
        var memory = new MemoryUse { Context = model.CacheSlots, WeightsBytes = model.WeightsBytes, KvCacheBytes = model.KvCacheBytes, ScratchBytes = model.ScratchBytes };
        BenchReport.PrintMemory(memory, model);

        var measure = new BenchMeasurements(model, settings.Warmup, settings.Repetitions);
        var prefills = prompts.Select(p => Step($"Prefill, {p} tokens", () => measure.Prefill(p, settings.Seed))).ToList();
        var decode = Step($"Decode at {settings.Context}, {settings.DecodeTokens} tokens", () => measure.Decode(settings.Context, settings.DecodeTokens));
        var byContext = sweep.Select(c => c == settings.Context ? decode : Step($"Decode at {c}", () => measure.Decode(c, settings.DecodeTokens))).ToList();
        peaks = RemeasureBandwidth(accelerator, peaks, probeBytes);
        StepProfile? stepProfile = profile ? Step($"Profiling one decode step at {settings.Context}", () => measure.Profile(settings.Context, peaks)) : null;
        StepProfile? prefillProfile = profile && prompts.Count > 0
            ? Step($"Profiling one prefill of {prompts[0]} tokens", () => measure.ProfilePrefill(prompts[0], settings.Seed, peaks))
            : null;

        var run = BenchRunStart.Create(accelerator, info.Backend.ToString().ToLowerInvariant(), peaks, settings, config) with
        {
            Prefill = prefills.FirstOrDefault(),
            PrefillByLength = prefills,
            Decode = decode,
            DecodeByContext = byContext,
            Memory = memory,
            Profile = stepProfile,
            PrefillProfile = prefillProfile,
        };
        BenchReport.PrintThroughput(run);
        if (stepProfile is not null) BenchReport.PrintProfile(stepProfile, peaks);
        if (prefillProfile is not null) BenchReport.PrintProfile(prefillProfile, peaks);
        if (json is not null) BenchReport.Save(run, json.FullName);
        return 0;
    }

    private static T Step<T>(string what, Func<T> body) => AnsiConsole.Status().Start(what + "...", _ => body());

    /// <summary>
    /// Probes a measured bandwidth ceiling a second time, after the throughput runs: on a machine whose memory
    /// bandwidth is shared (a VM), it can move by tens of percent within a minute. The higher of the two is the
    /// ceiling (a fraction of peak must not exceed 1 because the first probe ran at a bad moment), and a change
    /// of more than 10 % is said out loud.
    /// </summary>
    private static DevicePeaks RemeasureBandwidth(Runtime.Accelerator accelerator, DevicePeaks peaks, long probeBytes)
    {
        if (!peaks.BandwidthIsMeasured || peaks.BandwidthBytesPerSecond is not { } before) return peaks;
        var again = Step("Measuring the bandwidth again", () => BandwidthProbe.Measure(accelerator, probeBytes));
        double after = again.PeakBytesPerSecond;
        if (Math.Abs(after - before) > 0.1 * before)
            AnsiConsole.MarkupLineInterpolated(
                $"[yellow]The measured bandwidth moved during the run: {before / 1e9:0.0} GB/s before, {after / 1e9:0.0} GB/s after (this machine shares its memory bandwidth); fractions of peak use the higher.[/]");
        return after > before
            ? peaks with { BandwidthBytesPerSecond = after, BandwidthSource = again.Source + ", probed again after the throughput runs" }
            : peaks;
    }

    private static IEnumerable<int> ParsePositions(string text, string option, string example) =>
        text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => int.TryParse(s, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out int value)
                ? value
                : throw new ArgumentException($"{option} takes comma-separated whole numbers, such as {example}; got '{s}'."));
}

using System.CommandLine;
using System.Diagnostics;
using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Model.Checkpoints.Gguf;
using Mistral.Gpu.Model.Runner;
using Mistral.Gpu.Runtime;
using Spectre.Console;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>
/// <c>mistral-gpu bench load --model PATH</c>: loads a checkpoint as generate does (streamed tensor by tensor, quantised
/// to int4 with a progress bar) and reports time to first token, read time against quantise-and-upload time, peak
/// resident memory, peak device memory and bytes read from storage; then decodes a few tokens.
/// </summary>
internal static class BenchLoadCommand
{
    public static Command Create()
    {
        var model = ModelOptions.Model(required: true);
        var precision = ModelOptions.Precision();
        precision.DefaultValueFactory = _ => "int4";
        var context = new Option<int>("--context") { Description = "Positions the KV cache holds", DefaultValueFactory = _ => 4096, HelpName = "N" };
        var prompt = new Option<int>("--prompt-tokens") { Description = "Prompt length for the time to first token", DefaultValueFactory = _ => 8, HelpName = "N" };
        var decode = new Option<int>("--decode") { Description = "Tokens to decode after the first", DefaultValueFactory = _ => 8, HelpName = "N" };
        var backend = BackendOption.Create();
        var command = new Command("load", "Load a checkpoint (folder or .gguf) and report time to first token, quantisation time, peak RSS, peak device memory and bytes read.");
        foreach (Option option in new Option[] { model, precision, context, prompt, decode, backend }) command.Options.Add(option);
        command.SetAction(parse => ModelOptions.Run(parse, backend, accelerator =>
        {
            int promptTokens = parse.GetValue(prompt), decodeTokens = parse.GetValue(decode), positions = parse.GetValue(context);
            if (promptTokens <= 0 || decodeTokens < 0 || positions < promptTokens + decodeTokens + 1)
                throw new ArgumentException("--prompt-tokens must be positive, --decode not negative, and --context at least their sum plus one.");
            var format = Precision.Parse(parse.GetValue(precision)!);
            string path = ModelPath.Check(parse.GetValue(model)!);
            var before = ProcessMemory.Now();
            long deviceBefore = accelerator.AllocatedBytes, devicePeak = 0;
            var clock = Stopwatch.StartNew();

            using var checkpoint = new TimedCheckpoint(MistralModel.OpenCheckpoint(path));
            var options = new ModelLoadOptions { Precision = format, ContextLength = positions };
            using var loaded = WithProgress($"loading {Path.GetFileName(Path.TrimEndingDirectorySeparator(path))} ({Precision.Name(format)})", (progress) =>
                MistralModel.Load(accelerator, checkpoint, options with
                {
                    Progress = (done, total, _) =>
                    {
                        devicePeak = Math.Max(devicePeak, accelerator.AllocatedBytes - deviceBefore);
                        progress(done, total);
                    },
                    Log = line => Console.Error.WriteLine(line),
                }));
            var loadTime = clock.Elapsed;
            var afterLoad = ProcessMemory.Now();

            using var runner = new Transformer(loaded, maxChunk: promptTokens);
            var random = new Random(1);
            int[] tokens = [1, .. Enumerable.Range(0, promptTokens - 1).Select(_ => random.Next(3, loaded.Config.VocabSize))];
            int token = runner.Argmax(runner.Prefill(tokens));
            var firstToken = clock.Elapsed;
            devicePeak = Math.Max(devicePeak, accelerator.AllocatedBytes - deviceBefore);
            var decodeClock = Stopwatch.StartNew();
            var generated = new List<int> { token };
            for (int i = 0; i < decodeTokens; i++)
                generated.Add(token = runner.Argmax(runner.Decode(token, promptTokens + i)));
            double decodeSeconds = decodeClock.Elapsed.TotalSeconds;
            var after = ProcessMemory.Now();
            devicePeak = Math.Max(devicePeak, accelerator.AllocatedBytes - deviceBefore);

            long fileBytes = CheckpointBytes(path);
            Console.WriteLine($"{accelerator.Info.Name} ({accelerator.Info.Backend}), {path}: {fileBytes / 1e9:F2} GB on disk, {loaded.Config.NLayers} layers, vocab {loaded.Config.VocabSize}, {Precision.Name(format)}");
            Console.WriteLine($"  load                 {loadTime.TotalSeconds,8:F1} s  (read + widen to fp32 {checkpoint.ReadTime.TotalSeconds:F1} s, quantise + upload {(loadTime - checkpoint.ReadTime).TotalSeconds:F1} s)");
            Console.WriteLine($"  time to first token  {firstToken.TotalSeconds,8:F1} s  (prefill of {promptTokens} tokens {(firstToken - loadTime).TotalSeconds:F1} s)");
            Console.WriteLine($"  decode               {decodeTokens / decodeSeconds,8:F2} tok/s over {decodeTokens} tokens: {string.Join(",", generated)}");
            Console.WriteLine($"  weights on device    {loaded.WeightBytes / 1e9,8:F2} GB; KV cache {runner.Cache.DeviceBytes / 1e9:F2} GB; peak device memory {devicePeak / 1e9:F2} GB");
            Console.WriteLine($"  peak RSS             {after.PeakRss / 1e9,8:F2} GB  (after load: RSS {afterLoad.Rss / 1e9:F2} GB = {afterLoad.RssAnon / 1e9:F2} anonymous + {afterLoad.RssFile / 1e9:F2} mapped file)");
            Console.WriteLine($"  read from storage    {(after.StorageReadBytes - before.StorageReadBytes) / 1e9,8:F2} GB  (the rest came from the page cache)");
            return 0;
        }));
        return command;
    }

    /// <summary>Runs <paramref name="load"/> under a progress bar on a terminal, or with a line per tenth of the tensors otherwise.</summary>
    private static MistralModel WithProgress(string title, Func<Action<int, int>, MistralModel> load)
    {
        if (Console.IsErrorRedirected)
        {
            int lastTenth = -1;
            return load((done, total) =>
            {
                int tenth = 10 * done / total;
                if (tenth != lastTenth) Console.Error.WriteLine($"{title}: {done}/{total} tensors");
                lastTenth = tenth;
            });
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        MistralModel? model = null;
        console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(progress =>
            {
                var task = progress.AddTask(title);
                model = load((done, total) =>
                {
                    task.MaxValue = total;
                    task.Value = done;
                });
            });
        return model!;
    }

    private static long CheckpointBytes(string path) => GgufCheckpoint.IsGgufPath(path)
        ? new FileInfo(path).Length
        : CheckpointFiles.Detect(path).WeightPaths.Sum(p => new FileInfo(p).Length);
}

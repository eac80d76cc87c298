using System.CommandLine;
using System.Diagnostics;
using Mistral.Gpu.Model.Checkpoints;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>
/// <c>mistral-gpu tools write-synthetic --out DIR</c>: a random-weight checkpoint of a real shape (Mistral 7B: 14.5 GB of
/// bf16) in the Hugging Face or the native layout, to measure loading without a download (<c>bench load</c>).
/// </summary>
internal static class ToolsCommand
{
    public static Command Create()
    {
        var command = new Command("tools", "Helpers around models: write-synthetic.");
        command.Subcommands.Add(WriteSynthetic());
        return command;
    }

    private static Command WriteSynthetic()
    {
        var output = new Option<string>("--out", "-o") { Description = "Folder to create (must not hold files)", HelpName = "DIR", Required = true };
        var layout = new Option<string>("--layout") { Description = "hf: config.json + 10 GB shards + model.safetensors.index.json; native: params.json + one consolidated.safetensors", DefaultValueFactory = _ => "native", HelpName = "hf|native" };
        var shape = new Option<string>("--shape") { Description = $"Model shape: {string.Join(", ", BenchSettingsDefaults.Synthetic.Keys)}", DefaultValueFactory = _ => "mistral-7b", HelpName = "NAME" };
        var seed = new Option<int>("--seed") { Description = "Seed of the random weights", DefaultValueFactory = _ => 1, HelpName = "S" };
        var command = new Command("write-synthetic", "Write a random-weight bf16 checkpoint at full size (Mistral 7B: 14.5 GB) with a tokenizer.model, for bench load.");
        command.Options.Add(output);
        command.Options.Add(layout);
        command.Options.Add(shape);
        command.Options.Add(seed);
        command.SetAction(parse =>
        {
            try
            {
                string name = parse.GetValue(shape)!;
                if (!BenchSettingsDefaults.Synthetic.TryGetValue(name, out var config))
                    throw new ArgumentException($"--shape: unknown shape '{name}': use {string.Join(", ", BenchSettingsDefaults.Synthetic.Keys)}.");
                var chosen = parse.GetValue(layout)!.ToLowerInvariant() switch
                {
                    "native" => CheckpointLayout.Native,
                    "hf" or "huggingface" => CheckpointLayout.HuggingFace,
                    var other => throw new ArgumentException($"--layout: unknown layout '{other}': use hf or native."),
                };
                string directory = parse.GetValue(output)!;
                long total = SyntheticCheckpoint.WeightBytes(config);
                var clock = Stopwatch.StartNew();
                int lastPercent = -1;
                SyntheticCheckpoint.Write(directory, config, chosen, parse.GetValue(seed), (done, all) =>
                {
                    // Printed once the folder and disk are checked, so a refusal stays one line.
                    if (lastPercent < 0) Console.Error.WriteLine($"writing {name} ({total / 1e9:F2} GB of bf16 weights, {chosen}) to {directory}");
                    int percent = (int)(100 * done / all);
                    if (percent / 10 != lastPercent / 10) Console.Error.WriteLine($"  {percent,3} % ({done / 1e9:F2} GB, {clock.Elapsed.TotalSeconds:F0} s)");
                    lastPercent = percent;
                });
                Console.WriteLine($"wrote {total / 1e9:F2} GB in {clock.Elapsed.TotalSeconds:F1} s ({total / 1e6 / clock.Elapsed.TotalSeconds:F0} MB/s): {directory}");
                return 0;
            }
            catch (Exception e)
            {
                return ModelOptions.ReportError(e);
            }
        });
        return command;
    }
}

using Mistral.Gpu.Kernels;
using Mistral.Gpu.Model.Checkpoints;
using Mistral.Gpu.Model.Runner;
using Mistral.Gpu.Roofline;
using Mistral.Gpu.Runtime;
using Spectre.Console;

namespace Mistral.Gpu.Cli.Commands;

/// <summary>Where the benchmarked weights come from: a synthetic shape (random weights made later), or a checkpoint loaded by the runner.</summary>
/// <param name="Config">The model's hyperparameters.</param>
/// <param name="Loaded">The loaded checkpoint; null for a synthetic model.</param>
internal sealed record BenchModelSource(ModelConfig Config, MistralModel? Loaded)
{
    /// <summary>Resolves <paramref name="name"/>; prints why and returns null when it cannot.</summary>
    public static BenchModelSource? Open(Accelerator accelerator, string name, WeightEncoding encoding)
    {
        if (name.StartsWith(BenchSettingsDefaults.SyntheticPrefix, StringComparison.OrdinalIgnoreCase))
        {
            if (BenchSettingsDefaults.Synthetic.TryGetValue(name[BenchSettingsDefaults.SyntheticPrefix.Length..], out var config))
                return new BenchModelSource(config, null);
            Console.Error.WriteLine($"error: --model: unknown synthetic model '{name}': use {string.Join(" or ", BenchSettingsDefaults.Synthetic.Keys.Select(k => BenchSettingsDefaults.SyntheticPrefix + k))}.");
            return null;
        }
        var format = encoding.BitsPerWeight switch { 4 => WeightFormat.Int4, 16 => WeightFormat.Fp16, _ => WeightFormat.Fp32 };
        try
        {
            var loaded = AnsiConsole.Status().Start($"Loading {name} ({encoding})...", _ => MistralModel.Load(accelerator, name,
                new ModelLoadOptions { Precision = format, GroupSize = Math.Max(encoding.GroupSize, 32) }));
            return new BenchModelSource(loaded.Config, loaded);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            ModelOptions.ReportError(e);
            return null;
        }
    }
}
